// tools/logquery/main.cc -- logquery: search and analyse a LogStream store.
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>

#include <fmt/core.h>

#include "common/cli.h"
#include "tools/logquery/options.h"
#include "tools/logquery/remote.h"
#include "tools/logquery/run.h"

int main(int argc, char** argv) {
  namespace cli = logstream::cli;
  namespace logquery = logstream::logquery;
  cli::Init("logquery");
  // Every block decodes into buffers of a few hundred KiB that are freed right after. By
  // default glibc maps such buffers fresh (or trims the heap back) each time, and the page
  // faults cost more than the decoding: keep freed memory for the next block instead.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  try {
    auto options = logquery::ParseArgs(argc, argv);
    if (!options.ok()) return cli::UsageError(options.status());
    if (options->help) {
      fmt::print("{}", logquery::HelpText());
      return cli::Finish(cli::kExitOk);
    }
    if (options->version) {
      fmt::print("logquery (LogStream) {}\n", LOGSTREAM_VERSION);
      return cli::Finish(cli::kExitOk);
    }
    // --store, then $LOGSTREAM_STORE, then the configuration file.
    if (const char* env = std::getenv("LOGSTREAM_STORE"); options->store.empty() && env && *env) {
      options->store = env;
      options->given.emplace_back("store");
    }
    if (!options->config_file.empty()) {
      logstream::Result<std::string> text = cli::ReadSmallFile(options->config_file);
      if (!text.ok()) {
        cli::Error("{}", text.status().message());
        return cli::kExitNoInput;
      }
      logstream::Status applied = logquery::ApplyConfig(*text, options->config_file, &*options);
      if (!applied.ok()) {
        cli::Error("{}", applied.message());
        return cli::kExitConfig;
      }
    }
    if (!options->server.empty()) {
      return cli::Finish(logquery::RunRemote(*options, isatty(STDOUT_FILENO) == 1));
    }
    if (options->store.empty()) {
      return cli::UsageError(logstream::Status::InvalidArgument(
          "no store: give --store DIR or --server URL, set LOGSTREAM_STORE, or query.store in --config"));
    }
    return cli::Finish(logquery::RunQuery(*options, isatty(STDOUT_FILENO) == 1));
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
