// tools/logfilter/exec_plugin.cc -- Spawning an exec plugin, writing to it with back-pressure
// and without SIGPIPE, reading its output lines on a thread, and reaping it.
#include "tools/logfilter/exec_plugin.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/core.h>

extern char** environ;

namespace logstream::logfilter {

namespace {

constexpr size_t kReadBytes = 64 * 1024;
// While the program's stdin is full, Write() looks every so often whether it has exited
// (a descendant may keep the pipe open after the program itself is gone).
constexpr int kFullPipeCheckMs = 200;
// After EPIPE, how long the program may take to become a zombie before we call it
// "closed its input" (it closes its files a moment before it can be reaped).
constexpr int kExitAfterEpipeMs = 1000;
constexpr int kTermGraceMs = 2000;
// After the program exited, how long a descendant may keep its stdout open.
constexpr auto kOutputGrace = std::chrono::seconds(5);

void CloseFd(int* fd) {
  if (*fd >= 0) {
    ::close(*fd);
    *fd = -1;
  }
}

// Moves fd above 2, so that dup2() onto 0 and 1 in the child never meets itself (which would
// leave FD_CLOEXEC set) when the host runs with stdin or stdout closed.
int AboveStdio(int fd) {
  if (fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

// pipe2(O_CLOEXEC) with both ends above 2.
bool MakePipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  fds[0] = AboveStdio(fds[0]);
  fds[1] = AboveStdio(fds[1]);
  if (fds[0] < 0 || fds[1] < 0) {
    CloseFd(&fds[0]);
    CloseFd(&fds[1]);
    return false;
  }
  return true;
}

std::string PluginName(const std::vector<std::string>& argv) {
  if (argv.size() == 3 && argv[1] == "-c") {
    std::string_view shell = argv[0];
    size_t slash = shell.rfind('/');
    if (slash != std::string_view::npos) shell.remove_prefix(slash + 1);
    if (shell == "sh" || shell == "bash" || shell == "dash") return argv[2];
  }
  return argv[0];
}

// Blocks SIGPIPE in the calling thread while alive. If a write in its scope failed with EPIPE
// (set_raised()), the SIGPIPE that write raised is consumed before the old mask comes back,
// unless one was already pending when the guard was made (that one is not ours to take).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      const struct timespec zero = {0, 0};
      while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  void set_raised() { raised_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool raised_ = false;
};

void SleepMs(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace

Result<std::unique_ptr<ExecPlugin>> ExecPlugin::Start(
    std::vector<std::string> argv, std::function<void(std::string_view)> on_line) {
  if (argv.empty() || argv[0].empty()) {
    return Status::InvalidArgument("exec plugin: empty command");
  }
  std::string name = PluginName(argv);
  int in[2] = {-1, -1}, out[2] = {-1, -1}, wake[2] = {-1, -1};
  if (!MakePipe(in) || !MakePipe(out) || !MakePipe(wake)) {
    Status s = Status::IOError(fmt::format("plugin '{}': pipe", name), errno);
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &wake[0], &wake[1]}) CloseFd(fd);
    return s;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  // Every other descriptor of ours is O_CLOEXEC, these pipes included.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, pipe_only;
  sigemptyset(&empty);
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &empty);      // the owner may have SIGPIPE blocked
  posix_spawnattr_setsigdefault(&attr, &pipe_only);  // a daemon host may ignore SIGPIPE
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (std::string& arg : argv) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  CloseFd(&in[0]);
  CloseFd(&out[1]);
  if (rc != 0) {
    for (int* fd : {&in[1], &out[0], &wake[0], &wake[1]}) CloseFd(fd);
    return Status::IOError(fmt::format("plugin '{}': cannot start", name), rc);
  }
  // Our end is non-blocking so that Write() can notice, while the pipe is full, that the
  // program has died. The program's end is a separate open file and stays blocking.
  int flags = fcntl(in[1], F_GETFL);
  if (flags >= 0) fcntl(in[1], F_SETFL, flags | O_NONBLOCK);

  // From here on the destructor cleans up: it kills and reaps the child.
  std::unique_ptr<ExecPlugin> plugin(
      new ExecPlugin(std::move(name), pid, in[1], out[0], wake[0], wake[1], std::move(on_line)));
  try {
    plugin->reader_ = std::thread(&ExecPlugin::ReadLoop, plugin.get());
  } catch (const std::system_error& e) {
    {
      std::lock_guard<std::mutex> lock(plugin->mu_);
      plugin->reader_done_ = true;
    }
    return Status::Internal(
        fmt::format("plugin '{}': cannot start the reader thread: {}", plugin->name_, e.what()));
  }
  return plugin;
}

ExecPlugin::ExecPlugin(std::string name, pid_t pid, int stdin_fd, int stdout_fd, int wake_read,
                       int wake_write, std::function<void(std::string_view)> on_line)
    : name_(std::move(name)),
      pid_(pid),
      stdin_fd_(stdin_fd),
      stdout_fd_(stdout_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      on_line_(std::move(on_line)) {}

ExecPlugin::~ExecPlugin() {
  CloseStdin();
  if (!reaped_) {
    ::kill(pid_, SIGTERM);
    if (!WaitForExit(kTermGraceMs)) {
      ::kill(pid_, SIGKILL);
      WaitForExit(-1);
    }
  }
  StopReader();
  CloseFd(&stdout_fd_);
  CloseFd(&wake_read_);
  CloseFd(&wake_write_);
}

void ExecPlugin::CloseStdin() { CloseFd(&stdin_fd_); }

void ExecPlugin::StopReader() {
  if (!reader_.joinable()) return;
  char byte = 0;
  while (::write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
  }
  reader_.join();
}

Status ExecPlugin::Write(std::string_view lines) {
  if (finished_) {
    return Status::Internal(fmt::format("plugin '{}': write after Finish", name_));
  }
  if (!write_status_.ok()) return write_status_;
  if (lines.empty()) return Status();

  SigpipeBlock block;
  while (!lines.empty()) {
    ssize_t n = ::write(stdin_fd_, lines.data(), lines.size());
    if (n >= 0) {
      lines.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd pfd = {stdin_fd_, POLLOUT, 0};
      int r = ::poll(&pfd, 1, kFullPipeCheckMs);
      if (r == 0 && WaitForExit(0)) {
        write_status_ = ExitStatus(/*input_left=*/true);
        return write_status_;
      }
      continue;  // writable, or POLLERR: the next write() says EPIPE
    }
    if (errno == EPIPE) {
      block.set_raised();
      write_status_ = Gone();
      return write_status_;
    }
    write_status_ = Status::IOError(fmt::format("plugin '{}': write", name_), errno);
    return write_status_;
  }
  return Status();
}

Status ExecPlugin::Gone() {
  if (WaitForExit(kExitAfterEpipeMs)) return ExitStatus(/*input_left=*/true);
  return Status::Unavailable(fmt::format("plugin '{}': closed its input", name_));
}

Status ExecPlugin::Finish() {
  if (finished_) return finish_status_;
  finished_ = true;
  CloseStdin();
  WaitForExit(-1);

  // The program is gone; its output ends as soon as no descendant holds it open.
  bool output_held = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    output_held = !reader_cv_.wait_for(lock, kOutputGrace, [this] { return reader_done_; });
  }
  StopReader();

  Status reader_status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reader_status = reader_status_;
  }
  if (!write_status_.ok()) {
    finish_status_ = write_status_;
  } else if (Status exit = ExitStatus(/*input_left=*/false); !exit.ok()) {
    finish_status_ = std::move(exit);
  } else if (!reader_status.ok()) {
    finish_status_ = std::move(reader_status);
  } else if (output_held) {
    finish_status_ = Status::Unavailable(fmt::format(
        "plugin '{}': its output stayed open after it exited (a background process?)", name_));
  }
  return finish_status_;
}

bool ExecPlugin::WaitForExit(int timeout_ms) {
  if (reaped_) return true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int sleep_ms = 1;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, timeout_ms < 0 ? 0 : WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      wait_status_ = status;
      return true;
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      reaped_ = true;  // ECHILD: someone else reaped it; its status is lost
      wait_failed_ = true;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    SleepMs(sleep_ms);
    if (sleep_ms < 20) sleep_ms *= 2;
  }
}

