// tools/logcollect/main.cc -- logcollect: reads sources, writes NDJSON records.
#include <glob.h>
#include <pthread.h>
#include <signal.h>

#include <exception>
#include <thread>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/reject_sink.h"
#include "tools/logcollect/checkpoints.h"
#include "tools/logcollect/collector.h"
#include "tools/logcollect/metrics.h"
#include "tools/logcollect/options.h"

namespace {

namespace cli = logstream::cli;
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

int Collect(logcollect::Options& options) {
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
    auto format = logcollect::FormatSpec::Create(spec.format);
    if (!format.ok()) {
      cli::Error("{}: {}", spec.url, format.status().message());
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
  // Where each listener listens, a port the system chose included: scripts and tests read it.
  for (const auto& source : collector.sources()) {
    std::string address = source->ListeningAddress();
    if (!address.empty()) cli::Error("listening on {}", address);
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
  std::thread waiter([&collector, signals] {
    for (;;) {
      int signo = 0;
      if (sigwait(&signals, &signo) != 0) continue;
      if (signo == SIGHUP) {
        collector.Reopen();
        continue;
      }
      collector.Stop();
      return;
    }
  });
  Status status = collector.Run();
  // Run() also ends without a signal (--once, a write error): wake the waiter.
  pthread_kill(waiter.native_handle(), SIGTERM);
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
  if (options.collector.once && (*rejects)->count() > 0) return cli::kExitDataErr;
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
    return cli::Finish(Collect(*options));
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
