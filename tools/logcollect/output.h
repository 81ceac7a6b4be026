// tools/logcollect/output.h -- Where logcollect's NDJSON goes: standard output, or a
// `logstore --listen` socket (tcp://HOST:PORT, unix:PATH) with reconnection, a bounded memory
// buffer and an optional spool on disk. The writer asks an output what it has delivered, so
// that a checkpoint never gets ahead of what left the process (or reached the spool).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream::logcollect {

struct OutputOptions {
  std::string address;                    // "" or "-": stdout; tcp://HOST:PORT; unix:PATH
  uint64_t buffer_bytes = 64u << 20;      // memory held while the peer is unreachable
  std::string spool_dir;                  // "": no spool
  uint64_t spool_max_bytes = 1ull << 30;  // the spool's limit; beyond it, writes wait
  int64_t connect_timeout_ns = 5'000'000'000;
  int64_t max_backoff_ns = 30'000'000'000;  // between reconnection attempts
};

struct OutputCounters {
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> buffered_bytes{0};
  std::atomic<uint64_t> spooled_bytes{0};
  std::atomic<int> connected{0};
};

class Output {
 public:
  virtual ~Output() = default;
  // Takes the NDJSON of chunk `sequence` (sequences arrive in increasing order). May wait for
  // room (the buffer or spool is full); returns early with a non-OK status only for an error
  // that ends the run (stdout closed, spool unwritable) or when Stop() was called.
  virtual Status Write(uint64_t sequence, std::string_view ndjson) = 0;
  // Every sequence <= the returned one has been delivered (written to the fd or socket, or
  // spooled); -1 when none.
  virtual int64_t DeliveredThrough() = 0;
  // Waits up to `timeout_ns` for everything written to be delivered; true when it was.
  virtual bool Drain(int64_t timeout_ns) = 0;
  // Makes a waiting Write() return.
  virtual void Stop() {}
  virtual const OutputCounters& counters() const = 0;
};

Result<std::unique_ptr<Output>> CreateOutput(const OutputOptions& options);

}  // namespace logstream::logcollect
