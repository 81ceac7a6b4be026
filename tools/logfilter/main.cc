// tools/logfilter/main.cc -- logfilter: select and transform NDJSON log records.
#include <exception>

#include <fmt/core.h>

#include "common/cli.h"
#include "tools/logfilter/logfilter.h"

int main(int argc, char** argv) {
  namespace cli = logstream::cli;
  cli::Init("logfilter");
  try {
    auto options = logstream::logfilter::ParseArgs(argc, argv);
    if (!options.ok()) return cli::UsageError(options.status());
    if (options->help) {
      fmt::print("{}", logstream::logfilter::HelpText());
      return cli::Finish(cli::kExitOk);
    }
    if (options->version) {
      fmt::print("logfilter (LogStream) {}\n", LOGSTREAM_VERSION);
      return cli::Finish(cli::kExitOk);
    }
    return cli::Finish(logstream::logfilter::Run(*options));
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
