// tools/logquery/run.cc -- From options to an engine request, and the results to stdout.
#include "tools/logquery/run.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/engine/analysis.h"
#include "common/engine/record_search.h"
#include "common/engine/store_follower.h"
#include "common/io.h"
#include "common/timestamp.h"
#include "tools/logquery/output.h"

namespace logstream::logquery {
namespace {

// On a terminal without --limit, the newest this many matches, oldest first.
constexpr uint64_t kTerminalPage = 100;

int OpenFailure(const Status& status) {
  cli::Error("{}", status.message());
  switch (status.code()) {
    case Code::kNotFound: return cli::kExitNoInput;
    case Code::kUnsupported:
    case Code::kCorruption: return cli::kExitDataErr;
    default: return cli::kExitIoErr;
  }
}

std::string Mebibytes(uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
}

void Explain(const Options& options, const engine::ScanStats& stats, const store::TimeRange& range,
             unsigned jobs, double seconds) {
  std::string text = "explain:\n";
  text += fmt::format("  query       {}\n", options.query.empty() ? "''" : options.query);
  auto bound = [](int64_t ns, bool low) -> std::string {
    if (low && ns == std::numeric_limits<int64_t>::min()) return "-inf";
    if (!low && ns == std::numeric_limits<int64_t>::max()) return "+inf";
    return FormatRfc3339(Timestamp{ns});
  };
  text += fmt::format("  time range  [{}, {})\n", bound(range.from_ns, true),
                      bound(range.to_ns, false));
  text += fmt::format("  segments    {} in range\n", stats.segments);
  uint64_t skipped = stats.pruned_time + stats.pruned_meta + stats.pruned_bloom;
  text += fmt::format(
      "  blocks      {} in range, {} skipped (time {}, metadata {}, bloom {}), {} scanned{}{}\n",
      stats.blocks, skipped, stats.pruned_time, stats.pruned_meta, stats.pruned_bloom,
      stats.scanned,
      stats.answered_meta > 0 ? fmt::format(", {} counted from metadata", stats.answered_meta) : "",
      stats.failed > 0 ? fmt::format(", {} damaged", stats.failed) : "");
  text += fmt::format("  records     {} scanned, {} matched{}\n", stats.records_scanned,
                      stats.records_matched, stats.stopped_early ? " (stopped at the limit)" : "");
  text += fmt::format("  read        {} chunks, {} stored, {} decompressed\n", stats.chunks_read,
                      Mebibytes(stats.bytes_read), Mebibytes(stats.bytes_decoded));
  text += fmt::format("  elapsed     {:.1f} ms with {} job{}", seconds * 1e3, jobs,
                      jobs == 1 ? "" : "s");
  cli::PrintError(text);
}

Result<int64_t> TimeOption(const std::string& text, std::string_view option, const Timestamp& now,
                           int64_t unset) {
  if (text.empty()) return unset;
  Result<Timestamp> time = ParseTimeSpec(text, now);
  if (!time.ok()) {
    return Status::InvalidArgument(
        fmt::format("invalid argument '{}' for '--{}': {}", text, option, time.status().message()));
  }
  return time->ns;
}

// After the search: the new matches as they are stored, until the reader goes away.
Status Follow(const Options& options, const store::StoreSnapshot& start,
              const engine::RecordSearch& search, FdWriter* out) {
  engine::StoreFollower follower(options.store, search);
  LS_RETURN_IF_ERROR(follower.Start(start));
  const auto interval = std::chrono::nanoseconds(options.poll_interval_ns);
  bool more = true;
  while (more) {
    std::this_thread::sleep_for(interval);
    LS_RETURN_IF_ERROR(follower.Poll(
        [out](std::string_view text) {
          out->Append(text);
          out->Flush();
          return out->status().ok();
        },
        &more));
  }
  return Status();
}

}  // namespace

int RunQuery(const Options& options, bool stdout_is_terminal) {
  const auto started = std::chrono::steady_clock::now();
  const Timestamp now = Now();

  Result<engine::Pipeline> pipeline = engine::ParsePipeline(options.query);
  if (!pipeline.ok()) {
    cli::Error("query: {}", pipeline.status().message());
    return cli::kExitUsage;
  }
  Result<query::Query> query = query::Query::Compile(pipeline->query, now);
  if (!query.ok()) {
    cli::Error("query: {}", query.status().message());
    return cli::kExitUsage;
  }
  store::TimeRange range;
  Result<int64_t> from = TimeOption(options.from, "from", now, range.from_ns);
  if (!from.ok()) return cli::UsageError(from.status());
  Result<int64_t> to = TimeOption(options.to, "to", now, range.to_ns);
  if (!to.ok()) return cli::UsageError(to.status());
  range.from_ns = *from;
  range.to_ns = *to;

  const bool analysis = pipeline->analysis.has_value();
  if (analysis && options.follow) {
    return cli::UsageError(Status::InvalidArgument("'--follow' prints records, not an analysis"));
  }
  OutputFormat format = options.output;
  if (analysis) {
    if (format == OutputFormat::kAuto || format == OutputFormat::kText) {
      format = stdout_is_terminal ? OutputFormat::kTable : OutputFormat::kNdjson;
    }
    if (format == OutputFormat::kLogfmt) {
      return cli::UsageError(Status::InvalidArgument(
          "an analysis prints as table, ndjson, csv or tsv, not logfmt"));
    }
    if (!options.fields.empty()) {
      return cli::UsageError(Status::InvalidArgument("'--fields' applies to records, not to an analysis"));
    }
  } else {
    if (format == OutputFormat::kAuto) {
      format = stdout_is_terminal ? OutputFormat::kText : OutputFormat::kNdjson;
    }
    if (format == OutputFormat::kTable) {
      return cli::UsageError(Status::InvalidArgument("'-o table' is for analyses; records print as "
                                                     "ndjson, text, logfmt, csv or tsv"));
    }
  }
  bool color = options.color == ColorMode::kAlways;
  if (options.color == ColorMode::kAuto) color = stdout_is_terminal && std::getenv("NO_COLOR") == nullptr;
  unsigned jobs = options.jobs;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());

