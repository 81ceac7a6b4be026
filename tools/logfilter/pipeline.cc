// tools/logfilter/pipeline.cc -- Batches of lines through parse, select and transform, on
// worker threads, written out in input order.
//
// Stateless rules and shared-object plugins run on the workers (one plugin instance per
// worker). A stateful rule (dedup, rate_limit) needs the records in input order, so it and
// every step after it run on the ordered (calling) thread, on the canonical lines the
// workers produced. The exec plugin, one process, comes last, also in order.
#include "tools/logfilter/pipeline.h"

#include <cstring>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/core.h>

#include "common/json_writer.h"
#include "common/line_reader.h"
#include "common/progress.h"
#include "common/record_parser.h"
#include "tools/logfilter/exec_plugin.h"

namespace logstream::logfilter {
namespace {

struct RejectedLine {
  uint64_t index;     // 0-based line index within its batch
  std::string bytes;  // the line, verbatim
  std::string why;
};

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

// Keeps at most `n` lines of NDJSON `text`.
void TruncateToLines(std::string* text, uint64_t n) {
  size_t pos = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const void* nl = std::memchr(text->data() + pos, '\n', text->size() - pos);
    if (nl == nullptr) return;
    pos = static_cast<size_t>(static_cast<const char*>(nl) - text->data()) + 1;
  }
  text->resize(pos);
}

// Appends kParsePadding bytes of capacity after the end of `text` without changing it, so
// that RecordParser::Parse() may read lines of `text` in place.
void PadForParsing(std::string* text) {
  size_t size = text->size();
  text->append(kParsePadding, '\0');
  text->resize(size);
}

}  // namespace

struct Pipeline::Work {
  uint64_t seq = 0;
  int input_id = 0;
  LineBatch batch;
  std::string output;         // canonical NDJSON of the records kept
  uint64_t output_records = 0;
  uint64_t lines = 0;
  uint64_t records = 0;
  std::vector<RejectedLine> rejects;
  Status fatal;               // a plugin failure
  bool ready = false;         // processed by a worker
  bool emitted = false;       // output written (unordered mode writes early)

  void Reset() {
    output.clear();
    output_records = lines = records = 0;
    rejects.clear();
    fatal = Status();
    ready = emitted = false;
  }
};

// What one thread needs to turn lines into output; never shared.
struct Pipeline::WorkerContext {
  RecordParser parser;
  Record record;
  RecordParser emitted_parser;
  Record emitted_record;
  std::vector<std::unique_ptr<PluginInstance>> plugins;
  std::string record_line;
  std::string why;
};

class Pipeline::Impl {
 public:
  Impl(Pipeline* owner, PipelineConfig config, RejectSink* rejects, FdWriter* out)
      : owner_(owner), config_(std::move(config)), rejects_(rejects), out_(out) {}

  Status Start();
  Status ProcessInput(int fd, const std::string& name);
  Status Finish();
  ~Impl() { StopWorkers(); }

 private:
  // --- worker side ---
  void WorkerLoop(WorkerContext* context);
  void ProcessBatch(WorkerContext* context, Work* work);
  // Returns false only for a line from the stream that failed to parse (see ProcessBatch).
  bool HandleLine(WorkerContext* context, Work* work, std::string_view line, uint64_t line_index,
                  bool from_batch, const char* readable_end);
  // Runs `record` through the plugins of `context` (if any) and appends the results.
  // Returns the number of records appended, or a fatal plugin error in *fatal.
  uint64_t EmitRecord(WorkerContext* context, const Record& record, std::string* out,
                      Status* fatal);

  // --- ordered side ---
  void Account(Work* work, const std::string& name, uint64_t* line_base);
  Status EmitOutput(Work* work);
  Status RunTail(std::string* text, uint64_t records);
  Status Write(std::string* text, uint64_t records);
  void WriteFromExec(std::string_view line);

  Status NewWorkerContext(std::unique_ptr<WorkerContext>* context);
  void StopWorkers();

  Pipeline* owner_;
  PipelineConfig config_;
  RejectSink* rejects_;
  FdWriter* out_;
  size_t first_tail_rule_ = 0;  // rules_[first_tail_rule_..] run on the ordered thread
  bool tail_ = false;           // anything to run on the ordered thread before writing
  bool serialize_ = true;       // false when only counting, with nothing after the workers
  std::optional<FieldNeeds> needs_;  // what selection reads before a record is chosen

