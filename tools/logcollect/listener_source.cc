// tools/logcollect/listener_source.cc -- See listener_source.h.
#include "tools/logcollect/listener_source.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/core.h>
#include <re2/re2.h>

#include "common/cli.h"
#include "tools/logcollect/chunk_queue.h"
#include "tools/logcollect/entry_builder.h"
#include "tools/logcollect/message_packer.h"
#include "tools/logcollect/syslog_framing.h"

namespace logstream::logcollect {
namespace {

constexpr int kListenBacklog = 128;
constexpr size_t kReadBytes = 64 * 1024;
// How often a waiting thread looks at the stop flag and its flush timer.
constexpr int kPollMs = static_cast<int>(ListenerSource::kFlushIntervalNs / 1'000'000);
// Binding syslog://HOST:0 takes a free TCP port, then the same port for UDP; this many tries
// when another program holds that UDP port.
constexpr int kPortZeroAttempts = 10;
constexpr int64_t kReportIntervalNs = 10'000'000'000;
// What a connection reader still takes after Stop(): what the peer had sent, within reason.
constexpr uint64_t kMaxDrainBytes = 64u << 20;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Waits up to kPollMs for `fd` to become readable; false when the wait ran out.
bool WaitReadable(int fd) {
  pollfd waiting{fd, POLLIN, 0};
  int rc = ::poll(&waiting, 1, kPollMs);
  return rc != 0;
}

std::string_view TrimMessageEnd(std::string_view message) {
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == '\r' || message.back() == '\0')) {
    message.remove_suffix(1);
  }
  return message;
}

}  // namespace

ListenerSource::ListenerSource(SourceSpec spec) : Source(std::move(spec)) {}

ListenerSource::~ListenerSource() {
  stop_ = true;
  abandon_ = true;
  Join();
}

std::string ListenerSource::ListeningAddress() const {
  if (spec_.kind == SourceKind::kUnix) return "unix:" + spec_.path;
  std::string_view scheme = spec_.url;
  scheme = scheme.substr(0, scheme.find("://"));
  if (spec_.host.find(':') != std::string::npos) {
    return fmt::format("{}://[{}]:{}", scheme, spec_.host, bound_port_);
  }
  return fmt::format("{}://{}:{}", scheme, spec_.host, bound_port_);
}

Status ListenerSource::OpenSockets() {
  switch (spec_.kind) {
    case SourceKind::kTcp: {
      LS_ASSIGN_OR_RETURN(stream_fd_, ListenTcp(spec_.host, spec_.port, kListenBacklog));
      bound_port_ = LocalPort(stream_fd_.get());
      return Status();
    }
    case SourceKind::kUdp: {
      LS_ASSIGN_OR_RETURN(datagram_fd_,
                          BindUdp(spec_.host, spec_.port, kReceiveBufferBytes));
      bound_port_ = LocalPort(datagram_fd_.get());
      return Status();
    }
    case SourceKind::kUnix: {
      LS_ASSIGN_OR_RETURN(stream_fd_, ListenUnix(spec_.path, kListenBacklog, &unix_inode_));
      unix_created_ = true;
      return Status();
    }
    case SourceKind::kSyslog:
      break;
    default:
      return Status::Internal(fmt::format("'{}' is not a listener", spec_.url));
  }
  if (!spec_.syslog_tcp) {
    LS_ASSIGN_OR_RETURN(datagram_fd_, BindUdp(spec_.host, spec_.port, kReceiveBufferBytes));
    bound_port_ = LocalPort(datagram_fd_.get());
    return Status();
  }
  Status last;
  for (int attempt = 0; attempt < kPortZeroAttempts; ++attempt) {
    LS_ASSIGN_OR_RETURN(stream_fd_, ListenTcp(spec_.host, spec_.port, kListenBacklog));
    bound_port_ = LocalPort(stream_fd_.get());
    if (!spec_.syslog_udp) return Status();
    Result<SocketFd> udp = BindUdp(spec_.host, bound_port_, kReceiveBufferBytes);
    if (udp.ok()) {
      datagram_fd_ = std::move(udp).value();
      return Status();
    }
    last = udp.status();
    stream_fd_.reset();
    // A port the user chose is not ours to change; a port the system chose is.
    if (spec_.port != 0) break;
  }
  return last;
}

Status ListenerSource::Start(const SourceContext& context) {
  queue_ = context.queue;
  collector_abort_ = context.abort;
  LS_RETURN_IF_ERROR(OpenSockets());
  if (stream_fd_.valid()) {
    accept_done_ = false;
    accept_thread_ = std::thread([this] {
      AcceptLoop();
      accept_done_ = true;
    });
  }
  if (datagram_fd_.valid()) {
    datagram_done_ = false;
    datagram_thread_ = std::thread([this] {
      ReceiveDatagrams();
      datagram_done_ = true;
    });
  }
  return Status();
}

void ListenerSource::Stop() { stop_ = true; }