  uint64_t damaged = 0;
  store::SnapshotOptions snapshot_options;
  snapshot_options.range = range;
  snapshot_options.open_jobs = jobs;
  snapshot_options.warn = [&damaged](std::string_view message) {
    ++damaged;
    cli::Error("{}", message);
  };
  Result<std::unique_ptr<store::StoreSnapshot>> snapshot =
      store::StoreSnapshot::Open(options.store, snapshot_options);
  if (!snapshot.ok()) return OpenFailure(snapshot.status());

  engine::ScanRequest scan;
  scan.query = *query;
  scan.range = range;
  scan.jobs = jobs;
  scan.warn = snapshot_options.warn;
  engine::ScanStats stats;
  FdWriter out(STDOUT_FILENO, "standard output");
  Status status;
  int rc = cli::kExitOk;

  if (analysis) {
    engine::AnalysisRequest request;
    request.scan = scan;
    request.analysis = *pipeline->analysis;
    request.memory_limit = options.memory_limit;
    engine::Table table;
    status = engine::RunAnalysis(**snapshot, request, &table, &stats);
    if (status.ok()) {
      std::string text;
      WriteTable(table, format, color, &text);
      out.Append(text);
    }
  } else {
    RecordStyle style{format, options.fields, color};
    engine::RecordSearch search;
    search.scan = scan;
    search.sort = engine::FieldRef::Parse(options.sort);
    search.order = options.descending ? engine::Order::kDescending : engine::Order::kAscending;
    search.limit = options.limit;
    search.memory_limit = options.memory_limit;
    const engine::RecordRenderer plain_render = MakeRecordRenderer(style);
    search.render = plain_render;
    // A terminal shows a page of the newest matches, oldest first, as journalctl does.
    const bool page = stdout_is_terminal && !options.limit_given && !options.order_given &&
                      search.sort.kind == engine::FieldRef::Kind::kTimestamp;
    if (page) {
      // One more than a page tells whether there were more. Each record is framed by its
      // length, so that the page can be reversed record by record (a CSV record may hold
      // newlines).
      search.limit = kTerminalPage + 1;
      search.order = engine::Order::kDescending;
      search.render = [render = search.render](const Record& record, std::string* out) {
        size_t at = out->size();
        out->append(sizeof(uint64_t), '\0');
        render(record, out);
        uint64_t length = out->size() - at - sizeof(uint64_t);
        std::memcpy(out->data() + at, &length, sizeof length);
      };
    }
    out.Append(RecordHeader(style));
    bool printed = false;
    std::vector<std::string> page_rows;
    status = engine::SearchRecords(
        **snapshot, search,
        [&](std::string_view text) {
          if (page) {
            // Whole records, newest first: kept to print in reverse.
            while (!text.empty()) {
              uint64_t length = 0;
              std::memcpy(&length, text.data(), sizeof length);
              page_rows.emplace_back(text.substr(sizeof length, length));
              text.remove_prefix(sizeof length + length);
            }
            return true;
          }
          printed = true;
          out.Append(text);
          out.Flush();  // the first records go out while the scan goes on
          return out.status().ok();
        },
        &stats);
    const bool more = page_rows.size() > kTerminalPage;
    if (more) page_rows.pop_back();  // the oldest
    for (auto it = page_rows.rbegin(); it != page_rows.rend(); ++it) out.Append(*it);
    if (more) {
      out.Flush();  // the note comes after the page, where the reader's eyes are
      cli::Error("showing the newest {} matches; use --limit N (0 for all) to see more",
                 kTerminalPage);
    }
    if (!printed && page_rows.empty()) rc = cli::kExitNoMatch;
    if (options.follow && status.ok() && out.status().ok()) {
      out.Flush();
      engine::RecordSearch follow = search;
      follow.render = plain_render;  // not framed: follow mode prints as it finds
      status = Follow(options, **snapshot, follow, &out);
      rc = cli::kExitOk;
    }
  }
  out.Flush();
  if (options.explain) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    Explain(options, stats, range, jobs, seconds);
  }
  if (!out.status().ok()) {
    cli::Error("{}", out.status().message());
    return cli::kExitIoErr;
  }
  if (!status.ok()) {
    cli::Error("{}", status.message());
    return status.code() == Code::kResourceExhausted ? cli::kExitSoftware : cli::ExitCodeFor(status);
  }
  if (damaged > 0 || stats.failed > 0) return cli::kExitDataErr;
  return rc;
}

}  // namespace logstream::logquery
