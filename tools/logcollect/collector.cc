// tools/logcollect/collector.cc -- See collector.h.
#include "tools/logcollect/collector.h"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "common/cli.h"
#include "common/json_writer.h"
#include "common/progress.h"
#include "common/timestamp.h"
#include "tools/logcollect/chunk_queue.h"
#include "tools/logcollect/formats/format.h"

namespace logstream::logcollect {
namespace {

constexpr std::chrono::milliseconds kWait{50};

int64_t MonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct PendingMark {
  uint64_t sequence;
  Source* source;
  CheckpointMark mark;
};

}  // namespace

struct Collector::Impl {
  Impl(const CollectorOptions& o, RejectSink* r)
      : options(o), rejects(r), queue(o.queue_chunks, o.chunk_bytes) {}

  CollectorOptions options;
  RejectSink* rejects;
  ChunkQueue queue;
  std::atomic<bool> abort{false};
  std::atomic<bool> workers_stop{false};
  std::atomic<bool> writer_stop{false};
  std::vector<std::thread> workers;
  std::thread writer;
  std::thread checkpointer;
  std::mutex mu;
  std::condition_variable wake;
  bool stop_requested = false;
  bool reopen_requested = false;
  bool checkpointer_stop = false;
  Status output_status;  // under mu
  std::mutex marks_mu;
  std::deque<PendingMark> marks;  // written, not yet known delivered

  void ParseLoop(Collector* collector);
  void ParseChunk(Chunk& chunk, EntryParser& parser, Record& record, std::string& why);
  void WriteLoop(Collector* collector);
  void AcknowledgeDelivered(Output& output);
  void CheckpointLoop(Checkpoints* checkpoints);
};

void Collector::Impl::ParseChunk(Chunk& chunk, EntryParser& parser, Record& record,
                                 std::string& why) {
  Source& source = *chunk.source;
  SourceCounters& counters = source.counters();
  for (uint64_t line : chunk.skipped_lines) {
    rejects->Reject(chunk.input_name, line, {}, "line too long");
    counters.parse_errors.fetch_add(1, std::memory_order_relaxed);
  }
  const FormatSpec& format = source.format();
  const size_t readable_end = chunk.size + kParsePadding;
  auto one = [&](std::string_view entry, uint64_t line, size_t offset) {
    if (entry.empty()) return;
    record.Clear();
    if (!parser.Parse(format, entry, readable_end - offset, &record, &why)) {
      rejects->Reject(chunk.input_name, line, entry, why);
      counters.parse_errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (record.source.empty()) {
      record.source = chunk.peer_host.empty() ? std::string_view(source.spec().name)
                                              : std::string_view(chunk.peer_host);
    }
    AppendRecord(record, &chunk.output);
    ++chunk.output_records;
  };
  const char* data = chunk.data();
  if (chunk.entries.empty()) {
    uint64_t line = chunk.first_line;
    size_t offset = 0;
    while (offset < chunk.size) {
      const char* newline =
          static_cast<const char*>(std::memchr(data + offset, '\n', chunk.size - offset));
      size_t end = newline ? static_cast<size_t>(newline - data) : chunk.size;
      one({data + offset, end - offset}, line++, offset);
      offset = end + 1;
    }
  } else {
    for (const EntrySpan& span : chunk.entries) {
      one({data + span.offset, span.size}, span.line, span.offset);
    }
  }
}

void Collector::Impl::ParseLoop(Collector*) {
  EntryParser parser;
  Record record;
  std::string why;
  for (;;) {
    std::unique_ptr<Chunk> chunk = queue.TakeForParsing(kWait);
    if (!chunk) {
      if (workers_stop.load()) return;
      continue;
    }
    chunk->output.reserve(chunk->size * 2);
    if (!abort.load(std::memory_order_relaxed)) ParseChunk(*chunk, parser, record, why);
    queue.Parsed(std::move(chunk));
  }
}

void Collector::Impl::AcknowledgeDelivered(Output& output) {
  int64_t delivered = output.DeliveredThrough();
  std::lock_guard lock(marks_mu);
  while (!marks.empty() && static_cast<int64_t>(marks.front().sequence) <= delivered) {
    marks.front().source->Acknowledge(marks.front().mark);
    marks.pop_front();
  }
}

void Collector::Impl::WriteLoop(Collector* collector) {
  Output& output = *collector->output_;
  bool failed = false;
  for (;;) {
    std::unique_ptr<Chunk> chunk = queue.TakeForWriting(kWait);
    if (!chunk) {
      AcknowledgeDelivered(output);
      if (writer_stop.load()) return;
      continue;
    }
    if (!failed && !abort.load(std::memory_order_relaxed)) {
      Status status = output.Write(chunk->sequence, chunk->output);
      if (!status.ok()) {
        failed = true;
        std::lock_guard lock(mu);
        output_status = status;
        stop_requested = true;
        wake.notify_all();
      } else {
        chunk->source->counters().records.fetch_add(chunk->output_records,
                                                     std::memory_order_relaxed);
        collector->totals_.records.fetch_add(chunk->output_records, std::memory_order_relaxed);
        collector->totals_.chunks.fetch_add(1, std::memory_order_relaxed);
        if (chunk->has_mark) {
          std::lock_guard lock(marks_mu);
          marks.push_back(PendingMark{chunk->sequence, chunk->source, std::move(chunk->mark)});
        }
      }
    }
    queue.Release(std::move(chunk));
    AcknowledgeDelivered(output);
  }
}

void Collector::Impl::CheckpointLoop(Checkpoints* checkpoints) {
  bool reported = false;
  std::unique_lock lock(mu);
  while (!checkpointer_stop) {
    wake.wait_for(lock, std::chrono::nanoseconds(options.checkpoint_interval_ns),
                  [&] { return checkpointer_stop; });
    if (checkpointer_stop) break;
    lock.unlock();
    Status saved = checkpoints->Save();
    if (!saved.ok() && !reported) {
      cli::Error("{} (retrying)", saved.message());
      reported = true;
    } else if (saved.ok()) {
      reported = false;
    }
    lock.lock();
  }
}

Collector::Collector(const CollectorOptions& options, std::vector<std::unique_ptr<Source>> sources,
                     std::unique_ptr<Output> output, std::unique_ptr<Checkpoints> checkpoints,
                     RejectSink* rejects)
    : impl_(std::make_unique<Impl>(options, rejects)),
      sources_(std::move(sources)),
      output_(std::move(output)),
      checkpoints_(std::move(checkpoints)) {}

Collector::~Collector() {
  impl_->abort.store(true);
  for (auto& source : sources_) source->Stop();
  for (auto& source : sources_) source->Join();
  impl_->workers_stop.store(true);
  impl_->writer_stop.store(true);
  impl_->queue.Close();
  for (auto& worker : impl_->workers) {
    if (worker.joinable()) worker.join();
  }
  if (impl_->writer.joinable()) impl_->writer.join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->checkpointer_stop = true;
    impl_->wake.notify_all();
  }
  if (impl_->checkpointer.joinable()) impl_->checkpointer.join();
}

Status Collector::Start() {
  unsigned threads = std::max(1u, impl_->options.parse_threads);
  for (unsigned i = 0; i < threads; ++i) {
    impl_->workers.emplace_back([this] { impl_->ParseLoop(this); });
  }
  impl_->writer = std::thread([this] { impl_->WriteLoop(this); });
  if (checkpoints_) {
    impl_->checkpointer = std::thread([this] { impl_->CheckpointLoop(checkpoints_.get()); });
  }
  SourceContext context;
  context.queue = &impl_->queue;
  context.checkpoints = checkpoints_.get();
  context.once = impl_->options.once;
  context.abort = &impl_->abort;
  for (auto& source : sources_) {
    Status started = source->Start(context);
    if (!started.ok()) return started;
  }
  return Status();
}

void Collector::Stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stop_requested = true;
  impl_->wake.notify_all();
}

