// tools/logstore/inputs.h -- Where logstore's lines come from: standard input, or many
// producers connecting to --listen sockets. One reader thread per input fills batches of
// whole lines into a bounded queue; when the queue is full readers stop reading, so a fast
// producer is held back by TCP (or the pipe) instead of growing our memory.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/line_reader.h"
#include "common/reject_sink.h"
#include "common/result.h"

namespace logstream::logstore {

struct InputBatch {
  LineBatch lines;
  std::string input_name;   // "standard input", "tcp:10.0.0.1:5000", ...
  uint64_t first_line = 0;  // line number of the batch's first line (1-based)
};

struct InputOptions {
  size_t max_line_bytes = 1 << 20;
  size_t batch_bytes = 1 << 20;
  size_t queue_batches = 8;
  unsigned max_connections = 64;
};

class Inputs {
 public:
  Inputs(const InputOptions& options, RejectSink* rejects);
  ~Inputs();
  // Removes the socket files of unix: listeners.
  void RemoveSocketFiles();
  // Stops reading: listeners stop accepting, and each connection is half-closed (shutdown
  // SHUT_WR), which tells a producer such as logcollect to stop writing and close. Each reader
  // still reads what its producer has written (it would be lost when we exit) until the
  // producer closes or is quiet for 100 ms, and then ends.
  void Stop();
  // After Stop(): true once the queue is empty and every reader has ended; waits up to `grace`
  // for that. False means a batch is ready (take it with Next()) or a reader is still busy.
  bool Drained(std::chrono::milliseconds grace);
  Inputs(const Inputs&) = delete;
  Inputs& operator=(const Inputs&) = delete;

  // Reads standard input until its end.
  void StartStdin();
  // Listens on "tcp://HOST:PORT" or "unix:PATH"; each connection is read until it closes.
  Status Listen(const std::string& address);

  // The next batch, or nullptr after `timeout` or once every input has ended (finished()).
  std::unique_ptr<InputBatch> Next(std::chrono::milliseconds timeout);
  // Gives a processed batch back for reuse.
  void Recycle(std::unique_ptr<InputBatch> batch);
  // True when no input can produce more (standard input ended; listeners never end).
  bool finished();
  // The first read error, if any.
  Status status();
  uint64_t connections_accepted() const { return accepted_; }

 private:
  void ReadLoop(int fd, std::string name, bool owns_fd);
  void AcceptLoop(int listen_fd, std::string address);
  std::unique_ptr<InputBatch> TakeFree();
  void Push(std::unique_ptr<InputBatch> batch);

  InputOptions options_;
  RejectSink* rejects_;
  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::condition_variable space_cv_;
  std::deque<std::unique_ptr<InputBatch>> ready_;
  std::vector<std::unique_ptr<InputBatch>> free_;
  unsigned active_readers_ = 0;
  unsigned listeners_ = 0;
  bool stopping_ = false;
  std::atomic<unsigned> connections_{0};
  std::atomic<uint64_t> accepted_{0};
  Status status_;
  std::vector<std::string> unix_paths_;  // removed when we exit
  std::vector<int> listen_fds_;          // shut down by Stop() to end the accept loops
  std::set<int> connection_fds_;         // half-closed by Stop()
};

}  // namespace logstream::logstore
