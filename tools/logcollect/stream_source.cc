// tools/logcollect/stream_source.cc -- See stream_source.h.
#include "tools/logcollect/stream_source.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <re2/re2.h>

#include "common/cli.h"
#include "tools/logcollect/entry_builder.h"

namespace logstream::logcollect {
namespace {

constexpr size_t kReadBytes = 1 << 20;
constexpr int kPollMillis = 100;

class StdinSource : public Source {
 public:
  explicit StdinSource(SourceSpec spec) : Source(std::move(spec)) {}
  ~StdinSource() override {
    Stop();
    Join();
  }

  Status Start(const SourceContext& context) override {
    context_ = context;
    if (context_.abort == nullptr) context_.abort = &no_abort_;
    auto start_pattern = CompileStartPattern(spec_);
    if (!start_pattern.ok()) return start_pattern.status();
    start_pattern_ = std::move(*start_pattern);
    thread_ = std::thread([this] { Run(); });
    return Status();
  }
  void Stop() override { stop_.store(true); }
  void Join() override {
    if (thread_.joinable()) thread_.join();
  }
  bool Finished() const override { return finished_.load(); }

 private:
  void Run() {
    EntryBuilder builder(this, context_.queue, "standard input", spec_.multiline,
                         start_pattern_.get(), spec_.max_line_bytes);
    builder.set_peer_host("stdin");
    std::vector<char> buffer(kReadBytes);
    const std::atomic<bool>& abort = *context_.abort;
    // After a stop, what the pipe already holds is still read (the writer would lose it).
    bool draining = false;
    for (;;) {
      if (stop_.load() && !draining) draining = true;
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      int ready = ::poll(&pfd, 1, draining ? 0 : kPollMillis);
      if (ready < 0 && errno != EINTR) break;
      if (ready <= 0) {
        if (draining) break;
        builder.Flush(Now().ns, abort);
        continue;
      }
      ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        cli::Error("read 'standard input': {}", std::strerror(errno));
        break;
      }
      if (n == 0) break;
      counters_.bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      if (!builder.Feed({buffer.data(), static_cast<size_t>(n)}, abort)) break;
    }
    builder.Finish(abort);
    finished_.store(true);
  }

  SourceContext context_;
  std::atomic<bool> no_abort_{false};
  std::unique_ptr<re2::RE2> start_pattern_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace

Result<std::unique_ptr<Source>> CreateStdinSource(const SourceSpec& spec) {
  return std::unique_ptr<Source>(new StdinSource(spec));
}

}  // namespace logstream::logcollect
