// tools/logstore/inputs.cc -- See inputs.h.
#include "tools/logstore/inputs.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/core.h>

#include "common/cli.h"

namespace logstream::logstore {
namespace {

std::string PeerName(const sockaddr_storage& peer) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (peer.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return fmt::format("tcp:{}:{}", host, ntohs(in->sin_port));
  }
  if (peer.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return fmt::format("tcp:[{}]:{}", host, ntohs(in6->sin6_port));
  }
  return "unix";
}

Result<int> ListenTcp(std::string_view host_port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == host_port.size()) {
    return Status::InvalidArgument(fmt::format("'tcp://{}': expected tcp://HOST:PORT", host_port));
  }
  std::string host(host_port.substr(0, colon));
  std::string port(host_port.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::InvalidArgument(
        fmt::format("'tcp://{}': {}", host_port, ::gai_strerror(rc)));
  }
  int fd = -1;
  int err = 0;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      err = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return Status::IOError(fmt::format("listen on 'tcp://{}'", host_port), err);
  return fd;
}

Result<int> ListenUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return Status::InvalidArgument(fmt::format("'unix:{}': path empty or too long", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError("socket", errno);
  // A socket file left by an earlier run would make bind fail; anything else stays.
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 128) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError(fmt::format("listen on 'unix:{}'", path), err);
  }
  return fd;
}

}  // namespace

Inputs::Inputs(const InputOptions& options, RejectSink* rejects)
    : options_(options), rejects_(rejects) {}

Inputs::~Inputs() { RemoveSocketFiles(); }

void Inputs::RemoveSocketFiles() {
  for (const std::string& path : unix_paths_) ::unlink(path.c_str());
  unix_paths_.clear();
}

void Inputs::StartStdin() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++active_readers_;
  }
  // Detached: a reader blocked in read(2) must not keep a stopping process alive.
  std::thread([this] { ReadLoop(0, "standard input", false); }).detach();
}

Status Inputs::Listen(const std::string& address) {
  Result<int> fd = Status::InvalidArgument(
      fmt::format("'{}': expected tcp://HOST:PORT or unix:PATH", address));
  if (address.rfind("tcp://", 0) == 0) {
    fd = ListenTcp(std::string_view(address).substr(6));
  } else if (address.rfind("unix:", 0) == 0) {
    std::string path = address.substr(address.rfind("unix://", 0) == 0 ? 7 : 5);
    fd = ListenUnix(path);
    if (fd.ok()) unix_paths_.push_back(path);
  }
  if (!fd.ok()) return fd.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++listeners_;
    listen_fds_.push_back(*fd);
  }
  std::thread([this, listen_fd = *fd, address] { AcceptLoop(listen_fd, address); }).detach();
  return Status();
}

void Inputs::AcceptLoop(int listen_fd, std::string address) {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
        if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      int saved = errno;
      std::lock_guard<std::mutex> lock(mu_);
      // Stop() shut the listener down: not an error.
      if (status_.ok() && !stopping_) {
        status_ = Status::IOError(fmt::format("accept on '{}'", address), saved);
      }
      listen_fds_.erase(std::remove(listen_fds_.begin(), listen_fds_.end(), listen_fd),
                        listen_fds_.end());
      ::close(listen_fd);
      --listeners_;
      ready_cv_.notify_all();
      return;
    }
    if (connections_.load() >= options_.max_connections) {
      cli::Error("{}: refused a connection from {}: {} producers already connected", address,
                 PeerName(peer), options_.max_connections);
      ::close(fd);
      continue;
    }
    ++connections_;
    ++accepted_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++active_readers_;
      connection_fds_.insert(fd);
      if (stopping_) ::shutdown(fd, SHUT_WR);
    }
    std::string name = peer.ss_family == AF_UNIX ? address : PeerName(peer);
    std::thread([this, fd, name] {
      ReadLoop(fd, name, true);
      --connections_;
    }).detach();
  }
}

std::unique_ptr<InputBatch> Inputs::TakeFree() {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return std::make_unique<InputBatch>();
  std::unique_ptr<InputBatch> batch = std::move(free_.back());
  free_.pop_back();
  return batch;
}