Status ExecPlugin::ExitStatus(bool input_left) const {
  if (wait_failed_) {
    return Status::Internal(
        fmt::format("plugin '{}': its exit status was lost (reaped elsewhere)", name_));
  }
  if (WIFSIGNALED(wait_status_)) {
    return Status::Unavailable(
        fmt::format("plugin '{}': killed by signal {}", name_, WTERMSIG(wait_status_)));
  }
  int code = WIFEXITED(wait_status_) ? WEXITSTATUS(wait_status_) : -1;
  if (code != 0) {
    return Status::Unavailable(fmt::format("plugin '{}': exited with status {}", name_, code));
  }
  if (input_left) {
    return Status::Unavailable(
        fmt::format("plugin '{}': exited before reading all its input", name_));
  }
  return Status();
}

void ExecPlugin::SetReaderError(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reader_status_.ok()) reader_status_ = std::move(status);
}

void ExecPlugin::Deliver(std::string_view line) {
  if (handler_failed_) return;
  try {
    on_line_(line);
  } catch (const std::exception& e) {
    handler_failed_ = true;
    SetReaderError(Status::Internal(
        fmt::format("plugin '{}': output handler failed: {}", name_, e.what())));
  } catch (...) {
    handler_failed_ = true;
    SetReaderError(
        Status::Internal(fmt::format("plugin '{}': output handler failed", name_)));
  }
}

