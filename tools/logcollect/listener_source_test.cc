// tools/logcollect/listener_source_test.cc -- Listener sources against a real chunk queue and
// real sockets on 127.0.0.1: what reaches the chunks (entries, peer, input name, skipped
// frames), port 0, errors at Start(), the connection limit, and stopping with a client
// connected. The binary is exercised end to end by tests/e2e/logcollect_listeners.sh.
#include "tools/logcollect/listener_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/temp_dir.h"
#include "tools/logcollect/chunk_queue.h"

namespace logstream::logcollect {
namespace {

using namespace std::chrono_literals;

// What the listener handed to the queue, entry by entry.
struct Received {
  std::vector<std::string> entries;
  std::vector<std::string> input_names;  // one per entry
  std::vector<std::string> peers;        // one per entry
  std::vector<uint64_t> skipped;
  std::vector<std::string> skipped_reasons;  // one per skipped line
};

void TakeChunks(ChunkQueue* queue, Received* received) {
  while (std::unique_ptr<Chunk> chunk = queue->TakeForParsing(0ms)) {
    for (uint64_t line : chunk->skipped_lines) {
      received->skipped.push_back(line);
      received->skipped_reasons.push_back(chunk->skipped_reason);
    }
    std::vector<std::string> entries;
    if (chunk->entries.empty()) {
      std::string_view text = chunk->text();
      while (!text.empty()) {
        size_t newline = text.find('\n');
        entries.emplace_back(text.substr(0, newline));
        text.remove_prefix(newline + 1);
      }
    } else {
      for (const EntrySpan& span : chunk->entries) {
        entries.emplace_back(chunk->text().substr(span.offset, span.size));
      }
    }
    for (std::string& entry : entries) {
      received->entries.push_back(std::move(entry));
      received->input_names.push_back(chunk->input_name);
      received->peers.push_back(chunk->peer_host);
    }
    queue->Release(std::move(chunk));
  }
}

// Collects until `count` entries came (or 5 s passed).
Received WaitFor(ChunkQueue* queue, size_t count) {
  Received received;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (received.entries.size() < count && std::chrono::steady_clock::now() < deadline) {
    TakeChunks(queue, &received);
    std::this_thread::sleep_for(5ms);
  }
  return received;
}

struct Listener {
  explicit Listener(const std::string& url, uint32_t max_connections = 64,
                    size_t max_chunks = 64, size_t chunk_bytes = 1 << 16)
      : queue(max_chunks, chunk_bytes) {
    Result<SourceSpec> spec = ParseSourceUrl(url);
    REQUIRE(spec.ok());
    spec->max_connections = max_connections;
    spec->max_line_bytes = 64;
    Result<std::unique_ptr<Source>> created = CreateListenerSource(*spec);
    REQUIRE(created.ok());
    source.reset(static_cast<ListenerSource*>(created->release()));
    context.queue = &queue;
  }
  Status Start() { return source->Start(context); }
  ~Listener() {
    source->Stop();
    source->Join();
  }

  ChunkQueue queue;
  SourceContext context;
  std::unique_ptr<ListenerSource> source;
};

int ConnectTcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return fd;
}

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void SendDatagram(uint16_t port, std::string_view bytes) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&address),
                   sizeof address) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

TEST_CASE("ListenerSource: tcp lines with the peer as host, the last line at close",
          "[collect_listeners]") {
  Listener listener("tcp://127.0.0.1:0");
  REQUIRE(listener.Start().ok());
  uint16_t port = listener.source->bound_port();
  REQUIRE(port != 0);
  CHECK(listener.source->ListeningAddress() == "tcp://127.0.0.1:" + std::to_string(port));
  int fd = ConnectTcp(port);
  SendAll(fd, "first\r\nsec");
  SendAll(fd, "ond\nno newline");
  ::close(fd);
  Received got = WaitFor(&listener.queue, 3);
  CHECK(got.entries == std::vector<std::string>{"first", "second", "no newline"});
  REQUIRE(!got.peers.empty());
  CHECK(got.peers[0] == "127.0.0.1");
  CHECK(got.input_names[0].rfind("tcp:127.0.0.1:", 0) == 0);
  CHECK(listener.source->counters().connections == 1);
  CHECK(listener.source->counters().bytes == 24);
}

TEST_CASE("ListenerSource: a port in use fails Start as Unavailable", "[collect_listeners]") {
  Listener first("tcp://127.0.0.1:0");
  REQUIRE(first.Start().ok());
  std::string port = std::to_string(first.source->bound_port());
  for (std::string url : {"tcp://127.0.0.1:" + port, "syslog://127.0.0.1:" + port}) {
    INFO(url);
    Listener second(url);
    Status status = second.Start();
    CHECK(status.code() == Code::kUnavailable);
    CHECK(std::string(status.message()).find("Address already in use") != std::string::npos);
  }
}

TEST_CASE("ListenerSource: udp, one entry per line; syslog udp, one per datagram",
          "[collect_listeners]") {
  Listener udp("udp://127.0.0.1:0");
  REQUIRE(udp.Start().ok());
  CHECK(udp.source->ListeningAddress() ==
        "udp://127.0.0.1:" + std::to_string(udp.source->bound_port()));
  SendDatagram(udp.source->bound_port(), "one\n");
  SendDatagram(udp.source->bound_port(), "a\r\nb\n\nc");
  Received got = WaitFor(&udp.queue, 4);
  CHECK(got.entries == std::vector<std::string>{"one", "a", "b", "c"});
  CHECK(got.input_names[0] == "udp:127.0.0.1");

  Listener syslog("syslog+udp://127.0.0.1:0");
  REQUIRE(syslog.Start().ok());
  SendDatagram(syslog.source->bound_port(), std::string("<13>two\nlines\n\0", 15));
  got = WaitFor(&syslog.queue, 1);
  CHECK(got.entries == std::vector<std::string>{"<13>two\nlines"});
}