void Inputs::Push(std::unique_ptr<InputBatch> batch) {
  std::unique_lock<std::mutex> lock(mu_);
  space_cv_.wait(lock, [this] { return ready_.size() < options_.queue_batches; });
  ready_.push_back(std::move(batch));
  ready_cv_.notify_one();
}

void Inputs::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  // New connections would only be cut when we exit: refuse them (accept4 fails, its loop ends).
  for (int fd : listen_fds_) ::shutdown(fd, SHUT_RDWR);
  // A half-close is how a producer learns of the stop while its last bytes can still be read:
  // logcollect stops writing and closes, and its reader below sees the end.
  for (int fd : connection_fds_) ::shutdown(fd, SHUT_WR);
}

bool Inputs::Drained(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lock(mu_);
  // Readers end once their input has nothing more ready; one still blocked after `grace`
  // waits for the rest of a line from a producer that has gone quiet.
  ready_cv_.wait_for(lock, grace, [this] { return !ready_.empty() || active_readers_ == 0; });
  return ready_.empty() && active_readers_ == 0;
}

void Inputs::ReadLoop(int fd, std::string name, bool owns_fd) {
  LineReaderOptions reader_options;
  reader_options.max_line_bytes = options_.max_line_bytes;
  reader_options.batch_bytes = std::max(options_.batch_bytes, options_.max_line_bytes + 1);
  LineReader reader(fd, name, reader_options);
  uint64_t next_line = 1;
  // Over-long lines are skipped by the reader and reported before the lines that follow them.
  auto report_skipped = [&](const LineBatch& lines) {
    for (uint64_t skipped : lines.skipped_before) {
      rejects_->Reject(name, next_line++, {},
                       fmt::format("line too long: {} bytes (limit {})", skipped,
                                   options_.max_line_bytes));
    }
  };
  for (;;) {
    std::unique_ptr<InputBatch> batch = TakeFree();
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stopping_;
    }
    // After a stop, what the producer already wrote is still read and stored (it would be
    // lost with the pipe or socket when we exit), but nothing is waited for.
    // A socket's producer was told by the half-close and gets 100 ms of quiet to finish.
    if (stopping) {
      struct pollfd ready{fd, POLLIN, 0};
      int quiet_ms = owns_fd ? 100 : 0;
      if (::poll(&ready, 1, quiet_ms) <= 0 || (ready.revents & (POLLIN | POLLHUP)) == 0) break;
    }
    if (!reader.Next(&batch->lines)) {
      report_skipped(batch->lines);  // those just before the end come with an empty batch
      Recycle(std::move(batch));
      break;
    }
    report_skipped(batch->lines);
    batch->input_name = name;
    batch->first_line = next_line;
    const char* data = batch->lines.data();
    const char* end = data + batch->lines.size;
    for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', end - p)));
         ++p) {
      ++next_line;
    }
    Push(std::move(batch));
  }
  if (owns_fd) {
    std::lock_guard<std::mutex> lock(mu_);
    connection_fds_.erase(fd);
    ::close(fd);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!reader.status().ok() && status_.ok()) status_ = reader.status();
  --active_readers_;
  ready_cv_.notify_all();
}

std::unique_ptr<InputBatch> Inputs::Next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  ready_cv_.wait_for(lock, timeout, [this] {
    return !ready_.empty() || (active_readers_ == 0 && listeners_ == 0);
  });
  if (ready_.empty()) return nullptr;
  std::unique_ptr<InputBatch> batch = std::move(ready_.front());
  ready_.pop_front();
  space_cv_.notify_one();
  return batch;
}

void Inputs::Recycle(std::unique_ptr<InputBatch> batch) {
  std::lock_guard<std::mutex> lock(mu_);
  // Keep a few for reuse; the rest (bursts of many connections) are freed.
  if (free_.size() < options_.queue_batches + 2) free_.push_back(std::move(batch));
}

bool Inputs::finished() {
  std::lock_guard<std::mutex> lock(mu_);
  return ready_.empty() && active_readers_ == 0 && listeners_ == 0;
}

Status Inputs::status() {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace logstream::logstore