  // Worker threads and the queue between the reader, the workers and the ordered thread.
  std::vector<std::thread> workers_;
  std::vector<std::unique_ptr<WorkerContext>> contexts_;
  std::unique_ptr<WorkerContext> inline_context_;  // jobs == 1, and the tail
  std::mutex mu_;
  std::condition_variable todo_cv_;
  std::condition_variable ready_cv_;
  std::condition_variable free_cv_;
  std::deque<Work*> todo_;
  std::deque<Work*> in_flight_;
  std::vector<std::unique_ptr<Work>> all_work_;
  std::vector<Work*> free_;
  bool shutting_down_ = false;
  uint64_t next_seq_ = 0;
  int input_id_ = 0;

  // The tail and the exec plugin.
  std::unique_ptr<ExecPlugin> exec_;
  std::mutex exec_mu_;            // guards the writer and counters while the plugin runs
  uint64_t exec_output_lines_ = 0;
  std::string exec_buffer_;
  std::string tail_output_;

  ProgressMeter progress_{config_.progress};
  uint64_t progress_bytes_ = 0;
};

Status Pipeline::Impl::NewWorkerContext(std::unique_ptr<WorkerContext>* context) {
  *context = std::make_unique<WorkerContext>();
  for (const auto& plugin : config_.plugins) {
    Result<std::unique_ptr<PluginInstance>> instance = plugin->NewInstance();
    if (!instance.ok()) return instance.status();
    (*context)->plugins.push_back(std::move(*instance));
  }
  return Status();
}

Status Pipeline::Impl::Start() {
  for (size_t i = 0; i < config_.rules.size(); ++i) {
    if (config_.rules[i]->stateful()) {
      first_tail_rule_ = i;
      tail_ = true;
      break;
    }
  }
  if (!tail_) first_tail_rule_ = config_.rules.size();
  serialize_ = !config_.count_only || tail_ || !config_.exec_command.empty();
  if (!config_.query.matches_everything()) needs_ = config_.query.needs();

  // The inline context serves jobs == 1 and the tail; with a tail, plugins run there only.
  LS_RETURN_IF_ERROR(NewWorkerContext(&inline_context_));
  if (config_.jobs > 1) {
    for (unsigned i = 0; i < config_.jobs; ++i) {
      std::unique_ptr<WorkerContext> context;
      if (tail_) {
        context = std::make_unique<WorkerContext>();
      } else {
        LS_RETURN_IF_ERROR(NewWorkerContext(&context));
      }
      contexts_.push_back(std::move(context));
    }
    size_t slots = 2 * config_.jobs + 2;
    for (size_t i = 0; i < slots; ++i) {
      all_work_.push_back(std::make_unique<Work>());
      free_.push_back(all_work_.back().get());
    }
    for (auto& context : contexts_) {
      workers_.emplace_back([this, c = context.get()] { WorkerLoop(c); });
    }
  } else {
    all_work_.push_back(std::make_unique<Work>());
  }

  if (!config_.exec_command.empty()) {
    Result<std::unique_ptr<ExecPlugin>> exec =
        ExecPlugin::Start({"/bin/sh", "-c", config_.exec_command},
                          [this](std::string_view line) { WriteFromExec(line); });
    if (!exec.ok()) return exec.status();
    exec_ = std::move(*exec);
  }
  return Status();
}

void Pipeline::Impl::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
  }
  todo_cv_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void Pipeline::Impl::WorkerLoop(WorkerContext* context) {
  for (;;) {
    Work* work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      todo_cv_.wait(lock, [this] { return shutting_down_ || !todo_.empty(); });
      if (todo_.empty()) return;
      work = todo_.front();
      todo_.pop_front();
    }
    ProcessBatch(context, work);
    {
      std::lock_guard<std::mutex> lock(mu_);
      work->ready = true;
    }
    ready_cv_.notify_all();
  }
}

uint64_t Pipeline::Impl::EmitRecord(WorkerContext* context, const Record& record,
                                    std::string* out, Status* fatal) {
  if (context->plugins.empty()) {
    AppendRecord(record, out);
    return 1;
  }
  // Each plugin takes canonical lines and may return any number of records for each;
  // what it returns is parsed and normalised like input before the next plugin sees it.
  std::vector<std::string> current;
  context->record_line.clear();
  AppendRecord(record, &context->record_line);
  context->record_line.pop_back();  // the newline
  current.push_back(context->record_line);
  for (size_t p = 0; p < context->plugins.size(); ++p) {
    std::vector<std::string> next;
    uint64_t emitted = 0;
    const std::string& plugin_name = config_.plugins[p]->name();
    for (const std::string& line : current) {
      Status status = context->plugins[p]->Process(line, [&](std::string_view produced) {
        ++emitted;
        std::string why;
        if (!context->emitted_parser.ParseUnpadded(produced, &context->emitted_record, &why)) {
          rejects_->Reject(fmt::format("plugin '{}'", plugin_name), emitted, produced, why);
          return;
        }
        std::string canonical;
        AppendRecord(context->emitted_record, &canonical);
        canonical.pop_back();
        next.push_back(std::move(canonical));
      });
      if (!status.ok()) {
        *fatal = status;
        return 0;
      }
    }
    current.swap(next);
  }
  for (const std::string& line : current) {
    out->append(line);
    out->push_back('\n');
  }
  return current.size();
}

