// tools/logstore/maintenance.cc -- See maintenance.h.
#include "tools/logstore/maintenance.h"

#include <unistd.h>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/io.h"
#include "common/json_writer.h"
#include "common/store/bloom.h"
#include "common/store/store_reader.h"
#include "common/store/store_stats.h"
#include "common/store/store_writer.h"
#include "common/store/wal.h"
#include "common/timestamp.h"

namespace logstream::logstore {
namespace {

// Exit status for a store that could not be opened at all.
int OpenFailure(const Status& status) {
  cli::Error("{}", status.message());
  switch (status.code()) {
    case Code::kNotFound: return cli::kExitNoInput;
    case Code::kResourceExhausted: return cli::kExitTempFail;
    case Code::kUnsupported:
    case Code::kCorruption: return cli::kExitDataErr;
    default: return cli::kExitIoErr;
  }
}

void PrintWarning(std::string_view message) { cli::Error("warning: {}", message); }

}  // namespace

int RunStats(const Options& options) {
  store::SnapshotOptions snapshot_options;
  snapshot_options.warn = PrintWarning;
  Result<std::unique_ptr<store::StoreSnapshot>> snapshot =
      store::StoreSnapshot::Open(options.dir, snapshot_options);
  if (!snapshot.ok()) return OpenFailure(snapshot.status());
  Result<store::StoreStats> stats = store::ComputeStats(**snapshot);
  if (!stats.ok()) return OpenFailure(stats.status());
  fmt::print("{}\n", store::StatsJson(*stats));
  // The figures leave out what could not be read; the status says they are incomplete.
  return (*snapshot)->skipped_segments() > 0 ? cli::kExitDataErr : cli::kExitOk;
}

int RunVerify(const Options& options) {
  uint64_t problems = 0;
  auto report = [&problems](std::string_view message) {
    ++problems;
    cli::Error("{}", message);
  };
  store::SnapshotOptions snapshot_options;
  snapshot_options.include_wal = false;  // checked frame by frame below
  snapshot_options.warn = report;
  Result<std::unique_ptr<store::StoreSnapshot>> snapshot =
      store::StoreSnapshot::Open(options.dir, snapshot_options);
  if (!snapshot.ok()) return OpenFailure(snapshot.status());

  uint64_t segments = 0;
  uint64_t blocks = 0;
  uint64_t records = 0;
  std::string raw;
  for (const store::SnapshotSegment& segment : (*snapshot)->segments()) {
    ++segments;
    const store::SegmentReader& reader = *segment.reader;
    for (size_t b = 0; b < reader.blocks().size(); ++b) {
      ++blocks;
      const store::BlockMeta& meta = reader.blocks()[b];
      store::DecodedBlock block = reader.Block(b);
      Status status = block.LoadAll();
      if (status.ok()) {
        // Every chunk's checksum, the bloom filter's included, and the stored time range.
        for (const store::ChunkRef& chunk : meta.chunks) {
          if (chunk.name != store::kBloomChunk) continue;
          status = reader.ReadChunk(chunk, &raw);
          if (status.ok() && !BloomFilter::Valid(raw)) {
            status = Status::Corruption("malformed bloom filter");
          }
        }
      }
      if (status.ok()) {
        for (const Timestamp& ts : block.timestamps()) {
          if (ts.ns < meta.min_ns || ts.ns > meta.max_ns) {
            status = Status::Corruption("a timestamp lies outside the block's recorded range");
            break;
          }
        }
      }
      if (!status.ok()) {
        report(fmt::format("{}: block {}: {}", reader.path(), b, status.message()));
        continue;
      }
      records += meta.records;
    }
  }

  // The log: every frame's checksum. A torn tail on the newest log is what a crash leaves
  // (the next writer drops it); anywhere else it is damage.
  Result<std::vector<std::string>> logs = store::ListWalFiles((*snapshot)->dir());
  if (!logs.ok()) return OpenFailure(logs.status());
  uint64_t log_records = 0;
  for (size_t i = 0; i < logs->size(); ++i) {
    const std::string& path = (*logs)[i];
    Result<std::unique_ptr<store::WalReader>> log = store::WalReader::Open(path);
    if (!log.ok()) {
      if (log.status().errnum() != ENOENT) report(log.status().message());
      continue;
    }
    store::WalEntry entry;
    store::WalReader::Step step;
    while ((step = (*log)->Next(&entry)) == store::WalReader::Step::kEntry) ++log_records;
    if (step == store::WalReader::Step::kBadFrame) {
      std::string message = fmt::format("{}: offset {}: {}", path, (*log)->offset(),
                                        (*log)->problem());
      if (i + 1 < logs->size()) {
        report(message);
      } else {
        cli::Error("note: {} (an unfinished write; the next writer drops it)", message);
      }
    }
  }
  fmt::print("{} segments, {} blocks, {} records, {} unsealed records in {} logs: {}\n",
             segments, blocks, records, log_records, logs->size(),
             problems == 0 ? "no problems found"
                           : fmt::format("{} problem{} found", problems, problems == 1 ? "" : "s"));
  return problems == 0 ? cli::kExitOk : cli::kExitDataErr;
}

int RunCompact(const Options& options) {
  store::WriterOptions writer_options;
  writer_options.warn = PrintWarning;
  writer_options.compression_level = options.compression_level;
  // Without this the store would be created: compacting a directory that is not a store is
  // a mistake worth reporting.
  Status exists = store::StoreDir(options.dir).Prepare(/*create=*/false);
  if (!exists.ok()) return OpenFailure(exists);
  Result<std::unique_ptr<store::StoreWriter>> writer =
      store::StoreWriter::Open(options.dir, writer_options);
  if (!writer.ok()) return OpenFailure(writer.status());
  Status status = (*writer)->Compact();
  Status closed = (*writer)->Close();
  if (status.ok()) status = closed;
  if (!status.ok()) {
    cli::Error("{}", status.message());
    return cli::kExitIoErr;
  }
  uint64_t merged = (*writer)->counters().segments_merged.load();
  if (options.stats) cli::Error("stats: segments_merged={}", merged);
  return cli::kExitOk;
}

int RunExport(const Options& options) {
  store::TimeRange range;
  Timestamp now = Now();
  for (const auto& [text, bound] : {std::pair{&options.from, &range.from_ns},
                                    std::pair{&options.to, &range.to_ns}}) {
    if (text->empty()) continue;
    Result<Timestamp> ts = ParseTimeSpec(*text, now);
    if (!ts.ok()) {
      return cli::UsageError(Status::InvalidArgument(
          fmt::format("invalid time '{}': {}", *text, ts.status().message())));
    }
    *bound = ts->ns;
  }
  uint64_t skipped = 0;
  store::SnapshotOptions snapshot_options;
  snapshot_options.range = range;
  snapshot_options.warn = [&skipped](std::string_view message) {
    ++skipped;
    PrintWarning(message);
  };
  Result<std::unique_ptr<store::StoreSnapshot>> snapshot =
      store::StoreSnapshot::Open(options.dir, snapshot_options);
  if (!snapshot.ok()) return OpenFailure(snapshot.status());
  FdWriter out(STDOUT_FILENO, "standard output");
  std::string line;
  Status status = store::ForEachRecord(
      **snapshot, range,
      [&](const Record& record) {
        line.clear();
        AppendRecord(record, &line);
        out.Append(line);
        return out.status().ok();
      },
      PrintWarning, &skipped);
  out.Flush();
  if (!out.status().ok()) {
    cli::Error("{}", out.status().message());
    return cli::kExitIoErr;
  }
  if (!status.ok()) {
    cli::Error("{}", status.message());
    return cli::kExitIoErr;
  }
  // Damaged data was left out: the export is incomplete, and the status says so.
  return skipped > 0 ? cli::kExitDataErr : cli::kExitOk;
}

}  // namespace logstream::logstore