bool ListenerSource::Finished() const {
  // Once the accept thread is done no connection starts, so the count only falls.
  return stop_ && accept_done_ && datagram_done_ && open_connections_ == 0;
}

void ListenerSource::Join() {
  if (joined_) return;
  if (collector_abort_ != nullptr && collector_abort_->load()) abandon_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  if (datagram_thread_.joinable()) datagram_thread_.join();
  ReapConnections(/*all=*/true);
  stream_fd_.reset();
  datagram_fd_.reset();
  if (unix_created_) RemoveUnixSocket(spec_.path, unix_inode_);
  if (datagrams_dropped_ > 0) {
    cli::Error("{}: {} datagrams dropped (receive buffer full or over {} bytes)",
               ListeningAddress(), datagrams_dropped_.load(), kMaxDatagramBytes);
  }
  joined_ = true;
}

void ListenerSource::AcceptLoop() {
  while (!stop_) {
    WaitReadable(stream_fd_.get());
    AcceptPending();
    ReapConnections(/*all=*/false);
  }
  // Peers that connected before the stop may already have sent their messages: read them.
  AcceptPending();
  // New connections are refused from here on.
  stream_fd_.reset();
}

void ListenerSource::AcceptPending() {
  while (true) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int fd = ::accept4(stream_fd_.get(), reinterpret_cast<sockaddr*>(&address), &length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // Out of descriptors: the connection waits in the backlog; report, back off.
        int64_t now = NowNs();
        if (now - last_refusal_report_ns_ >= kReportIntervalNs) {
          last_refusal_report_ns_ = now;
          cli::Error("{}: accept: {}", ListeningAddress(), std::strerror(errno));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
      }
      return;
    }
    SocketFd socket(fd);
    // A unix peer has no host: its records are named after the socket, as a file's are.
    std::string peer = spec_.kind == SourceKind::kUnix ? SourceNameForPath(spec_.path)
                                                       : PeerHost(address);
    std::string input_name = spec_.kind == SourceKind::kUnix
                                 ? "unix:" + spec_.path
                                 : "tcp:" + PeerHostPort(address);
    if (open_connections_.load() >= static_cast<int>(spec_.max_connections)) {
      ++refused_connections_;
      int64_t now = NowNs();
      if (now - last_refusal_report_ns_ >= kReportIntervalNs) {
        last_refusal_report_ns_ = now;
        cli::Error("{}: refusing {}: max_connections ({}) reached", ListeningAddress(),
                   input_name, spec_.max_connections);
      }
      continue;  // closing `socket` tells the peer
    }
    ++counters_.connections;
    ++open_connections_;
    std::lock_guard<std::mutex> lock(connections_mu_);
    Connection& connection = connections_.emplace_back();
    connection.fd = std::move(socket);
    connection.input_name = std::move(input_name);
    connection.peer_host = std::move(peer);
    connection.thread = std::thread([this, &connection] {
      if (syslog()) {
        ReadSyslogStream(&connection);
      } else {
        ReadLines(&connection);
      }
      connection.fd.reset();  // the peer learns at once that nobody reads any more
      --open_connections_;
      connection.done = true;
    });
  }
}

