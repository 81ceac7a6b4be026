// tools/logcollect/socket_output_test.cc -- Tests of the socket output against a listener made
// here: lines arrive whole and in order across a half-close by the store, chunks count as
// delivered once sent, and with a spool, chunks written while nobody listens are spooled
// (delivered) and sent once a listener appears, also by the next run.
#include "tools/logcollect/socket_output.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/temp_dir.h"

namespace logstream::logcollect {
namespace {

// A TCP listener on 127.0.0.1, on `port` or (0) a port the kernel chooses.
class Listener {
 public:
  explicit Listener(uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  // Accepts one connection (waits up to 10 s).
  int Accept() {
    pollfd ready{fd_, POLLIN, 0};
    REQUIRE(::poll(&ready, 1, 10000) == 1);
    int fd = ::accept(fd_, nullptr, nullptr);
    REQUIRE(fd >= 0);
    return fd;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Reads from `fd` until `bytes` bytes came or 10 s passed.
std::string ReadAtLeast(int fd, size_t bytes) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buffer[65536];
  while (got.size() < bytes && std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) != 1) continue;
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

std::string Chunk(int sequence) {
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += "{\"chunk\":" + std::to_string(sequence) + ",\"line\":" + std::to_string(i) + "}\n";
  }
  return text;
}

bool WaitDelivered(Output* output, int64_t sequence) {
  for (int i = 0; i < 1000 && output->DeliveredThrough() < sequence; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return output->DeliveredThrough() >= sequence;
}

TEST_CASE("ParseSocketAddress: tcp and unix forms", "[collect_output]") {
  Result<SocketAddress> tcp = ParseSocketAddress("tcp://[::1]:5170");
  REQUIRE(tcp.ok());
  CHECK(tcp->host == "::1");
  CHECK(tcp->port == "5170");
  Result<SocketAddress> unix_socket = ParseSocketAddress("unix:/run/logstore.sock");
  REQUIRE(unix_socket.ok());
  CHECK(unix_socket->unix_socket);
  CHECK(unix_socket->path == "/run/logstore.sock");
  CHECK(!ParseSocketAddress("tcp://host").ok());
  CHECK(!ParseSocketAddress("tcp://host:0").ok());
  CHECK(!ParseSocketAddress("tcp://host:70000").ok());
  CHECK(!ParseSocketAddress("udp://host:1").ok());
  CHECK(!ParseSocketAddress("unix:").ok());
}

TEST_CASE("SocketOutput: whole lines in order, across a half-close by the store",
          "[collect_output]") {
  Listener listener;
  OutputOptions options;
  options.address = listener.address();
  Result<std::unique_ptr<Output>> output = CreateSocketOutput(options);
  REQUIRE(output.ok());
  CHECK((*output)->DeliveredThrough() == -1);
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    REQUIRE((*output)->Write(i, Chunk(i)).ok());
    expected += Chunk(i);
  }
  int first = listener.Accept();
  std::string got = ReadAtLeast(first, expected.size());
  CHECK(got == expected);
  CHECK(WaitDelivered(output->get(), 4));
  // The store stops: it half-closes, the output closes its side and connects again.
  ::shutdown(first, SHUT_WR);
  char byte;
  pollfd ready{first, POLLIN, 0};
  REQUIRE(::poll(&ready, 1, 5000) == 1);
  CHECK(::read(first, &byte, 1) == 0);
  ::close(first);
  std::string more;
  for (int i = 5; i < 8; ++i) {
    REQUIRE((*output)->Write(i, Chunk(i)).ok());
    more += Chunk(i);
  }
  REQUIRE((*output)->Write(8, "").ok());  // a chunk whose records were all rejected
  int second = listener.Accept();
  CHECK(ReadAtLeast(second, more.size()) == more);
  CHECK(WaitDelivered(output->get(), 8));
  CHECK((*output)->Drain(1'000'000'000));
  CHECK((*output)->counters().reconnects.load() == 1);
  ::close(second);
}

TEST_CASE("SocketOutput: after a reset mid-chunk, the next connection starts at a line start",
          "[collect_output]") {
  Listener listener;
  OutputOptions options;
  options.address = listener.address();
  Result<std::unique_ptr<Output>> output = CreateSocketOutput(options);
  REQUIRE(output.ok());
  // Larger than what the socket buffers hold, so the reset comes in the middle of the chunk.
  std::string chunk;
  for (int i = 0; chunk.size() < (24u << 20); ++i) {
    chunk += "{\"seq\":" + std::to_string(i) + ",\"pad\":\"" + std::string(80, 'x') + "\"}\n";
  }
  REQUIRE((*output)->Write(0, chunk).ok());
  int first = listener.Accept();
  CHECK(ReadAtLeast(first, 100000).size() >= 100000);
  linger reset{1, 0};  // close with RST: what was in flight is lost to us, as with a crash
  ::setsockopt(first, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::close(first);
  int second = listener.Accept();
  // Read until the chunk's last line has come.
  std::string last_line = chunk.substr(chunk.rfind('\n', chunk.size() - 2) + 1);
  std::string rest;
  for (int i = 0; i < 1000; ++i) {
    if (rest.size() >= last_line.size() &&
        rest.compare(rest.size() - last_line.size(), last_line.size(), last_line) == 0) {
      break;
    }
    rest += ReadAtLeast(second, 1);
  }
  CHECK(WaitDelivered(output->get(), 0));
  REQUIRE(!rest.empty());
  CHECK(rest.size() < chunk.size());  // not sent again from the start
  CHECK(rest.front() == '{');
  CHECK(chunk.compare(chunk.size() - rest.size(), rest.size(), rest) == 0);
  size_t start = chunk.size() - rest.size();
  CHECK(chunk[start - 1] == '\n');
  ::close(second);
}

TEST_CASE("SocketOutput: without a listener, the spool takes the chunks and the next run sends "
          "them first",
          "[collect_output]") {
  testing::TempDir spool_dir;
  uint16_t port;
  {
    Listener probe;  // a port that nothing listens on once it is closed
    port = probe.port();
  }
  OutputOptions options;
  options.address = "tcp://127.0.0.1:" + std::to_string(port);
  options.buffer_bytes = 4096;  // spilled past 2 KiB
  options.spool_dir = spool_dir.path();
  options.max_backoff_ns = 200'000'000;
  std::string expected;
  {
    Result<std::unique_ptr<Output>> output = CreateSocketOutput(options);
    REQUIRE(output.ok());
    for (int i = 0; i < 20; ++i) {  // ~6 KB: more than the buffer
      REQUIRE((*output)->Write(i, Chunk(i)).ok());
      expected += Chunk(i);
    }
    CHECK(WaitDelivered(output->get(), 10));
    CHECK((*output)->counters().spooled_bytes.load() > 0);
    // Shutdown: what is left in memory goes to the spool too.
    CHECK((*output)->Drain(2'000'000'000));
    CHECK((*output)->DeliveredThrough() == 19);
  }
  Listener listener(port);
  Result<std::unique_ptr<Output>> output = CreateSocketOutput(options);
  REQUIRE(output.ok());
  REQUIRE((*output)->Write(0, Chunk(100)).ok());
  expected += Chunk(100);
  int fd = listener.Accept();
  CHECK((ReadAtLeast(fd, expected.size()) == expected));
  CHECK(WaitDelivered(output->get(), 0));
  for (int i = 0; i < 100 && (*output)->counters().spooled_bytes.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK((*output)->counters().spooled_bytes.load() == 0);
  ::close(fd);
}

}  // namespace
}  // namespace logstream::logcollect