void Collector::Reopen() {
  std::lock_guard lock(impl_->mu);
  impl_->reopen_requested = true;
  impl_->wake.notify_all();
}

size_t Collector::chunks_in_flight() { return impl_->queue.in_flight(); }

bool Collector::stopped_by_request() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stop_requested;
}

Status Collector::Run() {
  Impl& impl = *impl_;
  // Shown only when stderr is a terminal: records written and bytes read so far.
  ProgressMeter progress(true);
  auto report = [&] {
    uint64_t bytes = 0;
    for (const auto& source : sources_) bytes += source->counters().bytes.load();
    progress.Update(totals_.records.load(), bytes);
  };
  {
    std::unique_lock lock(impl.mu);
    for (;;) {
      lock.unlock();
      report();
      lock.lock();
      if (impl.stop_requested) break;
      if (impl.reopen_requested) {
        impl.reopen_requested = false;
        lock.unlock();
        for (auto& source : sources_) source->Reopen();
        lock.lock();
        continue;
      }
      // Followed files and listeners never finish; standard input does at its end.
      bool all_finished = true;
      for (const auto& source : sources_) all_finished = all_finished && source->Finished();
      if (all_finished) break;
      impl.wake.wait_for(lock, kWait);
    }
  }
  // Readers stop reading and queue what they hold; after the drain timeout they drop it.
  const int64_t deadline = MonotonicNs() + impl.options.drain_timeout_ns;
  for (auto& source : sources_) source->Stop();
  auto wait_until = [&](auto done) {
    while (!done()) {
      if (MonotonicNs() >= deadline) {
        if (!impl.abort.exchange(true)) {
          cli::Error("shutdown: gave up waiting for the output after the drain timeout");
        }
        output_->Stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  wait_until([&] {
    for (const auto& source : sources_) {
      if (!source->Finished()) return false;
    }
    return true;
  });
  for (auto& source : sources_) source->Join();
  wait_until([&] { return impl.queue.Idle(); });
  impl.workers_stop.store(true);
  impl.writer_stop.store(true);
  impl.queue.Close();
  for (auto& worker : impl.workers) worker.join();
  impl.workers.clear();
  impl.writer.join();
  int64_t left = std::max<int64_t>(deadline - MonotonicNs(), 0);
  if (!output_->Drain(left)) cli::Error("shutdown: the output did not take everything in time");
  impl.AcknowledgeDelivered(*output_);
  {
    std::lock_guard lock(impl.mu);
    impl.checkpointer_stop = true;
    impl.wake.notify_all();
  }
  if (impl.checkpointer.joinable()) impl.checkpointer.join();
  progress.Done();
  Status status;
  if (checkpoints_) status = checkpoints_->Save();
  std::lock_guard lock(impl.mu);
  if (!impl.output_status.ok()) return impl.output_status;
  return status;
}

}  // namespace logstream::logcollect