void ListenerSource::ReapConnections(bool all) {
  std::lock_guard<std::mutex> lock(connections_mu_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (all || it->done) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

namespace {

// Both stream readers share this shape: wait for bytes (or the flush timer), read everything
// the socket holds, hand it to `take`, and flush when idle; after Stop() or at the end of the
// stream, take what is left without waiting and finish.
template <typename Take, typename Flush, typename Finish>
void ReadStream(int fd, const std::atomic<bool>& stop, SourceCounters& counters, Take take,
                Flush flush, Finish finish) {
  std::unique_ptr<char[]> buffer(new char[kReadBytes]);
  int64_t last_flush = NowNs();
  while (true) {
    bool stopping = stop.load();
    bool idle = !stopping && !WaitReadable(fd);
    bool ended = false;
    uint64_t drained = 0;
    while (!ended) {
      ssize_t n = ::read(fd, buffer.get(), kReadBytes);
      if (n > 0) {
        counters.bytes += static_cast<uint64_t>(n);
        counters.last_read_ns = WallNs();
        if (!take(std::string_view(buffer.get(), static_cast<size_t>(n)))) return;
        // After Stop(), a peer that never pauses must not keep us from exiting.
        drained += static_cast<uint64_t>(n);
        if (stopping && drained >= kMaxDrainBytes) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // EAGAIN: all read for now; 0: the peer closed; an error (a reset): nothing more comes.
      ended = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
    if (ended || stopping) {
      finish();
      return;
    }
    int64_t now = NowNs();
    if (idle || now - last_flush >= ListenerSource::kFlushIntervalNs) {
      flush(now);
      last_flush = now;
    }
  }
}

}  // namespace

void ListenerSource::ReadLines(Connection* connection) {
  EntryBuilder builder(this, queue_, connection->input_name, spec_.multiline,
                       multiline_start_.get(), spec_.max_line_bytes);
  builder.set_peer_host(connection->peer_host);
  ReadStream(
      connection->fd.get(), stop_, counters_,
      [&](std::string_view bytes) { return builder.Feed(bytes, abandon_); },
      [&](int64_t now) { builder.Flush(now, abandon_); },
      [&] { builder.Finish(abandon_); });
}

void ListenerSource::ReadSyslogStream(Connection* connection) {
  SyslogFramer framer(spec_.max_line_bytes);
  MessagePacker packer(this, queue_, "frame too long");
  if (!packer.SetInput(connection->input_name, connection->peer_host, abandon_)) return;
  auto take = [&](std::string_view bytes) {
    framer.Feed(bytes);
    std::string_view frame;
    while (true) {
      switch (framer.Next(&frame)) {
        case SyslogFramer::Event::kNeedMore:
          return true;
        case SyslogFramer::Event::kFrame:
          if (!packer.Add(frame, abandon_)) return false;
          break;
        case SyslogFramer::Event::kTooLong:
          packer.Skip();
          break;
      }
    }
  };
  ReadStream(
      connection->fd.get(), stop_, counters_, take,
      [&](int64_t) { packer.Flush(abandon_); },
      [&] {
        std::string_view rest;
        if (framer.Finish(&rest) && !packer.Add(rest, abandon_)) return;
        packer.Flush(abandon_);
      });
}

void ListenerSource::ReceiveDatagrams() {
  const int fd = datagram_fd_.get();
  MessagePacker packer(this, queue_, "datagram too long");
  // One byte more than the largest datagram we take, so that a longer one shows MSG_TRUNC.
  std::unique_ptr<char[]> buffer(new char[kMaxDatagramBytes + 1]);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))];
  uint32_t kernel_drops_seen = 0;  // SO_RXQ_OVFL reports the socket's running total
  std::string peer_host, input_name;
  int64_t last_flush = NowNs();

  auto take = [&](std::string_view datagram) {
    if (syslog()) {
      // RFC 5426: one message per datagram, which may hold newlines.
      datagram = TrimMessageEnd(datagram);
      return datagram.empty() || packer.Add(datagram, abandon_);
    }
    if (!datagram.empty() && datagram.back() == '\n') datagram.remove_suffix(1);
    while (!datagram.empty()) {
      size_t newline = datagram.find('\n');
      std::string_view line = datagram.substr(0, newline);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && !packer.Add(line, abandon_)) return false;
      if (newline == std::string_view::npos) break;
      datagram.remove_prefix(newline + 1);
    }
    return true;
  };

  while (true) {
    bool stopping = stop_.load();
    bool idle = !stopping && !WaitReadable(fd);
    while (true) {
      sockaddr_storage address{};
      iovec io{buffer.get(), kMaxDatagramBytes + 1};
      msghdr message{};
      message.msg_name = &address;
      message.msg_namelen = sizeof address;
      message.msg_iov = &io;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = sizeof control;
      ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // EAGAIN: all received for now
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t total;
          std::memcpy(&total, CMSG_DATA(c), sizeof total);
          datagrams_dropped_ += total - kernel_drops_seen;
          kernel_drops_seen = total;
        }
      }
      std::string host = PeerHost(address);
      if (host != peer_host) {
        peer_host = std::move(host);
        input_name = "udp:" + peer_host;
      }
      if (!packer.SetInput(input_name, peer_host, abandon_)) return;
      counters_.bytes += static_cast<uint64_t>(n);
      counters_.last_read_ns = WallNs();
      if (message.msg_flags & MSG_TRUNC) {
        ++datagrams_dropped_;
        packer.Skip();
        continue;
      }
      if (!take(std::string_view(buffer.get(), static_cast<size_t>(n)))) return;
      // A steady stream must not hold a chunk back past the flush interval either.
      if (NowNs() - last_flush >= kFlushIntervalNs) break;
    }
    int64_t now = NowNs();
    if (stopping) {
      packer.Flush(abandon_);
      return;
    }
    if (idle || now - last_flush >= kFlushIntervalNs) {
      packer.Flush(abandon_);
      last_flush = now;
    }
  }
}

Result<std::unique_ptr<Source>> CreateListenerSource(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceKind::kTcp:
    case SourceKind::kUdp:
    case SourceKind::kUnix:
    case SourceKind::kSyslog:
      break;
    default:
      return Status::InvalidArgument(fmt::format("'{}' is not a listener source", spec.url));
  }
  if (spec.max_connections == 0) {
    return Status::InvalidArgument(fmt::format("'{}': max_connections must be at least 1",
                                               spec.url));
  }
  auto source = std::make_unique<ListenerSource>(spec);
  if (spec.multiline.mode == MultilineMode::kStart) {
    auto pattern = std::make_unique<re2::RE2>(spec.multiline.pattern, re2::RE2::Quiet);
    if (!pattern->ok()) {
      return Status::InvalidArgument(
          fmt::format("'{}': multiline pattern: {}", spec.url, pattern->error()));
    }
    source->multiline_start_ = std::move(pattern);
  }
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace logstream::logcollect
