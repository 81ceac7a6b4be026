// tools/logfilter/exec_plugin.h -- An exec plugin: a long-running external program that reads
// NDJSON records on its stdin and writes NDJSON records on its stdout (logfilter --exec).
// See docs/plugin-abi.md "Exec plugins".
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"

namespace logstream::logfilter {

// One running plugin program. The program is started with a pipe on its stdin and one on its
// stdout; its stderr, environment and working directory are the host's. Records flow in with
// Write() and out through `on_line`, which an internal reader thread calls for every line the
// program writes, in order. Input and output are decoupled: the program may emit zero, one or
// many lines per input line, and emit them whenever it likes.
//
// Thread-safety: Write(), Finish() and the destructor belong to one owner thread (or are
// externally serialized). `on_line` runs on the reader thread, concurrently with the owner.
// It must not wait for the owner thread: when the owner is blocked in Write() because the
// program's stdin is full, the program may itself be blocked writing its stdout, which only
// `on_line` returning can drain. Nothing else in the process may reap this child
// (waitpid(-1, ...) or SIGCHLD set to SIG_IGN).
//
// SIGPIPE: Write() blocks SIGPIPE in the calling thread for the duration of the call and
// consumes the one its own write raised, so the host keeps the default SIGPIPE action for its
// stdout (`logfilter | head` ends quietly) while a dead plugin is only an error status.
class ExecPlugin {
 public:
  // The longest line the program may write, without the newline. A longer line is skipped
  // without being buffered, and Finish() reports it.
  static constexpr size_t kMaxLineBytes = size_t{1} << 20;

  // Starts argv[0] (looked up in PATH, posix_spawnp) with argv as its arguments, with the
  // default SIGPIPE action and an empty signal mask. `on_line` gets each line the program
  // writes, without the newline (a last line without one is delivered too; empty lines are
  // delivered as empty); the bytes are valid only during the call. If `on_line` throws, the
  // exception is caught, the rest of the output is discarded, and Finish() reports it.
  // Errors: "plugin 'cmd': cannot start: No such file or directory" (kIOError).
  // In messages the plugin is named after argv[0], or after the command for
  // {"sh", "-c", "command"}.
  static Result<std::unique_ptr<ExecPlugin>> Start(std::vector<std::string> argv,
                                                   std::function<void(std::string_view)> on_line);

  ExecPlugin(const ExecPlugin&) = delete;
  ExecPlugin& operator=(const ExecPlugin&) = delete;

  // If Finish() was not called: closes the program's stdin, sends SIGTERM, then SIGKILL if it
  // has not exited 2 s later, reaps it, and stops the reader thread (discarding what the
  // program still writes).
  ~ExecPlugin();

  // Writes `lines` (whole NDJSON lines, each ending in '\n') to the program's stdin, blocking
  // while the pipe is full: the program's reading speed is the back-pressure. Once the program
  // is gone, this and every later call return the same kUnavailable status:
  //   "plugin 'cmd': exited with status 3"       (it exited non-zero)
  //   "plugin 'cmd': killed by signal 9"
  //   "plugin 'cmd': exited before reading all its input"   (it exited 0)
  //   "plugin 'cmd': closed its input"           (it is still running)
  Status Write(std::string_view lines);

  // Closes the program's stdin, waits for it to exit and for its output to end (all of it has
  // gone through `on_line` when Finish returns). OK only if the program exited with status 0
  // and nothing went wrong; otherwise the first error: an earlier Write() failure, the exit
  // status as above, "plugin 'cmd': output line longer than 1 MiB" (kResourceExhausted), a
  // read error, or `on_line` having thrown (kInternal). Waits as long as the program runs:
  // a program that ignores the end of its input hangs here. Call once; later calls return
  // the same status.
  Status Finish();

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }

 private:
  ExecPlugin(std::string name, pid_t pid, int stdin_fd, int stdout_fd, int wake_read,
             int wake_write, std::function<void(std::string_view)> on_line);

  // The reader thread: reads stdout, cuts lines, calls on_line_.
  void ReadLoop();
  void Deliver(std::string_view line);
  void SetReaderError(Status status);

  // Waits up to `timeout_ms` (-1: forever) for the child to exit; true once it is reaped.
  bool WaitForExit(int timeout_ms);
  // The status describing how the reaped child ended; OK for exit status 0.
  Status ExitStatus(bool input_left) const;
  // After EPIPE: the child exited or closed its stdin; says which.
  Status Gone();
  void CloseStdin();
  void StopReader();

  const std::string name_;
  const pid_t pid_;
  int stdin_fd_;     // our end of the program's stdin; -1 once closed
  int stdout_fd_;    // our end of the program's stdout, read by the reader thread
  int wake_read_;    // a pipe that tells the reader thread to stop early
  int wake_write_;
  std::function<void(std::string_view)> on_line_;
  std::thread reader_;

  // Owner thread only.
  bool reaped_ = false;
  int wait_status_ = 0;
  bool wait_failed_ = false;  // waitpid() failed (someone else reaped the child)
  Status write_status_;
  bool finished_ = false;
  Status finish_status_;

  // Reader thread only, until reader_done_.
  bool handler_failed_ = false;

  std::mutex mu_;
  std::condition_variable reader_cv_;
  bool reader_done_ = false;  // guarded by mu_
  Status reader_status_;      // guarded by mu_: the first reader error
};

}  // namespace logstream::logfilter
