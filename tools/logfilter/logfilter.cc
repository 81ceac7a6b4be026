// tools/logfilter/logfilter.cc -- Wires logfilter's options to the pipeline: compiles the
// query, loads rules and plugins, opens the inputs one at a time, reports and exits.
#include "tools/logfilter/logfilter.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/io.h"
#include "common/query/query.h"
#include "common/reject_sink.h"
#include "tools/logfilter/pipeline.h"

namespace logstream::logfilter {
namespace {

void PrintStats(const PipelineCounters& counters, const RejectSink& rejects, double seconds) {
  double megabytes = static_cast<double>(counters.bytes) / 1e6;
  cli::Error("stats: lines={} bytes={} records={} written={} {} seconds={:.3f} MB/s={:.1f}",
             counters.lines, counters.bytes, counters.records, counters.written,
             rejects.StatsFields(), seconds, seconds > 0 ? megabytes / seconds : 0.0);
}

Result<PipelineConfig> BuildConfig(const Options& options) {
  PipelineConfig config;
  Result<query::Query> query = query::Query::Compile(options.query);
  if (!query.ok()) {
    return Status::InvalidArgument(fmt::format("query: {}", query.status().message()));
  }
  config.query = std::move(*query);
  config.invert = options.invert;
  config.count_only = options.count;
  config.limit = options.limit;
  config.jobs = options.jobs != 0 ? options.jobs
                                  : std::max(1u, std::thread::hardware_concurrency());
  config.unordered = options.unordered;
  config.max_line_bytes = options.max_line_bytes;
  config.exec_command = options.exec_plugin;
  return config;
}

}  // namespace

int Run(const Options& options) {
  auto started = std::chrono::steady_clock::now();
  Result<PipelineConfig> config = BuildConfig(options);
  if (!config.ok()) return cli::UsageError(config.status());

  if (!options.rules_file.empty()) {
    Result<RuleList> rules = LoadRulesFile(options.rules_file);
    if (!rules.ok()) {
      cli::Error("{}", rules.status().message());
      return rules.status().code() == Code::kIOError ? cli::kExitNoInput : cli::kExitConfig;
    }
    for (auto& rule : *rules) config->rules.push_back(std::move(rule));
  }
  for (const auto& [action, argument] : options.rule_flags) {
    Result<std::unique_ptr<Rule>> rule = RuleFromFlag(action, argument);
    if (!rule.ok()) return cli::UsageError(rule.status());
    config->rules.push_back(std::move(*rule));
  }
  for (const SharedObjectPluginSpec& spec : options.plugins) {
    Result<std::shared_ptr<SharedObjectPlugin>> plugin =
        SharedObjectPlugin::Load(spec.path, spec.config_json);
    if (!plugin.ok()) {
      cli::Error("{}", plugin.status().message());
      return cli::kExitConfig;
    }
    config->plugins.push_back(std::move(*plugin));
  }

  RejectSinkOptions reject_options;
  reject_options.dead_letter_path = options.dead_letter;
  reject_options.quiet = options.quiet;
  Result<std::unique_ptr<RejectSink>> rejects = RejectSink::Create(reject_options);
  if (!rejects.ok()) {
    cli::Error("{}", rejects.status().message());
    return cli::kExitCantCreate;
  }

  FdWriter out(STDOUT_FILENO, "standard output");
  Result<std::unique_ptr<Pipeline>> pipeline =
      Pipeline::Create(std::move(*config), rejects->get(), &out);
  if (!pipeline.ok()) {
    cli::Error("{}", pipeline.status().message());
    return pipeline.status().code() == Code::kUnavailable ? cli::kExitUnavailable
                                                          : cli::kExitConfig;
  }

  // Non-fatal problems are recorded and the first one decides the exit status.
  int deferred_rc = 0;
  Status fatal;
  std::vector<std::string> files = options.files;
  if (files.empty()) files.push_back("-");
  for (const std::string& file : files) {
    if ((*pipeline)->limit_reached()) break;
    int fd = STDIN_FILENO;
    std::string name = "(standard input)";
    if (file != "-") {
      Result<int> opened = OpenForReading(file);
      if (!opened.ok()) {
        cli::Error("{}", opened.status().message());
        if (deferred_rc == 0) deferred_rc = cli::kExitNoInput;
        continue;
      }
      fd = *opened;
      name = file;
    }
    Status status = (*pipeline)->ProcessInput(fd, name);
    if (fd != STDIN_FILENO) ::close(fd);
    if (!status.ok()) {
      if (status.code() == Code::kIOError && status.message().rfind("read ", 0) == 0) {
        cli::Error("{}", status.message());
        if (deferred_rc == 0) deferred_rc = cli::kExitIoErr;
        continue;
      }
      fatal = status;
      break;
    }
  }
  Status finished = (*pipeline)->Finish();
  if (fatal.ok()) fatal = finished;

  const PipelineCounters& counters = (*pipeline)->counters();
  if (fatal.ok() && options.count) {
    out.Append(fmt::format("{}\n", counters.written));
    out.Flush();
    fatal = out.status();
  }
  (*rejects)->PrintSummary();
  if (options.stats) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    PrintStats(counters, **rejects, seconds);
  }
  if (!fatal.ok()) {
    if (fatal.code() == Code::kIOError && fatal.message().rfind("write 'standard output'", 0) == 0) {
      cli::Error("error writing 'standard output': {}", std::strerror(fatal.errnum()));
      return cli::kExitIoErr;
    }
    cli::Error("{}", fatal.message());
    return cli::ExitCodeFor(fatal);
  }
  if (Status dead_letter = (*rejects)->status(); !dead_letter.ok()) {
    cli::Error("{}", dead_letter.message());
    return cli::kExitIoErr;
  }
  if (deferred_rc == 0 && (*rejects)->count() > 0) deferred_rc = cli::kExitDataErr;
  if (deferred_rc != 0) return deferred_rc;
  return counters.written > 0 ? cli::kExitOk : cli::kExitNoMatch;
}

}  // namespace logstream::logfilter
