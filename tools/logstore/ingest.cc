// tools/logstore/ingest.cc -- See ingest.h. The main thread parses lines and hands records to
// the StoreWriter; reader threads (inputs.h) and the writer's sealer thread do the rest.
#include "tools/logstore/ingest.h"

#include <signal.h>

#include <atomic>
#include <chrono>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/progress.h"
#include "common/record_parser.h"
#include "common/reject_sink.h"
#include "common/store/store_writer.h"
#include "tools/logstore/inputs.h"
#include "tools/logstore/metrics.h"

namespace logstream::logstore {
namespace {

std::atomic<int> stop_signal{0};

extern "C" void OnStopSignal(int signo) { stop_signal.store(signo); }

void InstallStopHandlers() {
  struct sigaction action{};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

struct IngestCounters {
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

// How often one batch may go back to the stream after a line it could not vouch for; past
// that, the rest of the batch is parsed line by line (each restart runs stage 1 again over
// the rest of the batch).
constexpr int kMaxStreamRestarts = 8;

// Where a batch is, as its lines are stored.
struct BatchCursor {
  size_t offset = 0;     // start of the next line, in the batch
  uint64_t line_no = 0;  // its line number
};

// Stores lines from `cursor` on through RecordParser's batch mode (stage 1 once for the rest
// of the batch), as long as each document is exactly one line, and stops at the first line
// it cannot vouch for, which the caller then judges alone (docs/ndjson.md, "Parsing").
// A record is stored only once the next document is seen to start on the next non-blank
// line: that proves its line held nothing after the object. Reading a document writes its
// strings over the previous one's, so the record is stored before the next one is read.
Status StoreFromStream(const InputBatch& batch, size_t max_line_bytes, RecordParser* parser,
                       Record* record, store::StoreWriter* writer, IngestCounters* counters,
                       BatchCursor* cursor) {
  const char* end = batch.lines.data() + batch.lines.size;
  // Batches end with a newline (LineReader adds one to an unterminated last line).
  auto line_end = [end](const char* p) {
    const auto* newline = static_cast<const char*>(std::memchr(p, '\n', end - p));
    return newline != nullptr ? newline : end;
  };
  // The first JSON byte of the next non-blank line at or after p, or nullptr at the end.
  // *blank receives the number of blank lines before it.
  auto next_json = [end, &line_end](const char* p, uint64_t* blank) -> const char* {
    *blank = 0;
    for (; p < end; ++*blank) {
      const char* newline = line_end(p);
      if (!IsBlank(std::string_view(p, static_cast<size_t>(newline - p)))) {
        while (*p == ' ' || *p == '\t') ++p;
        return p;
      }
      p = newline + 1;
    }
    return nullptr;
  };
  // Passes the blank lines before the next line that has content.
  auto skip_blank = [&](uint64_t blank) {
    const char* p = batch.lines.data() + cursor->offset;
    for (; blank > 0; --blank) {
      p = line_end(p) + 1;
      ++cursor->line_no;
      ++counters->lines;
    }
    cursor->offset = static_cast<size_t>(p - batch.lines.data());
  };
  uint64_t blank = 0;
  const char* json = next_json(batch.lines.data() + cursor->offset, &blank);
  skip_blank(blank);
  // The stream starts at the first JSON byte: it gives the first document's offset as 0.
  if (json == nullptr || !parser->BeginBatch(json, static_cast<size_t>(end - json))) {
    return Status();
  }
  const char* begin = json;
  size_t offset = 0;
  RecordParser::BatchStep step = parser->NextDocument(&offset);
  std::string why;
  for (;;) {
    const char* p = batch.lines.data() + cursor->offset;
    const char* newline = line_end(p);
    std::string_view line(p, static_cast<size_t>(newline - p));
    if (line.size() > max_line_bytes || step != RecordParser::BatchStep::kDocument ||
        begin + offset != json || !parser->ReadBatchDocument(record, &why)) {
      return Status();
    }
    step = parser->NextDocument(&offset);
    json = next_json(newline + 1, &blank);
    bool one_line = json == nullptr ? step == RecordParser::BatchStep::kEnd
                                    : step == RecordParser::BatchStep::kDocument &&
                                          begin + offset == json;
    if (!one_line) return Status();
    if (line.back() == '\r') line.remove_suffix(1);
    LS_RETURN_IF_ERROR(writer->Add(*record, line));
    ++counters->records;
    ++counters->lines;
    ++cursor->line_no;
    cursor->offset = static_cast<size_t>(newline + 1 - batch.lines.data());
    skip_blank(blank);
    if (json == nullptr) return Status();
  }
}

// Judges the line at `cursor` alone, with RecordParser::Parse, and moves past it.
Status StoreOneLine(const InputBatch& batch, size_t max_line_bytes, RecordParser* parser,
                    Record* record, store::StoreWriter* writer, RejectSink* rejects,
                    IngestCounters* counters, BatchCursor* cursor) {
  const char* data = batch.lines.data();
  size_t size = batch.lines.size;
  // LineBatch keeps kParsePadding readable bytes after its lines.
  const char* readable_end = data + size + kParsePadding;
  size_t start = cursor->offset;
  const char* newline = static_cast<const char*>(std::memchr(data + start, '\n', size - start));
  size_t end = newline != nullptr ? static_cast<size_t>(newline - data) : size;
  std::string_view line(data + start, end - start);
  uint64_t line_no = cursor->line_no++;
  cursor->offset = end + 1;
  ++counters->lines;
  // A line that fit the read buffer can still be over the limit (as logfilter judges it,
  // before the CR of a CRLF line is dropped).
  if (line.size() > max_line_bytes) {
    rejects->Reject(batch.input_name, line_no, line,
                    fmt::format("line too long: {} bytes (limit {})", line.size(),
                                max_line_bytes));
    return Status();
  }
  // CRLF input: the CR is not part of the record, nor of a rejected line (docs/ndjson.md).
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || IsBlank(line)) return Status();
  std::string why;
  if (!parser->Parse(line, static_cast<size_t>(readable_end - line.data()), record, &why)) {
    rejects->Reject(batch.input_name, line_no, line, why);
    return Status();
  }
  LS_RETURN_IF_ERROR(writer->Add(*record, line));
  ++counters->records;
  return Status();
}

// Stores every line of `batch`: through the stream while it agrees with the lines, one line
// at a time where it does not. Returns a writer error (fatal).
Status StoreBatch(const InputBatch& batch, size_t max_line_bytes, RecordParser* parser,
                  Record* record, store::StoreWriter* writer, RejectSink* rejects,
                  IngestCounters* counters) {
  BatchCursor cursor{0, batch.first_line};
  for (int restarts = 0; cursor.offset < batch.lines.size; ++restarts) {
    if (restarts <= kMaxStreamRestarts) {
      LS_RETURN_IF_ERROR(StoreFromStream(batch, max_line_bytes, parser, record, writer,
                                         counters, &cursor));
      if (cursor.offset >= batch.lines.size) break;
    }
    LS_RETURN_IF_ERROR(StoreOneLine(batch, max_line_bytes, parser, record, writer, rejects,
                                    counters, &cursor));
  }
  counters->bytes += batch.lines.size;
  return writer->Commit();
}

void PrintSummary(const IngestCounters& counters, const store::WriterCounters& writer,
                  const RejectSink& rejects, double seconds) {
  cli::Error(
      "stats: lines={} bytes={} records={} {} blocks={} segments_sealed={} "
      "segments_merged={} wal_bytes={} fsyncs={} seconds={:.3f} records/s={:.0f}",
      counters.lines, counters.bytes, counters.records, rejects.StatsFields(),
      writer.blocks_encoded.load(), writer.segments_sealed.load(), writer.segments_merged.load(),
      writer.wal_bytes.load(), writer.fsyncs.load(), seconds,
      seconds > 0 ? static_cast<double>(counters.records) / seconds : 0.0);
}

}  // namespace

int RunIngest(const Options& options) {
  auto started = std::chrono::steady_clock::now();
  RejectSinkOptions reject_options;
  reject_options.dead_letter_path = options.dead_letter;
  reject_options.quiet = options.quiet;
  Result<std::unique_ptr<RejectSink>> rejects = RejectSink::Create(reject_options);
  if (!rejects.ok()) {
    cli::Error("{}", rejects.status().message());
    return cli::kExitCantCreate;
  }

  store::WriterOptions writer_options;
  writer_options.sync = options.sync;
  writer_options.sync_interval_ns = options.sync_interval_ns;
  writer_options.compression_level = options.compression_level;
  writer_options.memtable_bytes = options.memtable_bytes;
  writer_options.retention_ns = options.retention_ns;
  writer_options.max_size_bytes = options.max_size_bytes;
  writer_options.warn = [](std::string_view message) { cli::Error("{}", message); };
  Result<std::unique_ptr<store::StoreWriter>> writer =
      store::StoreWriter::Open(options.dir, writer_options);
  if (!writer.ok()) {
    cli::Error("{}", writer.status().message());
    switch (writer.status().code()) {
      case Code::kResourceExhausted: return cli::kExitTempFail;  // locked by another writer
      case Code::kUnsupported:
      case Code::kCorruption: return cli::kExitDataErr;
      default: return cli::kExitCantCreate;
    }
  }

  InputOptions input_options;
  input_options.max_line_bytes = options.max_line_bytes;
  input_options.max_connections = options.max_connections;
  // Reader threads may still be blocked in read(2) or accept(2) when we return; the inputs
  // therefore live until the process exits.
  static Inputs* inputs = nullptr;
  inputs = new Inputs(input_options, rejects->get());
  if (options.listen.empty()) {
    inputs->StartStdin();
  } else {
    for (const std::string& address : options.listen) {
      Status listening = inputs->Listen(address);
      if (!listening.ok()) {
        cli::Error("{}", listening.message());
        (void)(*writer)->Close();
        return listening.code() == Code::kInvalidArgument ? cli::kExitUsage : cli::kExitUnavailable;
      }
    }
  }
  IngestGauges gauges;
  std::unique_ptr<MetricsServer> metrics;
  if (!options.metrics.empty()) {
    Result<std::unique_ptr<MetricsServer>> started_metrics =
        MetricsServer::Start(options.metrics, writer->get(), rejects->get(), &gauges);
    if (!started_metrics.ok()) {
      cli::Error("{}", started_metrics.status().message());
      (void)(*writer)->Close();
      return cli::kExitUnavailable;
    }
    metrics = std::move(*started_metrics);
  }
  InstallStopHandlers();

  RecordParser parser;
  Record record;
  IngestCounters counters;
  ProgressMeter progress(true);
  Status fatal;
  auto last_tick = std::chrono::steady_clock::now();
  while (stop_signal.load() == 0) {
    std::unique_ptr<InputBatch> batch = inputs->Next(std::chrono::milliseconds(100));
    if (batch) {
      fatal = StoreBatch(*batch, options.max_line_bytes, &parser, &record, writer->get(),
                         rejects->get(), &counters);
      inputs->Recycle(std::move(batch));
      if (!fatal.ok()) break;
      progress.Update(counters.lines, counters.bytes);
      gauges.lines.store(counters.lines, std::memory_order_relaxed);
      gauges.bytes.store(counters.bytes, std::memory_order_relaxed);
    } else if (inputs->finished()) {
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_tick >= std::chrono::milliseconds(100)) {
      last_tick = now;
      fatal = (*writer)->Tick();
      if (!fatal.ok()) break;
    }
  }
  // A stop signal: what the producers had already written is read and stored too (for half a
  // second at most, against a producer that never pauses), then everything is sealed.
  if (stop_signal.load() != 0) {
    inputs->Stop();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (fatal.ok()) {
      std::unique_ptr<InputBatch> batch = inputs->Next(std::chrono::milliseconds(0));
      if (batch) {
        fatal = StoreBatch(*batch, options.max_line_bytes, &parser, &record, writer->get(),
                           rejects->get(), &counters);
        inputs->Recycle(std::move(batch));
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || inputs->Drained(left)) break;
    }
  }
  progress.Done();
  inputs->RemoveSocketFiles();
  Status closed = (*writer)->Close();
  if (fatal.ok()) fatal = closed;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.stats) PrintSummary(counters, (*writer)->counters(), **rejects, seconds);
  rejects->get()->PrintSummary();
  Status read_status = inputs->status();
  if (!fatal.ok()) {
    cli::Error("{}", fatal.message());
    return cli::kExitIoErr;
  }
  if (!read_status.ok()) {
    cli::Error("{}", read_status.message());
    return cli::kExitIoErr;
  }
  if (!rejects->get()->status().ok()) {
    cli::Error("{}", rejects->get()->status().message());
    return cli::kExitCantCreate;
  }
  return rejects->get()->count() > 0 ? cli::kExitDataErr : cli::kExitOk;
}

}  // namespace logstream::logstore
