// tools/logcollect/file_source.cc -- See file_source.h.
//
// One thread per source polls its files: for each, read what was appended, then at the end
// of the data check whether the path still names the same file (rename rotation), whether the
// file shrank or its first line changed (copytruncate), and whether it was deleted. A file
// rotated away is read for rotate_wait more, then finished (its last line without a newline
// included) and closed. The glob is expanded again every scan interval and at once after a
// rotation.
#include "tools/logcollect/file_source.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <re2/re2.h>

#include "common/cli.h"
#include "tools/logcollect/checkpoints.h"
#include "tools/logcollect/entry_builder.h"

namespace logstream::logcollect {
namespace {

constexpr size_t kFingerprintBytes = 256;
constexpr size_t kReadBytes = 1 << 20;
// How often idle files are looked at for new data.
constexpr int64_t kPollNs = 100'000'000;
// A busy file yields to the others of its source after this much.
constexpr uint64_t kMaxBytesPerPoll = 32u << 20;
// --read-from end starts after the last newline within this many bytes of the end.
constexpr size_t kTailSearchBytes = 64 << 10;
// Released files remembered (see FileSource::released_); beyond it, the lowest keys go.
constexpr size_t kMaxRememberedFiles = 4096;

int64_t MonotonicNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * kNanosPerSecond + ts.tv_nsec;
}

// x.log.1, x.log-20261126 and x.log.2.gz are rotations of x.log.
bool IsRotationOf(const std::string& path, const std::string& original) {
  return path.size() > original.size() && path.compare(0, original.size(), original) == 0 &&
         (path[original.size()] == '.' || path[original.size()] == '-' ||
          path[original.size()] == '_');
}

bool IsGzip(std::string_view head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
         static_cast<unsigned char>(head[1]) == 0x8b;
}

struct TrackedFile {
  std::string path;
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string fingerprint;  // of the content: FingerprintKey(); empty while too young
  std::string key;          // the checkpoint key: the fingerprint, made unique if shared
  bool initial = false;     // found by the first scan (--read-from end applies)
  uint64_t offset = 0;      // the next byte to read (decompressed bytes for gzip)
  off_t last_size = -1;
  gzFile gz = nullptr;      // set when the file is gzip and decompress is on
  std::unique_ptr<EntryBuilder> builder;
  bool rotated_away = false;
  int64_t last_data_ns = 0;
  bool released = false;
};

class FileSource : public Source {
 public:
  explicit FileSource(SourceSpec spec) : Source(std::move(spec)) {}
  ~FileSource() override {
    Stop();
    Join();
  }

  Status Start(const SourceContext& context) override;
  void Stop() override {
    std::lock_guard lock(mu_);
    stop_ = true;
    wake_.notify_all();
  }
  void Join() override {
    if (thread_.joinable()) thread_.join();
  }
  bool Finished() const override { return finished_.load(); }
  void Acknowledge(const CheckpointMark& mark) override {
    if (context_.checkpoints == nullptr) return;
    context_.checkpoints->Update(
        CheckpointEntry{mark.key, mark.path, mark.position, mark.line, {}, 0});
  }
  void Reopen() override { RequestRescan(); }
  void RequestRescan() {
    std::lock_guard lock(mu_);
    rescan_now_ = true;
    wake_.notify_all();
  }

 private:
  void Run();
  void Scan(bool initial);
  void Track(const std::string& path, bool initial);
  // Fingerprints `file` and decides where reading starts (checkpoint, --read-from); false
  // while the file is too young to fingerprint, or when it is a copy of one being read.
  bool Identify(TrackedFile& file);
  // Reads what is new in `file`; returns whether it found data.
  bool Poll(TrackedFile& file, int64_t now);
  bool PollGzip(TrackedFile& file, int64_t now);
  void HandleTruncation(TrackedFile& file);
  // Ends reading `file`: with `finish`, its last line without a newline is an entry too.
  void Release(TrackedFile& file, bool finish);
  bool Excluded(const std::string& path) const;
  const std::atomic<bool>& abort() const { return *context_.abort; }
  bool stopping() {
    std::lock_guard lock(mu_);
    return stop_;
  }