// Handles one non-blank line whose bytes are `line`: parse (partially when the query needs
// only some members), select, complete the record, transform, emit.
bool Pipeline::Impl::HandleLine(WorkerContext* context, Work* work, std::string_view line,
                                uint64_t line_index, bool from_batch, const char* readable_end) {
  Record& record = context->record;
  RecordParser& parser = context->parser;
  const FieldNeeds* needs = needs_ ? &*needs_ : nullptr;
  std::string& why = context->why;
  bool parsed = from_batch
                    ? parser.ReadBatchDocument(&record, &why, needs)
                    : parser.Parse(line, static_cast<size_t>(readable_end - line.data()), &record,
                                   &why, needs);
  if (parsed && config_.query.Matches(record) == config_.invert) {
    ++work->records;  // valid as far as it was read, and not selected
    return true;
  }
  if (parsed && needs != nullptr) {
    parsed = from_batch ? parser.ReadBatchRest(&record, &why) : parser.ParseRest(&record, &why);
  }
  if (!parsed) {
    // A document of the stream that fails may have been cut wrongly by the stream, and
    // simdjson 3.0.1 must not be asked for another document after an error: the caller
    // judges this line again on its own.
    if (from_batch) return false;
    work->rejects.push_back(RejectedLine{line_index, std::string(line), why});
    return true;
  }
  ++work->records;
  for (size_t r = 0; r < first_tail_rule_; ++r) {
    if (!config_.rules[r]->Apply(&record)) return true;
  }
  if (!serialize_ && context->plugins.empty()) {
    ++work->output_records;
    return true;
  }
  if (tail_) {
    AppendRecord(record, &work->output);
    ++work->output_records;
    return true;
  }
  work->output_records += EmitRecord(context, record, &work->output, &work->fatal);
  return true;
}

void Pipeline::Impl::ProcessBatch(WorkerContext* context, Work* work) {
  const LineBatch& batch = work->batch;
  const char* begin = batch.data();
  const char* end = begin + batch.size;
  const char* readable_end = begin + batch.capacity + kParsePadding;

  // Where line-by-line parsing starts: the whole batch, unless the stream below gets
  // through some or all of it first.
  const char* resume = begin;
  uint64_t resume_index = 0;

  RecordParser& parser = context->parser;
  if (parser.BeginBatch(begin, batch.size)) {
    // State before the last line handled from the stream, to undo it if the stream's next
    // document shows that line had content after its object.
    struct Snapshot {
      size_t output_size;
      uint64_t output_records, records;
      size_t rejects;
      const char* line;
      uint64_t index;
    } last{};
    bool have_last = false;
    const char* p = begin;
    uint64_t index = 0;
    for (;;) {
      std::string_view line;
      const char* newline = end;
      while (p < end) {
        newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        line = std::string_view(p, static_cast<size_t>(newline - p));
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!IsBlank(line)) break;
        p = newline + 1;
        ++index;
      }
      size_t offset = 0;
      RecordParser::BatchStep step = parser.NextDocument(&offset);
      bool anomaly;
      if (p >= end) {
        anomaly = step != RecordParser::BatchStep::kEnd;
      } else {
        const char* json_start = p;
        while (*json_start == ' ' || *json_start == '\t') ++json_start;
        anomaly = step != RecordParser::BatchStep::kDocument || begin + offset != json_start ||
                  static_cast<size_t>(newline - p) > config_.max_line_bytes;
      }
      if (anomaly) {
        if (have_last) {
          work->output.resize(last.output_size);
          work->output_records = last.output_records;
          work->records = last.records;
          work->rejects.resize(last.rejects);
          resume = last.line;
          resume_index = last.index;
        } else {
          resume = p;
          resume_index = index;
        }
        break;
      }
      if (p >= end) {
        resume = end;
        resume_index = index;
        break;
      }
      last = Snapshot{work->output.size(), work->output_records, work->records,
                      work->rejects.size(), p, index};
      have_last = true;
      if (!HandleLine(context, work, line, index, /*from_batch=*/true, readable_end)) {
        resume = p;  // nothing of this line was recorded: judge it again alone
        resume_index = index;
        break;
      }
      if (!work->fatal.ok()) return;
      p = newline + 1;
      ++index;
    }
  }

  const char* p = resume;
  uint64_t index = resume_index;
  while (p < end) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    std::string_view line(p, static_cast<size_t>(newline - p));
    uint64_t line_index = index++;
    p = newline + 1;
    // A line's length is every byte but the newline, as the reader counts it.
    if (line.size() > config_.max_line_bytes) {
      work->rejects.push_back(RejectedLine{
          line_index, std::string(line),
          fmt::format("line too long: {} bytes (limit {})", line.size(), config_.max_line_bytes)});
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlank(line)) continue;
    HandleLine(context, work, line, line_index, /*from_batch=*/false, readable_end);
    if (!work->fatal.ok()) return;
  }
  work->lines = index;
}