void ExecPlugin::ReadLoop() {
  std::unique_ptr<char[]> buffer(new char[kReadBytes]);
  std::string partial;    // the start of a line that the last read did not finish
  bool skipping = false;  // inside an over-long line: drop bytes up to its newline
  auto overlong = [this, &partial, &skipping] {
    SetReaderError(Status::ResourceExhausted(
        fmt::format("plugin '{}': output line longer than 1 MiB", name_)));
    skipping = true;
    partial.clear();
  };
  for (;;) {
    struct pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      SetReaderError(Status::IOError(fmt::format("plugin '{}': poll", name_), errno));
      break;
    }
    if (fds[1].revents != 0) break;  // told to stop
    ssize_t n = ::read(stdout_fd_, buffer.get(), kReadBytes);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      SetReaderError(Status::IOError(fmt::format("plugin '{}': read", name_), errno));
      break;
    }
    if (n == 0) {  // end of output
      if (!partial.empty() && !skipping) Deliver(partial);
      break;
    }
    const char* p = buffer.get();
    const char* end = p + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      size_t len = static_cast<size_t>((nl ? nl : end) - p);
      if (skipping) {
        if (nl != nullptr) skipping = false;
      } else if (partial.size() + len > kMaxLineBytes) {
        overlong();
        if (nl != nullptr) skipping = false;
      } else if (nl == nullptr) {
        partial.append(p, len);
      } else if (partial.empty()) {
        Deliver(std::string_view(p, len));  // the common case: no copy
      } else {
        partial.append(p, len);
        Deliver(partial);
        partial.clear();
      }
      if (nl == nullptr) break;
      p = nl + 1;
    }
    // A line of up to 1 MiB may have grown `partial`; do not keep that much for ever.
    if (partial.empty() && partial.capacity() > 4 * kReadBytes) std::string().swap(partial);
  }
  std::lock_guard<std::mutex> lock(mu_);
  reader_done_ = true;
  reader_cv_.notify_all();
}

}  // namespace logstream::logfilter
