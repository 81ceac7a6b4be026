// tools/logcollect/listen_socket.cc -- See listen_socket.h.
#include "tools/logcollect/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace logstream::logcollect {
namespace {

Status SocketError(std::string_view what, std::string_view step, int errnum) {
  return Status::Unavailable(fmt::format("{}: {}: {}", what, step, std::strerror(errnum)));
}

std::string Endpoint(std::string_view scheme, const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return fmt::format("{} [{}]:{}", scheme, host, port);
  return fmt::format("{} {}:{}", scheme, host, port);
}

// Resolves `host` and binds the first address that works; `listen_backlog` < 0: no listen().
Result<SocketFd> BindInet(int type, const std::string& host, uint16_t port,
                          int listen_backlog) {
  const std::string what = Endpoint(type == SOCK_STREAM ? "tcp" : "udp", host, port);
  if (host.empty()) {
    return Status::InvalidArgument(fmt::format("{}: no address to listen on", what));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::Unavailable(fmt::format("{}: cannot resolve '{}': {}", what, host,
                                           ::gai_strerror(rc)));
  }
  Status last = Status::Unavailable(fmt::format("{}: no usable address", what));
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    SocketFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         ai->ai_protocol));
    if (!fd.valid()) {
      last = SocketError(what, "socket", errno);
      continue;
    }
    int on = 1;
    // TIME_WAIT connections of a previous run must not block a restart on the same port.
    if (type == SOCK_STREAM) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ai->ai_family == AF_INET6) {
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      last = SocketError(what, "bind", errno);
      continue;
    }
    if (listen_backlog >= 0 && ::listen(fd.get(), listen_backlog) != 0) {
      last = SocketError(what, "listen", errno);
      continue;
    }
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  return last;
}

}  // namespace

SocketFd& SocketFd::operator=(SocketFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

void SocketFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<SocketFd> ListenTcp(const std::string& host, uint16_t port, int backlog) {
  return BindInet(SOCK_STREAM, host, port, backlog);
}

Result<SocketFd> BindUdp(const std::string& host, uint16_t port, int receive_buffer_bytes) {
  Result<SocketFd> fd = BindInet(SOCK_DGRAM, host, port, -1);
  if (!fd.ok()) return fd;
  // Bursts arrive faster than one reader drains them; the default buffer (~200 KiB) drops.
  // SO_RCVBUFFORCE passes the rmem_max cap when we have CAP_NET_ADMIN; otherwise the plain
  // option gets as much as the cap allows.
  int size = receive_buffer_bytes;
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  int on = 1;
  ::setsockopt(fd->get(), SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  return fd;
}

Result<SocketFd> ListenUnix(const std::string& path, int backlog, uint64_t* inode) {
  const std::string what = "unix " + path;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return Status::InvalidArgument(fmt::format("{}: the path must have 1 to {} bytes", what,
                                               sizeof address.sun_path - 1));
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  SocketFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return SocketError(what, "socket", errno);

  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status::Unavailable(fmt::format("{}: exists and is not a socket", what));
    }
    SocketFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe.valid()) return SocketError(what, "socket", errno);
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
        0) {
      return Status::Unavailable(fmt::format("{}: bind: another process listens there", what));
    }
    if (errno != ECONNREFUSED) return SocketError(what, "connect to the existing socket", errno);
    // Nobody accepts: a socket file left behind by a process that is gone.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return SocketError(what, "remove the stale socket", errno);
    }
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return SocketError(what, "bind", errno);
  }
  if (::listen(fd.get(), backlog) != 0) {
    int errnum = errno;
    ::unlink(path.c_str());
    return SocketError(what, "listen", errnum);
  }
  *inode = ::lstat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
  return fd;
}

void RemoveUnixSocket(const std::string& path, uint64_t inode) {
  struct stat st;
  // Another logcollect may have replaced our file after we stopped listening: leave it.
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
      static_cast<uint64_t>(st.st_ino) == inode) {
    ::unlink(path.c_str());
  }
}

uint16_t LocalPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return 0;
}

std::string PeerHost(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
                sizeof text);
  } else if (address.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
                sizeof text);
  }
  return text;
}

std::string PeerHostPort(const sockaddr_storage& address) {
  uint16_t port = 0;
  if (address.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  } else if (address.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    return fmt::format("[{}]:{}", PeerHost(address), port);
  }
  return fmt::format("{}:{}", PeerHost(address), port);
}

}  // namespace logstream::logcollect
