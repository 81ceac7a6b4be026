// tools/logstore/main.cc -- logstore: the store directory's writer and its operator commands.
#include <exception>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/io.h"
#include "tools/logstore/ingest.h"
#include "tools/logstore/maintenance.h"
#include "tools/logstore/options.h"

namespace {

// Reads --config and applies its `store:` section under the command-line options.
int LoadConfig(logstream::logstore::Options* options) {
  namespace cli = logstream::cli;
  if (options->config_file.empty()) return cli::kExitOk;
  logstream::Result<int> fd = logstream::OpenForReading(options->config_file);
  if (!fd.ok()) {
    cli::Error("{}", fd.status().message());
    return cli::kExitNoInput;
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    logstream::Result<size_t> got = logstream::ReadSome(*fd, buffer, sizeof buffer,
                                                        options->config_file);
    if (!got.ok()) {
      cli::Error("{}", got.status().message());
      return cli::kExitIoErr;
    }
    if (*got == 0) break;
    text.append(buffer, *got);
  }
  logstream::Status applied =
      logstream::logstore::ApplyConfig(text, options->config_file, options);
  if (!applied.ok()) {
    cli::Error("{}", applied.message());
    return cli::kExitConfig;
  }
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = logstream::cli;
  namespace logstore = logstream::logstore;
  cli::Init("logstore");
  try {
    auto options = logstore::ParseArgs(argc, argv);
    if (!options.ok()) return cli::UsageError(options.status());
    if (options->help) {
      fmt::print("{}", logstore::HelpText());
      return cli::Finish(cli::kExitOk);
    }
    if (options->version) {
      fmt::print("logstore (LogStream) {}\n", LOGSTREAM_VERSION);
      return cli::Finish(cli::kExitOk);
    }
    if (int rc = LoadConfig(&*options); rc != cli::kExitOk) return rc;
    switch (options->command) {
      case logstore::Command::kIngest: return cli::Finish(logstore::RunIngest(*options));
      case logstore::Command::kStats: return cli::Finish(logstore::RunStats(*options));
      case logstore::Command::kVerify: return cli::Finish(logstore::RunVerify(*options));
      case logstore::Command::kCompact: return cli::Finish(logstore::RunCompact(*options));
      case logstore::Command::kExport: return cli::Finish(logstore::RunExport(*options));
    }
    return cli::kExitSoftware;
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
