// tools/logcollect/listener_source.h -- The sources that receive rather than read: tcp:// and
// unix: (lines, NDJSON or plain), udp:// (datagrams) and syslog:// (RFC 3164/5424 messages
// over UDP and over TCP with RFC 6587 framing, on one port). See docs/collect-listeners.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "tools/logcollect/listen_socket.h"
#include "tools/logcollect/source.h"

namespace re2 { class RE2; }

namespace logstream::logcollect {

// Threads: one accepts stream connections (TCP, unix, syslog over TCP) and starts one reader
// thread per connection, up to spec.max_connections (more are accepted and closed at once);
// one receives datagrams (UDP, syslog over UDP). Stream connections are cut into entries by an
// EntryBuilder each (newline framing, the spec's multiline joining), syslog streams by a
// SyslogFramer; datagrams are one entry each. Chunks in progress are submitted after at most
// kFlushInterval, so a quiet sender's messages are not held back.
//
// Stop() closes the door: no connection is accepted any more, and each reader takes what its
// peer already sent (without waiting for more), submits it and ends. Join() waits for all of
// them, then closes the sockets and removes the unix socket file.
//
// Start, Stop, Join and the accessors may be called from any thread.
class ListenerSource : public Source {
 public:
  // A chunk in progress waits at most this long for more messages.
  static constexpr int64_t kFlushIntervalNs = 50'000'000;
  static constexpr size_t kMaxDatagramBytes = 64 * 1024;
  static constexpr int kReceiveBufferBytes = 4 << 20;

  explicit ListenerSource(SourceSpec spec);
  ~ListenerSource() override;

  Status Start(const SourceContext& context) override;
  void Stop() override;
  void Join() override;
  // A listener ends only when asked to: true once stopped and every reader has handed on
  // what it had.
  bool Finished() const override;
  std::string ListeningAddress() const override;

  // The port bound (the system's choice when the spec asked for port 0); 0 for unix:.
  uint16_t bound_port() const { return bound_port_; }
  // Stream connections open now.
  int open_connections() const { return open_connections_.load(); }
  // Connections refused because max_connections were open.
  uint64_t refused_connections() const { return refused_connections_.load(); }
  // Datagrams the kernel dropped because our receive buffer was full (SO_RXQ_OVFL), plus
  // datagrams longer than kMaxDatagramBytes.
  uint64_t datagrams_dropped() const { return datagrams_dropped_.load(); }

 private:
  friend Result<std::unique_ptr<Source>> CreateListenerSource(const SourceSpec& spec);

  struct Connection {
    SocketFd fd;
    std::string input_name;  // "tcp:10.0.0.1:5000", "unix:/run/app.sock"
    std::string peer_host;   // the default source name: the host, or the socket's name
    std::thread thread;
    std::atomic<bool> done{false};
  };

  Status OpenSockets();
  void AcceptLoop();
  void AcceptPending();
  void ReapConnections(bool all);
  void ReadLines(Connection* connection);
  void ReadSyslogStream(Connection* connection);
  void ReceiveDatagrams();
  bool syslog() const { return spec_.kind == SourceKind::kSyslog; }

  ChunkQueue* queue_ = nullptr;
  std::unique_ptr<re2::RE2> multiline_start_;
  SocketFd stream_fd_;
  SocketFd datagram_fd_;
  uint16_t bound_port_ = 0;
  uint64_t unix_inode_ = 0;
  bool unix_created_ = false;

  std::atomic<bool> stop_{false};
  // Readers draining after Stop() give up waiting for a free chunk only when this is set:
  // by Join() when the collector gave up on the output (its abort flag), and by the
  // destructor, which may not wait.
  std::atomic<bool> abandon_{false};
  const std::atomic<bool>* collector_abort_ = nullptr;
  std::thread accept_thread_;
  std::thread datagram_thread_;
  std::atomic<bool> accept_done_{true};    // false while the accept thread runs
  std::atomic<bool> datagram_done_{true};  // false while the datagram thread runs
  std::mutex connections_mu_;
  std::list<Connection> connections_;
  std::atomic<int> open_connections_{0};
  std::atomic<uint64_t> refused_connections_{0};
  std::atomic<uint64_t> datagrams_dropped_{0};
  int64_t last_refusal_report_ns_ = 0;  // accept thread only
  bool joined_ = false;
};

// Creates the source for a kTcp, kUdp, kUnix or kSyslog spec (sockets are opened by Start()).
Result<std::unique_ptr<Source>> CreateListenerSource(const SourceSpec& spec);

}  // namespace logstream::logcollect