  SourceContext context_;
  std::atomic<bool> no_abort_{false};
  std::unique_ptr<re2::RE2> start_pattern_;
  ReadFrom read_from_ = ReadFrom::kEnd;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool rescan_now_ = false;
  std::atomic<bool> finished_{false};
  std::vector<std::unique_ptr<TrackedFile>> files_;
  std::set<std::pair<dev_t, ino_t>> finished_static_;  // gzip files read to their end
  std::set<std::string> reported_;                      // paths already warned about
  // Where released files ended, by key, so that a rotated file the glob matches again (or a
  // copytruncate copy) is not read twice, with or without --state.
  struct Ended {
    uint64_t position;
    uint64_t line;
    dev_t dev;
    ino_t ino;
    bool truncated;
  };
  std::map<std::string, Ended> released_;
  std::vector<char> buffer_;
};

Status FileSource::Start(const SourceContext& context) {
  context_ = context;
  if (context_.abort == nullptr) context_.abort = &no_abort_;
  auto start_pattern = CompileStartPattern(spec_);
  if (!start_pattern.ok()) return start_pattern.status();
  start_pattern_ = std::move(*start_pattern);
  read_from_ = spec_.read_from;
  if (read_from_ == ReadFrom::kDefault) {
    read_from_ = context_.once ? ReadFrom::kBeginning : ReadFrom::kEnd;
  }
  buffer_.resize(kReadBytes);
  thread_ = std::thread([this] { Run(); });
  return Status();
}

bool FileSource::Excluded(const std::string& path) const {
  for (const std::string& pattern : spec_.exclude) {
    if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

void FileSource::Scan(bool initial) {
  glob_t matches{};
  int rc = ::glob(spec_.path.c_str(), GLOB_NOSORT, nullptr, &matches);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    if (Excluded(path)) continue;
    Track(path, initial);
  }
  counters_.files_watched.store(files_.size());
}

void FileSource::Track(const std::string& path, bool initial) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  for (const auto& file : files_) {
    if (file->dev == st.st_dev && file->ino == st.st_ino) return;
  }
  if (finished_static_.count({st.st_dev, st.st_ino})) return;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (reported_.insert(path).second) {
      cli::Error("open '{}': {}", path, std::strerror(errno));
      counters_.open_errors.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  auto file = std::make_unique<TrackedFile>();
  file->path = path;
  file->fd = fd;
  file->dev = st.st_dev;
  file->ino = st.st_ino;
  file->initial = initial;
  file->last_data_ns = MonotonicNs();
  char head[2];
  if (::pread(fd, head, sizeof head, 0) == 2 && IsGzip({head, 2})) {
    if (!spec_.decompress) {
      if (reported_.insert(path).second) {
        cli::Error("{}: skipping a gzip file (set 'decompress: true' on the source to read it)",
                   path);
      }
      ::close(fd);
      return;
    }
    int gz_fd = ::dup(fd);
    file->gz = gz_fd >= 0 ? ::gzdopen(gz_fd, "rb") : nullptr;
    if (file->gz == nullptr) {
      if (gz_fd >= 0) ::close(gz_fd);
      ::close(fd);
      return;
    }
  }
  // Held open even while too young to be identified, so that a rename cannot take it away.
  if (!Identify(*file)) {
    if (file->released) return;
  }
  files_.push_back(std::move(file));
}

bool FileSource::Identify(TrackedFile& file) {
  char head[kFingerprintBytes];
  size_t got = 0;
  uint64_t size = UINT64_MAX;  // a gzip file's is unknown until it is read
  if (file.gz) {
    int unpacked = ::gzread(file.gz, head, sizeof head);
    got = unpacked > 0 ? static_cast<size_t>(unpacked) : 0;
    ::gzrewind(file.gz);
  } else {
    struct stat st;
    if (::fstat(file.fd, &st) != 0) return false;
    size = static_cast<uint64_t>(st.st_size);
    ssize_t n = ::pread(file.fd, head, sizeof head, 0);
    got = n > 0 ? static_cast<size_t>(n) : 0;
  }
  // A young file whose first line is incomplete cannot be told apart yet: wait for more
  // (--once and gzip files will not grow: take what there is).
  file.fingerprint = FingerprintKey({head, got}, context_.once || file.gz != nullptr);
  if (file.fingerprint.empty()) return false;
  file.key = file.fingerprint;
  for (const auto& other : files_) {
    if (other.get() == &file || other->fingerprint != file.fingerprint) continue;
    // The same first line as a file being read. Named like a rotation of it (x.log.1,
    // x.log-20261126): a copy (copytruncate), read through the original. Otherwise another
    // file that happens to start alike: its key is made unique by its inode.
    if (IsRotationOf(file.path, other->path)) {
      if (file.gz) ::gzclose(file.gz);
      ::close(file.fd);
      file.fd = -1;
      file.gz = nullptr;
      file.released = true;
      return false;
    }
    file.key += fmt::format(":{}:{}", file.dev, file.ino);
    break;
  }
  uint64_t start = 0;
  uint64_t line = 0;
  std::optional<CheckpointEntry> saved;
  if (context_.checkpoints) saved = context_.checkpoints->Find(file.key);
  auto released = released_.find(file.key);
  if (released != released_.end() && released->second.truncated &&
      released->second.dev == file.dev && released->second.ino == file.ino) {
    released = released_.end();
    saved.reset();  // the checkpoint is the old content's too
  }
  if (released != released_.end() && (!saved || saved->position < released->second.position)) {
    saved = CheckpointEntry{file.key, file.path, released->second.position,
                            released->second.line, {}, 0};
  }
  if (saved && saved->position <= size) {
    start = saved->position;
    line = saved->line;
  } else if (file.initial && read_from_ == ReadFrom::kEnd && file.gz == nullptr && size > 0) {
    size_t window = static_cast<size_t>(std::min<uint64_t>(size, kTailSearchBytes));
    std::string tail(window, '\0');
    ssize_t n = ::pread(file.fd, tail.data(), window, static_cast<off_t>(size - window));
    size_t last_newline = n > 0 ? tail.rfind('\n', static_cast<size_t>(n) - 1) : std::string::npos;
    start = last_newline == std::string::npos ? size : size - window + last_newline + 1;
  }
  if (file.gz && start > 0 && ::gzseek(file.gz, static_cast<z_off_t>(start), SEEK_SET) < 0) {
    start = 0;
    ::gzrewind(file.gz);
  }
  file.offset = start;
  file.builder = std::make_unique<EntryBuilder>(this, context_.queue, file.path, spec_.multiline,
                                                start_pattern_.get(), spec_.max_line_bytes,
                                                context_.checkpoints ? file.key : std::string(),
                                                start, line);
  file.builder->set_peer_host(SourceNameForPath(file.path));
  return true;
}

bool FileSource::PollGzip(TrackedFile& file, int64_t now) {
  uint64_t budget = kMaxBytesPerPoll;
  bool got_any = false;
  while (budget > 0) {
    int n = ::gzread(file.gz, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    if (n < 0) {
      int err = 0;
      cli::Error("{}: {}", file.path, ::gzerror(file.gz, &err));
      finished_static_.insert({file.dev, file.ino});
      Release(file, true);
      return got_any;
    }
    if (n == 0) {
      finished_static_.insert({file.dev, file.ino});
      Release(file, true);
      return got_any;
    }
    counters_.bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    if (!file.builder->Feed({buffer_.data(), static_cast<size_t>(n)}, abort())) return false;
    file.offset += static_cast<uint64_t>(n);
    file.last_data_ns = now;
    got_any = true;
    budget -= std::min<uint64_t>(budget, static_cast<uint64_t>(n));
  }
  return got_any;
}

void FileSource::HandleTruncation(TrackedFile& file) {
  counters_.rotations.fetch_add(1, std::memory_order_relaxed);
  // copytruncate: what was appended after our last read is only in the copy. Look for it
  // beside the file: same first line, another inode, and longer than what we read.
  std::filesystem::path original(file.path);
  std::string stem = original.filename().string();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(original.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    if (name == stem || name.compare(0, stem.size(), stem) != 0) continue;
    int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st;
    char head[kFingerprintBytes];
    ssize_t got = ::pread(fd, head, sizeof head, 0);
    bool same = ::fstat(fd, &st) == 0 && st.st_ino != file.ino &&
                static_cast<uint64_t>(st.st_size) > file.offset && got > 0 &&
                FingerprintKey({head, static_cast<size_t>(got)}, true) == file.fingerprint;
    if (same) {
      uint64_t offset = file.offset;
      for (;;) {
        ssize_t n = ::pread(fd, buffer_.data(), buffer_.size(), static_cast<off_t>(offset));
        if (n <= 0) break;
        counters_.bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
        if (!file.builder->Feed({buffer_.data(), static_cast<size_t>(n)}, abort())) break;
        offset += static_cast<uint64_t>(n);
      }
      ::close(fd);
      break;
    }
    ::close(fd);
  }
  // The file now holds new content: read it from its start as a new file.
  Release(file, true);
  released_[file.key].truncated = true;  // the same inode with new content is not this file
  RequestRescan();
}

bool FileSource::Poll(TrackedFile& file, int64_t now) {
  if (!file.builder) {
    if (!Identify(file)) {
      struct stat st;
      struct stat at_path;
      // Deleted or renamed before it ever held a whole line: nothing worth waiting for.
      bool gone = ::fstat(file.fd, &st) != 0 || st.st_nlink == 0 ||
                  ::stat(file.path.c_str(), &at_path) != 0 || at_path.st_ino != file.ino;
      if (!file.released && gone) {
        ::close(file.fd);
        file.fd = -1;
        file.released = true;
      }
      return false;
    }
  }
  if (file.gz) return PollGzip(file, now);
  struct stat st;
  if (::fstat(file.fd, &st) != 0) {
    Release(file, true);
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) < file.offset) {
    HandleTruncation(file);
    return true;
  }
  if (st.st_size != file.last_size) {
    // Truncated and written again past our offset before we looked: the first line differs.
    char head[kFingerprintBytes];
    ssize_t got = ::pread(file.fd, head, sizeof head, 0);
    if (got > 0 && FingerprintKey({head, static_cast<size_t>(got)}, true) != file.fingerprint &&
        FingerprintKey({head, static_cast<size_t>(got)}, false) != file.fingerprint) {
      HandleTruncation(file);
      return true;
    }
    file.last_size = st.st_size;
  }
  uint64_t budget = kMaxBytesPerPoll;
  bool got_any = false;
  while (budget > 0) {
    ssize_t n = ::pread(file.fd, buffer_.data(), buffer_.size(), static_cast<off_t>(file.offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      cli::Error("read '{}': {}", file.path, std::strerror(errno));
      counters_.open_errors.fetch_add(1, std::memory_order_relaxed);
      Release(file, false);
      return got_any;
    }
    if (n == 0) break;
    counters_.bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    if (!file.builder->Feed({buffer_.data(), static_cast<size_t>(n)}, abort())) return false;
    file.offset += static_cast<uint64_t>(n);
    got_any = true;
    budget -= std::min<uint64_t>(budget, static_cast<uint64_t>(n));
  }
  if (got_any) {
    file.last_data_ns = now;
    return true;
  }
  // At the end of the data: deleted, rotated away, or just quiet?
  if (st.st_nlink == 0) {
    Release(file, true);
    return false;
  }
  struct stat now_at_path;
  bool moved = ::stat(file.path.c_str(), &now_at_path) != 0 || now_at_path.st_ino != file.ino ||
               now_at_path.st_dev != file.dev;
  if (moved && !file.rotated_away) {
    file.rotated_away = true;
    counters_.rotations.fetch_add(1, std::memory_order_relaxed);
    RequestRescan();
  }
  if (file.rotated_away && now - file.last_data_ns >= spec_.rotate_wait_ns) Release(file, true);
  return false;
}

void FileSource::Release(TrackedFile& file, bool finish) {
  if (file.released) return;
  if (!file.builder) {
    if (file.gz) ::gzclose(file.gz);
    if (file.fd >= 0) ::close(file.fd);
    file.fd = -1;
    file.gz = nullptr;
    file.released = true;
    return;
  }
  if (finish) {
    file.builder->Finish(abort());
  } else {
    file.builder->SubmitCompleted(abort());
  }
  released_[file.key] =
      Ended{file.builder->position(), file.builder->lines(), file.dev, file.ino, false};
  if (released_.size() > kMaxRememberedFiles) released_.erase(released_.begin());
  if (file.gz) ::gzclose(file.gz);
  ::close(file.fd);
  file.fd = -1;
  file.gz = nullptr;
  file.released = true;
}

void FileSource::Run() {
  Scan(true);
  int64_t next_scan = MonotonicNs() + spec_.scan_interval_ns;
  while (!stopping()) {
    int64_t now = MonotonicNs();
    bool active = false;
    for (auto& file : files_) {
      if (file->released) continue;
      if (Poll(*file, now)) {
        active = true;
      } else if (!file->released && file->builder && !context_.once) {
        file->builder->Flush(Now().ns, abort());
      }
    }
    std::erase_if(files_, [](const auto& file) { return file->released; });
    if (context_.once && !active) break;
    bool rescan;
    {
      std::lock_guard lock(mu_);
      rescan = rescan_now_;
      rescan_now_ = false;
    }
    if (!context_.once && (rescan || now >= next_scan)) {
      Scan(false);
      next_scan = now + spec_.scan_interval_ns;
    }
    counters_.files_watched.store(files_.size());
    if (!active) {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::nanoseconds(kPollNs),
                     [&] { return stop_ || rescan_now_; });
    }
  }
  // --once: every file is at its end, its last line included. A stop: only whole entries;
  // the rest is read again after a restart.
  for (auto& file : files_) {
    if (!file->released) Release(*file, context_.once);
  }
  files_.clear();
  counters_.files_watched.store(0);
  finished_.store(true);
}

}  // namespace

std::string FingerprintKey(std::string_view head, bool complete) {
  head = head.substr(0, kFingerprintBytes);
  size_t newline = head.find('\n');
  if (newline != std::string_view::npos) {
    head = head.substr(0, newline + 1);
  } else if (head.size() < kFingerprintBytes && !complete) {
    return {};
  }
  if (head.empty()) return {};
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : head) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("file:{:016x}", hash);
}

Result<std::unique_ptr<Source>> CreateFileSource(const SourceSpec& spec) {
  return std::unique_ptr<Source>(new FileSource(spec));
}

}  // namespace logstream::logcollect