void Pipeline::Impl::Account(Work* work, const std::string& name, uint64_t* line_base) {
  for (uint64_t skipped : work->batch.skipped_before) {
    ++*line_base;
    rejects_->Reject(name, *line_base, {},
                     fmt::format("line too long: {} bytes (limit {})", skipped,
                                 config_.max_line_bytes));
  }
  for (const RejectedLine& reject : work->rejects) {
    rejects_->Reject(name, *line_base + reject.index + 1, reject.bytes, reject.why);
  }
  *line_base += work->lines;
  owner_->counters_.lines += work->lines + work->batch.skipped_before.size();
  owner_->counters_.records += work->records;
  progress_bytes_ += work->batch.size;
  progress_.Update(owner_->counters_.lines, progress_bytes_);
}

Status Pipeline::Impl::EmitOutput(Work* work) {
  work->emitted = true;
  if (!work->fatal.ok()) return work->fatal;
  if (owner_->limit_reached_.load()) return Status();
  if (tail_) return RunTail(&work->output, work->output_records);
  return Write(&work->output, work->output_records);
}

Status Pipeline::Impl::RunTail(std::string* text, uint64_t /*records*/) {
  WorkerContext* context = inline_context_.get();
  PadForParsing(text);
  tail_output_.clear();
  uint64_t kept_records = 0;
  const char* p = text->data();
  const char* end = p + text->size();
  const char* readable_end = end + kParsePadding;
  std::string why;
  Status fatal;
  while (p < end) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    std::string_view line(p, static_cast<size_t>(newline - p));
    p = newline + 1;
    // Our own canonical output: it parses, barring a bug.
    if (!context->parser.Parse(line, static_cast<size_t>(readable_end - line.data()),
                               &context->record, &why)) {
      return Status::Internal(fmt::format("canonical record failed to parse: {}", why));
    }
    bool kept = true;
    for (size_t r = first_tail_rule_; r < config_.rules.size() && kept; ++r) {
      kept = config_.rules[r]->Apply(&context->record);
    }
    if (!kept) continue;
    kept_records += EmitRecord(context, context->record, &tail_output_, &fatal);
    if (!fatal.ok()) return fatal;
  }
  return Write(&tail_output_, kept_records);
}

Status Pipeline::Impl::Write(std::string* text, uint64_t records) {
  if (exec_) {
    if (text->empty()) return Status();
    return exec_->Write(*text);
  }
  if (config_.limit != 0) {
    uint64_t room = config_.limit - owner_->counters_.written;
    if (records >= room) {
      TruncateToLines(text, room);
      records = room;
      owner_->limit_reached_.store(true);
    }
  }
  owner_->counters_.written += records;
  if (!config_.count_only) {
    out_->Append(*text);
    if (!out_->status().ok()) return out_->status();
    out_->Flush();  // one write per batch bounds latency on slow pipes
  }
  return out_->status();
}

void Pipeline::Impl::WriteFromExec(std::string_view line) {
  std::lock_guard<std::mutex> lock(exec_mu_);
  ++exec_output_lines_;
  if (IsBlank(line) || owner_->limit_reached_.load()) return;
  std::string why;
  if (!inline_context_->emitted_parser.ParseUnpadded(line, &inline_context_->emitted_record,
                                                     &why)) {
    rejects_->Reject(fmt::format("plugin '{}'", config_.exec_command), exec_output_lines_, line,
                     why);
    return;
  }
  exec_buffer_.clear();
  AppendRecord(inline_context_->emitted_record, &exec_buffer_);
  ++owner_->counters_.written;
  if (config_.limit != 0 && owner_->counters_.written >= config_.limit) {
    owner_->limit_reached_.store(true);
  }
  if (!config_.count_only) out_->Append(exec_buffer_);
}

