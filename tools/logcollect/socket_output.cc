// tools/logcollect/socket_output.cc -- The output to a `logstore --listen` socket.
#include "tools/logcollect/socket_output.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/cli.h"
#include "tools/logcollect/spool.h"

namespace logstream::logcollect {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kFirstBackoffNs = 100'000'000;
// What one send() is offered: large enough for throughput, small enough that a stop or a spill
// request is seen soon.
constexpr size_t kSendSlice = 256 << 10;
constexpr auto kPollSlice = std::chrono::milliseconds(200);
constexpr auto kFinishLineTimeout = std::chrono::seconds(2);
// The same error is printed at most this often; a different one at once.
constexpr auto kErrorReportInterval = std::chrono::seconds(60);

// The offset of the start of the line that holds byte `offset`: a line that was partly sent
// is sent again whole.
size_t LineStart(std::string_view bytes, size_t offset) {
  if (offset == 0) return 0;
  size_t newline = bytes.rfind('\n', offset - 1);
  return newline == std::string_view::npos ? 0 : newline + 1;
}

struct Pending {
  uint64_t sequence;
  std::string bytes;
  size_t sent = 0;
};

class SocketOutput final : public Output {
 public:
  SocketOutput(OutputOptions options, SocketAddress address, std::unique_ptr<Spool> spool)
      : options_(std::move(options)), address_(std::move(address)), spool_(std::move(spool)) {
    if (spool_) counters_.spooled_bytes = spool_->unsent_bytes();
    sender_ = std::thread([this] { SenderLoop(); });
  }
  ~SocketOutput() override;

  Status Write(uint64_t sequence, std::string_view ndjson) override;
  int64_t DeliveredThrough() override {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_;
  }
  bool Drain(int64_t timeout_ns) override;
  void Stop() override {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    space_cv_.notify_all();
  }
  const OutputCounters& counters() const override { return counters_; }

 private:
  void SenderLoop();
  bool ShouldSpillLocked() const;
  // Moves the memory buffer into the spool (lines partly sent are taken whole).
  void SpillLocked();
  void Disconnect(const Status& why);
  Result<int> Connect();
  Result<int> ConnectTo(const sockaddr* address, socklen_t length);
  // Sends a part of [data, size): the bytes sent, 0 when asked to quit, or the failure.
  Result<size_t> SendSome(const char* data, size_t size);
  // Sends all of [data, size) whatever the peer's half-close (it still reads): finishes a
  // line cut by the half-close. False on an error or after kFinishLineTimeout.
  bool SendAll(const char* data, size_t size);
  // True when the store closed or broke the idle connection.
  bool PeerClosed();
  void Report(const Status& error);
  void Fail(const Status& error);

  const OutputOptions options_;
  const SocketAddress address_;
  std::unique_ptr<Spool> spool_;  // the sender thread's (and the destructor's, after it)
  OutputCounters counters_;

  std::mutex mu_;
  std::condition_variable data_cv_;   // the sender: data, a spill request, quitting
  std::condition_variable space_cv_;  // Write() and Drain(): room freed, chunks delivered
  std::deque<Pending> memory_;        // references stay valid across push_back
  uint64_t memory_bytes_ = 0;
  int64_t delivered_ = -1;
  bool stopped_ = false;
  bool spill_all_ = false;
  bool spool_full_ = false;           // until the spool sends something
  Status failed_;                     // the spool failed: the run ends
  std::atomic<bool> quit_{false};
  std::thread sender_;

  // The sender thread's.
  int fd_ = -1;
  bool ever_connected_ = false;
  int64_t backoff_ns_ = kFirstBackoffNs;
  Clock::time_point next_connect_{};
  std::string last_error_;
  Clock::time_point last_error_time_{};
  uint64_t suppressed_ = 0;
};

SocketOutput::~SocketOutput() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    stopped_ = true;
    data_cv_.notify_all();
    space_cv_.notify_all();
  }
  sender_.join();
  if (fd_ >= 0) ::close(fd_);
}

Status SocketOutput::Write(uint64_t sequence, std::string_view ndjson) {
  std::unique_lock<std::mutex> lock(mu_);
  // A chunk larger than the whole buffer is taken when the buffer is empty.
  space_cv_.wait(lock, [&] {
    return stopped_ || !failed_.ok() || memory_.empty() ||
           memory_bytes_ + ndjson.size() <= options_.buffer_bytes;
  });
  if (!failed_.ok()) return failed_;
  if (stopped_) return Status::Unavailable(fmt::format("{}: stopped", options_.address));
  if (ndjson.empty() && memory_.empty()) {
    delivered_ = static_cast<int64_t>(sequence);
    space_cv_.notify_all();
    return Status();
  }
  memory_.push_back({sequence, std::string(ndjson), 0});
  memory_bytes_ += ndjson.size();
  counters_.buffered_bytes = memory_bytes_;
  data_cv_.notify_one();
  return Status();
}