TEST_CASE("ListenerSource: syslog over TCP and UDP on one port; an oversize frame is skipped",
          "[collect_listeners]") {
  Listener listener("syslog://127.0.0.1:0");
  REQUIRE(listener.Start().ok());
  uint16_t port = listener.source->bound_port();
  int fd = ConnectTcp(port);
  std::string big(100, 'x');
  SendAll(fd, "100 " + big + "7 <13>one<13>two\n");
  SendDatagram(port, "<13>three");
  Received got = WaitFor(&listener.queue, 3);
  ::close(fd);
  std::sort(got.entries.begin(), got.entries.end());
  CHECK(got.entries == std::vector<std::string>{"<13>one", "<13>three", "<13>two"});
  CHECK(got.skipped == std::vector<uint64_t>{1});
  CHECK(got.skipped_reasons == std::vector<std::string>{"frame too long"});
}

TEST_CASE("ListenerSource: connections beyond max_connections are refused",
          "[collect_listeners]") {
  Listener listener("tcp://127.0.0.1:0", /*max_connections=*/1);
  REQUIRE(listener.Start().ok());
  uint16_t port = listener.source->bound_port();
  int first = ConnectTcp(port);
  SendAll(first, "kept\n");
  REQUIRE(WaitFor(&listener.queue, 1).entries == std::vector<std::string>{"kept"});
  int second = ConnectTcp(port);
  char byte;
  CHECK(::recv(second, &byte, 1, 0) <= 0);  // closed without a word
  CHECK(listener.source->refused_connections() == 1);
  CHECK(listener.source->open_connections() == 1);
  ::close(second);
  ::close(first);
}

TEST_CASE("ListenerSource: Stop with a client connected takes what it sent, then finishes",
          "[collect_listeners]") {
  Listener listener("tcp://127.0.0.1:0");
  REQUIRE(listener.Start().ok());
  int fd = ConnectTcp(listener.source->bound_port());
  SendAll(fd, "sent before the stop\nhalf a li");
  // Make sure the connection was accepted before stopping.
  while (listener.source->open_connections() == 0) std::this_thread::sleep_for(1ms);
  listener.source->Stop();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!listener.source->Finished() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(listener.source->Finished());
  listener.source->Join();
  Received got = WaitFor(&listener.queue, 2);
  CHECK(got.entries == std::vector<std::string>{"sent before the stop", "half a li"});
  ::close(fd);
}

TEST_CASE("ListenerSource: Stop while the pipeline is full still takes what the peer sent",
          "[collect_listeners]") {
  // Two chunks of 1 KiB and nobody taking them: the reader gets stuck inside its first 64 KiB
  // read, and the rest of what the client sent waits in the socket when Stop() comes.
  Listener listener("tcp://127.0.0.1:0", 64, /*max_chunks=*/2, /*chunk_bytes=*/1024);
  REQUIRE(listener.Start().ok());
  std::string sent;
  for (int i = 0; i < 4000; ++i) {
    sent += "line " + std::to_string(i) + " of the backlog, padded\n";
  }
  REQUIRE(sent.size() > 100 * 1024);
  int fd = ConnectTcp(listener.source->bound_port());
  SendAll(fd, sent);
  std::this_thread::sleep_for(200ms);
  listener.source->Stop();
  Received got;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!listener.source->Finished() && std::chrono::steady_clock::now() < deadline) {
    TakeChunks(&listener.queue, &got);
    std::this_thread::sleep_for(1ms);
  }
  listener.source->Join();
  TakeChunks(&listener.queue, &got);
  REQUIRE(got.entries.size() == 4000);
  CHECK(got.entries.front() == "line 0 of the backlog, padded");
  CHECK(got.entries.back() == "line 3999 of the backlog, padded");
  ::close(fd);
}

TEST_CASE("ListenerSource: unix socket: stale file replaced, live one refused, removed at end",
          "[collect_listeners]") {
  testing::TempDir dir;
  std::string path = dir / "in.sock";
  {  // A socket file nobody listens on any more.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
  }
  {
    Listener listener("unix:" + path);
    REQUIRE(listener.Start().ok());
    CHECK(listener.source->ListeningAddress() == "unix:" + path);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    SendAll(fd, "over unix\n");
    ::close(fd);
    Received got = WaitFor(&listener.queue, 1);
    CHECK(got.entries == std::vector<std::string>{"over unix"});
    CHECK(got.peers == std::vector<std::string>{"in"});
    CHECK(got.input_names == std::vector<std::string>{"unix:" + path});
    Listener second("unix:" + path);
    Status status = second.Start();
    CHECK(status.code() == Code::kUnavailable);
    CHECK(std::string(status.message()).find("another process listens there") !=
          std::string::npos);
  }
  struct stat st;
  CHECK(::lstat(path.c_str(), &st) != 0);
}

}  // namespace
}  // namespace logstream::logcollect