Status Pipeline::Impl::ProcessInput(int fd, const std::string& name) {
  LineReaderOptions reader_options;
  reader_options.max_line_bytes = config_.max_line_bytes;
  LineReader reader(fd, name, reader_options);
  uint64_t line_base = 0;
  Status result;

  if (config_.jobs <= 1) {
    Work* work = all_work_.front().get();
    while (!owner_->limit_reached_.load()) {
      work->Reset();
      if (!reader.Next(&work->batch)) break;
      ProcessBatch(inline_context_.get(), work);
      Account(work, name, &line_base);
      result = EmitOutput(work);
      if (!result.ok()) break;
    }
    owner_->counters_.bytes += reader.bytes_read();
    if (result.ok()) result = reader.status();
    return result;
  }

  ++input_id_;
  bool reader_done = false;
  Status read_status;
  std::thread reader_thread([&] {
    for (;;) {
      Work* work;
      {
        std::unique_lock<std::mutex> lock(mu_);
        free_cv_.wait(lock, [&] { return !free_.empty(); });
        work = free_.back();
        free_.pop_back();
      }
      work->Reset();
      bool more = !owner_->limit_reached_.load() && reader.Next(&work->batch);
      std::lock_guard<std::mutex> lock(mu_);
      if (!more) {
        free_.push_back(work);
        reader_done = true;
        read_status = reader.status();
        ready_cv_.notify_all();
        return;
      }
      work->seq = next_seq_++;
      work->input_id = input_id_;
      in_flight_.push_back(work);
      todo_.push_back(work);
      todo_cv_.notify_one();
    }
  });

  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ready_cv_.wait(lock, [&] {
      if (!in_flight_.empty() && in_flight_.front()->ready) return true;
      if (config_.unordered) {
        for (Work* w : in_flight_) {
          if (w->ready && !w->emitted) return true;
        }
      }
      return reader_done && in_flight_.empty();
    });
    if (in_flight_.empty() && reader_done) break;
    if (config_.unordered) {
      // Write whatever is done now; line accounting still happens in order below. The
      // reader may append to in_flight_ while we write, so take the list under the lock.
      std::vector<Work*> done;
      for (Work* w : in_flight_) {
        if (w->ready && !w->emitted) {
          w->emitted = true;
          done.push_back(w);
        }
      }
      lock.unlock();
      for (Work* w : done) {
        Status s = EmitOutput(w);
        if (result.ok() && !s.ok()) result = s;
      }
      lock.lock();
    }
    while (!in_flight_.empty() && in_flight_.front()->ready) {
      Work* work = in_flight_.front();
      in_flight_.pop_front();
      lock.unlock();
      Account(work, name, &line_base);
      if (!work->emitted && result.ok()) result = EmitOutput(work);
      if (!result.ok()) owner_->limit_reached_.store(true);  // stop reading: the run is over
      lock.lock();
      free_.push_back(work);
      free_cv_.notify_one();
    }
  }
  lock.unlock();
  reader_thread.join();
  owner_->counters_.bytes += reader.bytes_read();
  if (result.ok()) result = read_status;
  return result;
}

Status Pipeline::Impl::Finish() {
  StopWorkers();
  progress_.Done();
  if (exec_) {
    Status status = exec_->Finish();
    exec_.reset();
    std::lock_guard<std::mutex> lock(exec_mu_);
    out_->Flush();
    if (!status.ok()) return status;
  }
  out_->Flush();
  return out_->status();
}

Result<std::unique_ptr<Pipeline>> Pipeline::Create(PipelineConfig config, RejectSink* rejects,
                                                   FdWriter* out) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  if (config.jobs == 0) config.jobs = 1;
  pipeline->impl_ = std::make_unique<Impl>(pipeline.get(), std::move(config), rejects, out);
  LS_RETURN_IF_ERROR(pipeline->impl_->Start());
  return pipeline;
}

Pipeline::~Pipeline() = default;

Status Pipeline::ProcessInput(int fd, const std::string& name) {
  return impl_->ProcessInput(fd, name);
}

Status Pipeline::Finish() { return impl_->Finish(); }

}  // namespace logstream::logfilter