bool SocketOutput::Drain(int64_t timeout_ns) {
  Clock::time_point start = Clock::now();
  Clock::time_point deadline = start + std::chrono::nanoseconds(std::max<int64_t>(timeout_ns, 0));
  // With a spool, the last quarter of the time is kept for moving what is left there.
  Clock::time_point send_deadline =
      spool_ ? start + std::chrono::nanoseconds(std::max<int64_t>(timeout_ns, 0) / 4 * 3)
             : deadline;
  std::unique_lock<std::mutex> lock(mu_);
  auto done = [&] { return memory_.empty() || !failed_.ok(); };
  space_cv_.wait_until(lock, send_deadline, done);
  if (!memory_.empty() && spool_ && failed_.ok()) {
    spill_all_ = true;
    data_cv_.notify_all();
    space_cv_.wait_until(lock, deadline, done);
  }
  return memory_.empty();
}

bool SocketOutput::ShouldSpillLocked() const {
  if (!spool_ || memory_.empty() || spool_full_ || !failed_.ok()) return false;
  return spill_all_ || (fd_ < 0 && memory_bytes_ > options_.buffer_bytes / 2);
}

void SocketOutput::SpillLocked() {
  std::string lines;
  lines.reserve(memory_bytes_);
  for (const Pending& pending : memory_) {
    lines.append(pending.bytes, LineStart(pending.bytes, pending.sent));
  }
  Status appended = spool_->Append(lines);
  if (appended.code() == Code::kResourceExhausted) {
    spool_full_ = true;
    Report(appended);
    return;
  }
  if (appended.ok()) appended = spool_->Sync();
  if (!appended.ok()) {
    Fail(appended);
    return;
  }
  delivered_ = static_cast<int64_t>(memory_.back().sequence);
  memory_.clear();
  memory_bytes_ = 0;
  counters_.buffered_bytes = 0;
  counters_.spooled_bytes = spool_->unsent_bytes();
  space_cv_.notify_all();
}

void SocketOutput::Fail(const Status& error) {
  failed_ = error;
  cli::Error("{}", error.ToString());
  space_cv_.notify_all();
}

