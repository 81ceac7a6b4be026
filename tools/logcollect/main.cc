// tools/logcollect/main.cc -- logcollect: reads sources, writes NDJSON records.
#include <glob.h>
#include <pthread.h>
#include <signal.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <exception>
#include <thread>

#include <fmt/core.h>
#include <re2/re2.h>

#include "common/cli.h"
#include "common/reject_sink.h"
#include "tools/logcollect/checkpoints.h"
#include "tools/logcollect/collector.h"
#include "tools/logcollect/entry_builder.h"
#include "tools/logcollect/metrics.h"
#include "tools/logcollect/options.h"

namespace {

namespace cli = logstream::cli;

int CountArgs(char** argv) {
  int count = 0;
  while (argv[count] != nullptr) ++count;
  return count;
}
namespace logcollect = logstream::logcollect;
using logstream::Code;
using logstream::Status;

// --once over a glob that matches nothing is almost always a mistake in a cron job.
int CheckOnceGlobs(const logcollect::Options& options) {
  if (!options.collector.once) return cli::kExitOk;
  for (const auto& spec : options.sources) {
    if (spec.kind != logcollect::SourceKind::kFile) continue;
    glob_t matches{};
    int rc = ::glob(spec.path.c_str(), 0, nullptr, &matches);
    ::globfree(&matches);
    if (rc != 0) {
      cli::Error("{}: no such file", spec.url);
      return cli::kExitNoInput;
    }
  }
  return cli::kExitOk;
}

void PrintStats(const logcollect::Collector& collector, const logstream::RejectSink& rejects) {
  for (const auto& source : collector.sources()) {
    const logcollect::SourceCounters& c = source->counters();
    cli::Error("stats: source={} records={} bytes={} errors={} rotations={}",
               source->spec().label(), c.records.load(), c.bytes.load(), c.parse_errors.load(),
               c.rotations.load());
  }
  cli::Error("stats: records={} {}", collector.totals().records.load(), rejects.StatsFields());
}

// SIGHUP with --config: the file is read again and checked; when it is valid the collector
// shuts down as for SIGTERM (everything read is written and checkpointed) and executes itself
// again, so that every source, listener and option of the new file takes effect and reading
// resumes from the state directory. Standard output and standard input are inherited.
bool ConfigReloadable(const logcollect::Options& options, char** argv) {
  if (options.config_file.empty()) return false;
  if (options.state_dir.empty()) {
    cli::Error("SIGHUP: the configuration is reloaded only with --state (positions would be "
               "lost); files were looked at again instead");
    return false;
  }
  logstream::Result<logcollect::Options> fresh = logcollect::ParseArgs(CountArgs(argv), argv);
  logstream::Result<std::string> text = cli::ReadSmallFile(options.config_file);
  Status status = !fresh.ok()  ? fresh.status()
                  : !text.ok() ? text.status()
                               : logcollect::ApplyConfig(*text, options.config_file, &*fresh);
  if (status.ok()) status = logcollect::ResolveSources(&*fresh);
  for (size_t i = 0; status.ok() && i < fresh->sources.size(); ++i) {
    auto format = logcollect::FormatSpec::Create(fresh->sources[i].format);
    if (!format.ok()) status = format.status().WithContext(fresh->sources[i].url);
  }
  if (!status.ok()) {
    cli::Error("SIGHUP: {}: keeping the running configuration", status.message());
    return false;
  }
  cli::Error("SIGHUP: reloading {}", options.config_file);
  return true;
}

int Collect(logcollect::Options& options, char** argv, bool* reload) {
  if (int rc = CheckOnceGlobs(options); rc != cli::kExitOk) return rc;
  // Signals are taken by one thread with sigwait(); every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A closed stdout or socket is an error we report and checkpoint around, not a silent kill.
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<std::unique_ptr<logcollect::Source>> sources;
  for (const auto& spec : options.sources) {
    // A pattern that does not compile is a usage error on the command line, a configuration
    // error in the file.
    auto format = logcollect::FormatSpec::Create(spec.format);
    Status pattern = format.ok() ? logcollect::CompileStartPattern(spec).status()
                                 : format.status().WithContext(spec.url);
    if (!pattern.ok()) {
      if (!spec.from_config) return cli::UsageError(pattern);
      cli::Error("{}", pattern.message());
      return cli::kExitConfig;
    }
    auto source = logcollect::CreateSource(spec);
    if (!source.ok()) return cli::UsageError(source.status());
    (*source)->set_format(std::move(*format));
    sources.push_back(std::move(*source));
  }
  std::unique_ptr<logcollect::Checkpoints> checkpoints;
  if (!options.state_dir.empty()) {
    auto opened = logcollect::Checkpoints::Open(options.state_dir);
    if (!opened.ok()) {
      cli::Error("{}", opened.status().message());
      switch (opened.status().code()) {
        case Code::kResourceExhausted: return cli::kExitTempFail;
        case Code::kCorruption: return cli::kExitConfig;
        default: return cli::kExitCantCreate;
      }
    }
    checkpoints = std::move(*opened);
  }
  logstream::RejectSinkOptions reject_options;
  reject_options.dead_letter_path = options.dead_letter;
  reject_options.quiet = options.quiet;
  auto rejects = logstream::RejectSink::Create(reject_options);
  if (!rejects.ok()) {
    cli::Error("{}", rejects.status().message());
    return cli::kExitCantCreate;
  }
  auto output = logcollect::CreateOutput(options.output);
  if (!output.ok()) {
    cli::Error("{}", output.status().message());
    return output.status().code() == Code::kInvalidArgument ? cli::kExitUsage
                                                            : cli::kExitUnavailable;
  }
  logcollect::Collector collector(options.collector, std::move(sources), std::move(*output),
                                  std::move(checkpoints), rejects->get());
  if (Status started = collector.Start(); !started.ok()) {
    cli::Error("{}", started.message());
    return started.code() == Code::kInvalidArgument ? cli::kExitConfig : cli::kExitUnavailable;
  }
  std::unique_ptr<logcollect::MetricsServer> metrics;
  if (!options.metrics.empty()) {
    auto server = logcollect::MetricsServer::Start(options.metrics, &collector, rejects->get());
    if (!server.ok()) {
      cli::Error("{}", server.status().message());
      collector.Stop();
      (void)collector.Run();
      return cli::kExitUnavailable;
    }
    metrics = std::move(*server);
  }
  // The waiter polls, rather than being woken by a signal of ours: a signal left pending
  // would survive the exec of a reload and stop the new process.
  std::atomic<bool> run_over{false};
  std::thread waiter([&collector, &options, &run_over, signals, argv, reload] {
    const timespec poll{0, 200'000'000};
    while (!run_over.load()) {
      int signo = sigtimedwait(&signals, nullptr, &poll);
      if (signo < 0) continue;
      if (signo == SIGHUP) {
        if (!ConfigReloadable(options, argv)) {
          collector.Reopen();
          continue;
        }
        *reload = true;
      }
      collector.Stop();
      return;
    }
  });
  Status status = collector.Run();
  run_over.store(true);
  waiter.join();
  metrics.reset();
  if (options.stats) PrintStats(collector, **rejects);
  (*rejects)->PrintSummary();
  if (!status.ok()) {
    cli::Error("{}", status.message());
    return cli::kExitIoErr;
  }
  if (Status dead_letter = (*rejects)->status(); !dead_letter.ok()) {
    cli::Error("{}", dead_letter.message());
    return cli::kExitIoErr;
  }
  uint64_t unreadable = 0;
  for (const auto& source : collector.sources()) unreadable += source->counters().open_errors.load();
  if (options.collector.once && unreadable > 0) return cli::kExitNoInput;
  // A run that reached the end of its input (not one stopped by a signal) reports rejects.
  if (!collector.stopped_by_request() && (*rejects)->count() > 0) return cli::kExitDataErr;
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Init("logcollect");
  try {
    auto options = logcollect::ParseArgs(argc, argv);
    if (!options.ok()) return cli::UsageError(options.status());
    if (options->help) {
      fmt::print("{}", logcollect::HelpText());
      return cli::Finish(cli::kExitOk);
    }
    if (options->version) {
      fmt::print("logcollect (LogStream) {}\n", LOGSTREAM_VERSION);
      return cli::Finish(cli::kExitOk);
    }
    if (!options->config_file.empty()) {
      logstream::Result<std::string> text = cli::ReadSmallFile(options->config_file);
      if (!text.ok()) {
        cli::Error("{}", text.status().message());
        return cli::kExitNoInput;
      }
      Status applied = logcollect::ApplyConfig(*text, options->config_file, &*options);
      if (!applied.ok()) {
        cli::Error("{}", applied.message());
        return cli::kExitConfig;
      }
    }
    if (Status resolved = logcollect::ResolveSources(&*options); !resolved.ok()) {
      return cli::UsageError(resolved);
    }
    bool reload = false;
    int rc = Collect(*options, argv, &reload);
    if (reload && rc == cli::kExitOk) {
      ::fflush(nullptr);
      ::execv("/proc/self/exe", argv);
      cli::Error("SIGHUP: cannot execute /proc/self/exe again: {}", std::strerror(errno));
      return cli::kExitSoftware;
    }
    return cli::Finish(rc);
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
