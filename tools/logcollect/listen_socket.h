// tools/logcollect/listen_socket.h -- Opening the sockets logcollect's listeners receive on
// (TCP, UDP, unix stream) and naming peers. Failures are Unavailable statuses ("tcp 127.0.0.1:
// 5140: bind: Address already in use"), which logcollect turns into exit status 69.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace logstream::logcollect {

// A socket descriptor closed when the object dies. Movable, not copyable.
class SocketFd {
 public:
  SocketFd() = default;
  explicit SocketFd(int fd) : fd_(fd) {}
  SocketFd(SocketFd&& other) noexcept : fd_(other.release()) {}
  SocketFd& operator=(SocketFd&& other) noexcept;
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  ~SocketFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

// A listening TCP socket on `host` (a name or a numeric address; no default) and `port`
// (0: the system picks one, see LocalPort). Non-blocking, close-on-exec, SO_REUSEADDR.
Result<SocketFd> ListenTcp(const std::string& host, uint16_t port, int backlog);

// A bound UDP socket, non-blocking, with its receive buffer raised towards
// `receive_buffer_bytes` (the kernel caps it at net.core.rmem_max unless we may force it) and
// the kernel's drop counter enabled (SO_RXQ_OVFL).
Result<SocketFd> BindUdp(const std::string& host, uint16_t port, int receive_buffer_bytes);

// A listening unix stream socket at `path`. A socket file already there is replaced only when
// nothing accepts connections on it (left by a process that died); a live one, or a file that
// is not a socket, is an error. Returns the new file's inode so that only our own file is
// removed later (RemoveUnixSocket).
Result<SocketFd> ListenUnix(const std::string& path, int backlog, uint64_t* inode);
// Removes the socket file at `path` if it is still the one ListenUnix made.
void RemoveUnixSocket(const std::string& path, uint64_t inode);

// The local port a socket is bound to (after binding port 0).
uint16_t LocalPort(int fd);

// "10.0.0.1" / "::1" for an IP peer, "" for other families.
std::string PeerHost(const sockaddr_storage& address);
// "10.0.0.1:5000" / "[::1]:5000".
std::string PeerHostPort(const sockaddr_storage& address);

}  // namespace logstream::logcollect