void SocketOutput::SenderLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    if (ShouldSpillLocked()) {
      SpillLocked();
      continue;
    }
    if (fd_ < 0) {
      if (Clock::now() < next_connect_) {
        data_cv_.wait_until(lock, next_connect_, [&] { return quit_ || ShouldSpillLocked(); });
        continue;
      }
      lock.unlock();
      Result<int> fd = Connect();
      lock.lock();
      if (!fd.ok()) {
        if (!quit_) Report(fd.status());
        next_connect_ = Clock::now() + std::chrono::nanoseconds(backoff_ns_);
        backoff_ns_ = std::min(backoff_ns_ * 2, std::max(options_.max_backoff_ns, kFirstBackoffNs));
        continue;
      }
      fd_ = *fd;
      counters_.connected = 1;
      if (ever_connected_) ++counters_.reconnects;
      ever_connected_ = true;
      if (!last_error_.empty()) {
        cli::Error("{}: connected", options_.address);
        last_error_.clear();
        suppressed_ = 0;
      }
      continue;
    }
    // Connected. What the spool holds is older than anything in memory: it goes first.
    if (spool_ && !spool_->empty()) {
      lock.unlock();
      Status failure;
      size_t sent = 0, whole = 0;
      Result<std::string_view> next = spool_->Peek(kSendSlice);
      if (next.ok()) {
        while (sent < next->size() && !quit_) {
          Result<size_t> n = SendSome(next->data() + sent, next->size() - sent);
          if (!n.ok()) {
            failure = n.status();
            break;
          }
          sent += *n;
          counters_.bytes_written += *n;
        }
        // A half-close leaves the store reading: the line under way is finished, so that it
        // is neither cut short in the store nor sent twice.
        if (failure.code() == Code::kUnavailable && sent != LineStart(*next, sent)) {
          size_t end = next->find('\n', sent) + 1;
          if (SendAll(next->data() + sent, end - sent)) {
            counters_.bytes_written += end - sent;
            sent = end;
          }
        }
        whole = sent == next->size() ? sent : LineStart(*next, sent);
      }
      Status consumed = next.ok() ? spool_->Consume(whole) : next.status();
      lock.lock();
      counters_.spooled_bytes = spool_->unsent_bytes();
      if (whole > 0) spool_full_ = false;
      if (!consumed.ok()) Fail(consumed);
      if (!failure.ok()) Disconnect(failure);
      if (!failed_.ok()) break;
      continue;
    }
    if (memory_.empty()) {
      // Idle: keep an eye on the connection, so that a store's half-close at its stop is
      // answered by closing at once (the store then stops waiting for us).
      data_cv_.wait_for(lock, std::chrono::milliseconds(100),
                        [&] { return quit_ || !memory_.empty() || ShouldSpillLocked(); });
      if (memory_.empty() && !quit_ && PeerClosed()) {
        Disconnect(Status::Unavailable("the store closed the connection"));
      }
      continue;
    }
    Pending& front = memory_.front();
    const char* data = front.bytes.data() + front.sent;
    size_t size = std::min(front.bytes.size() - front.sent, kSendSlice);
    Result<size_t> n = size_t{0};
    if (size > 0) {
      lock.unlock();
      n = SendSome(data, size);
      lock.lock();
    }
    Status failure = n.ok() ? Status() : n.status();
    size_t advanced = n.ok() ? *n : 0;
    if (failure.code() == Code::kUnavailable && front.sent != LineStart(front.bytes, front.sent)) {
      // The store half-closed and still reads: finish the line under way, as for the spool.
      size_t end = front.bytes.find('\n', front.sent) + 1;
      lock.unlock();
      if (SendAll(data, end - front.sent)) advanced = end - front.sent;
      lock.lock();
    }
    front.sent += advanced;
    counters_.bytes_written += advanced;
    if (front.sent == front.bytes.size()) {
      delivered_ = static_cast<int64_t>(front.sequence);
      memory_bytes_ -= front.bytes.size();
      memory_.pop_front();
      counters_.buffered_bytes = memory_bytes_;
      if (failure.ok()) backoff_ns_ = kFirstBackoffNs;
      space_cv_.notify_all();
    }
    if (!failure.ok()) {
      // The next connection starts with a whole line.
      if (!memory_.empty()) {
        Pending& first = memory_.front();
        first.sent = LineStart(first.bytes, first.sent);
      }
      Disconnect(failure);
    }
  }
}

void SocketOutput::Disconnect(const Status& why) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  counters_.connected = 0;
  if (!quit_) Report(why);
  next_connect_ = Clock::now() + std::chrono::nanoseconds(backoff_ns_);
  backoff_ns_ = std::min(backoff_ns_ * 2, std::max(options_.max_backoff_ns, kFirstBackoffNs));
}

void SocketOutput::Report(const Status& error) {
  std::string message = fmt::format("{}: {}", options_.address, error.message());
  Clock::time_point now = Clock::now();
  if (message == last_error_ && now - last_error_time_ < kErrorReportInterval) {
    ++suppressed_;
    return;
  }
  if (suppressed_ > 0) {
    cli::Error("{} ({} more times since the last message)", message, suppressed_);
  } else {
    cli::Error("{}", message);
  }
  suppressed_ = 0;
  last_error_ = std::move(message);
  last_error_time_ = now;
}

Result<size_t> SocketOutput::SendSome(const char* data, size_t size) {
  for (;;) {
    if (quit_) return size_t{0};
    pollfd ready{fd_, POLLOUT | POLLRDHUP, 0};
    int rc = ::poll(&ready, 1, static_cast<int>(kPollSlice.count()));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("poll", errno);
    }
    if (rc == 0) continue;
    if (ready.revents & (POLLERR | POLLHUP | POLLRDHUP)) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) return Status::IOError("connection", error);
      // The store half-closed (its stop) or closed: it reads what was sent before, so stop
      // here rather than write what it would not read.
      return Status::Unavailable("the store closed the connection");
    }
    ssize_t sent = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) return static_cast<size_t>(sent);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    return Status::IOError("send", sent < 0 ? errno : EPIPE);
  }
}

bool SocketOutput::SendAll(const char* data, size_t size) {
  Clock::time_point deadline = Clock::now() + kFinishLineTimeout;
  while (size > 0) {
    pollfd ready{fd_, POLLOUT, 0};
    int rc = ::poll(&ready, 1, static_cast<int>(kPollSlice.count()));
    if (rc < 0 && errno != EINTR) return false;
    if (ready.revents & (POLLERR | POLLHUP)) return false;
    if (rc > 0 && (ready.revents & POLLOUT)) {
      ssize_t sent = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (sent > 0) {
        data += sent;
        size -= static_cast<size_t>(sent);
      }
    }
    if (size > 0 && (quit_ || Clock::now() >= deadline)) return false;
  }
  return true;
}

bool SocketOutput::PeerClosed() {
  pollfd ready{fd_, POLLRDHUP, 0};
  if (::poll(&ready, 1, 0) <= 0) return false;
  if (ready.revents & (POLLERR | POLLHUP | POLLRDHUP)) return true;
  if (ready.revents & POLLIN) {
    // The store does not talk; whatever it sent is read and dropped.
    char buffer[512];
    ssize_t got = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    return got == 0;
  }
  return false;
}

Result<int> SocketOutput::ConnectTo(const sockaddr* address, socklen_t length) {
  int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::IOError("socket", errno);
  if (::connect(fd, address, length) != 0 && errno != EINPROGRESS) {
    int saved = errno;
    ::close(fd);
    return Status::IOError("connect", saved);
  }
  Clock::time_point deadline =
      Clock::now() + std::chrono::nanoseconds(std::max<int64_t>(options_.connect_timeout_ns, 0));
  for (;;) {
    pollfd ready{fd, POLLOUT, 0};
    int rc = ::poll(&ready, 1, static_cast<int>(kPollSlice.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc > 0) break;
    if (rc < 0 || quit_ || Clock::now() >= deadline) {
      ::close(fd);
      return rc < 0 ? Status::IOError("connect", errno) : Status::IOError("connect", ETIMEDOUT);
    }
  }
  int error = 0;
  socklen_t size = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
  if (error != 0) {
    ::close(fd);
    return Status::IOError("connect", error);
  }
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  return fd;
}

Result<int> SocketOutput::Connect() {
  if (address_.unix_socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, address_.path.c_str(), address_.path.size() + 1);
    return ConnectTo(reinterpret_cast<const sockaddr*>(&address), sizeof address);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(address_.host.c_str(), address_.port.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::Unavailable(fmt::format("resolve '{}': {}", address_.host, gai_strerror(rc)));
  }
  Result<int> fd = Status::Unavailable("no address");
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = ConnectTo(a->ai_addr, a->ai_addrlen);
    if (fd.ok()) break;
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

Result<SocketAddress> ParseSocketAddress(std::string_view address) {
  SocketAddress parsed;
  if (address.substr(0, 5) == "unix:") {
    parsed.unix_socket = true;
    parsed.path = std::string(address.substr(5));
    if (parsed.path.substr(0, 2) == "//") parsed.path.erase(0, 2);  // unix:///run/x.sock
    if (parsed.path.empty() || parsed.path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return Status::InvalidArgument(
          fmt::format("'{}': a unix socket path of 1 to {} bytes is needed", address,
                      sizeof(sockaddr_un{}.sun_path) - 1));
    }
    return parsed;
  }
  if (address.substr(0, 6) != "tcp://") {
    return Status::InvalidArgument(
        fmt::format("'{}': the output is '-', tcp://HOST:PORT or unix:PATH", address));
  }
  std::string_view rest = address.substr(6);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
    return Status::InvalidArgument(fmt::format("'{}': tcp://HOST:PORT is needed", address));
  }
  std::string_view host = rest.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string_view port = rest.substr(colon + 1);
  unsigned long number = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || (number = number * 10 + static_cast<unsigned>(c - '0')) > 65535) {
      return Status::InvalidArgument(fmt::format("'{}': a port from 1 to 65535 is needed", address));
    }
  }
  if (number == 0) {
    return Status::InvalidArgument(fmt::format("'{}': a port from 1 to 65535 is needed", address));
  }
  parsed.host = std::string(host);
  parsed.port = std::string(port);
  return parsed;
}

Result<std::unique_ptr<Output>> CreateSocketOutput(const OutputOptions& options) {
  LS_ASSIGN_OR_RETURN(SocketAddress address, ParseSocketAddress(options.address));
  std::unique_ptr<Spool> spool;
  if (!options.spool_dir.empty()) {
    LS_ASSIGN_OR_RETURN(spool, Spool::Open(options.spool_dir, options.spool_max_bytes));
  }
  return std::unique_ptr<Output>(
      new SocketOutput(options, std::move(address), std::move(spool)));
}

}  // namespace logstream::logcollect
