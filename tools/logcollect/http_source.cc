// tools/logcollect/http_source.cc -- The http:// and https:// polling source.
#include "tools/logcollect/http_source.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <unistd.h>

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/x509.h>

#include "common/cli.h"
#include "common/timestamp.h"
#include "tools/logcollect/checkpoints.h"
#include "tools/logcollect/chunk_queue.h"
#include "tools/logcollect/http_cursor.h"
#include "tools/logcollect/http_records.h"

namespace logstream::logcollect {
namespace {

using Clock = std::chrono::steady_clock;

// The same error is printed at most this often; a change of error is printed at once.
constexpr auto kErrorReportInterval = std::chrono::seconds(60);

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string_view TrimLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// httplib's own names ("Connection", "Read") say too little in a message.
std::string DescribeError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "connection timed out";
    case httplib::Error::Read: return "cannot read the response (closed or timed out)";
    case httplib::Error::Write: return "cannot send the request";
    case httplib::Error::ExceedRedirectCount: return "too many redirects";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load the CA certificates";
    case httplib::Error::Compression: return "cannot decode the compressed body";
    default: return "request failed: " + httplib::to_string(error);
  }
}

class HttpSource final : public Source {
 public:
  HttpSource(SourceSpec spec, HttpTarget target)
      : Source(std::move(spec)), target_(std::move(target)), mark_key_("http:" + spec_.url) {}
  ~HttpSource() override {
    Stop();
    Join();
  }

  Status Start(const SourceContext& context) override;
  void Stop() override;
  void Join() override;
  bool Finished() const override { return finished_.load(); }
  void Acknowledge(const CheckpointMark& mark) override;

 private:
  void Run();
  // One request and, when it succeeds, its records queued. Non-OK: the poll failed.
  Status Poll(httplib::Client* client);
  // Queues the admitted records of `body`; false when the shutdown was aborted meanwhile.
  bool Deliver(const HttpBody& body, std::string_view header_cursor);
  std::unique_ptr<Chunk> AcquireChunk();
  // Sleeps until `deadline` or Stop(); false when stopped.
  bool WaitUntil(Clock::time_point deadline);
  void ReportError(const Status& error);
  void ReportRecovery();
  Result<std::string> BearerToken() const;
  std::unique_ptr<httplib::Client> MakeClient() const;

  HttpTarget target_;
  std::string mark_key_;
  ChunkQueue* queue_ = nullptr;
  Checkpoints* checkpoints_ = nullptr;
  bool once_ = false;
  const std::atomic<bool>* abort_ = nullptr;
  HttpCursor cursor_;  // the reader thread's: what the next request asks for

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  httplib::Client* active_client_ = nullptr;  // under mu_: Stop() interrupts its request
  std::atomic<bool> stop_flag_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;

  // Error reporting (reader thread only).
  uint64_t polls_failed_ = 0;
  uint64_t consecutive_failures_ = 0;
  uint64_t suppressed_ = 0;
  std::string last_reported_;
  Clock::time_point last_report_time_{};
  uint64_t duplicates_dropped_ = 0;
};

Status HttpSource::Start(const SourceContext& context) {
  queue_ = context.queue;
  checkpoints_ = context.checkpoints;
  once_ = context.once;
  abort_ = context.abort;
  const HttpOptions& http = spec_.http;
  if (!http.bearer_token_file.empty()) {
    Result<std::string> token = BearerToken();
    if (!token.ok()) return token.status();
  }
  if (!http.ca_file.empty() && ::access(http.ca_file.c_str(), R_OK) != 0) {
    return Status::IOError(fmt::format("{}: ca_file '{}'", spec_.url, http.ca_file), errno);
  }
  if (checkpoints_ != nullptr) {
    if (std::optional<CheckpointEntry> saved = checkpoints_->Find(mark_key_)) {
      Result<HttpCursor> cursor = HttpCursor::Decode(saved->cursor);
      if (cursor.ok()) {
        cursor_ = std::move(cursor).value();
      } else {
        cli::Error("{}: {}; starting without a cursor", spec_.url, cursor.status().ToString());
      }
    }
  }
  thread_ = std::thread([this] { Run(); });
  return Status();
}

void HttpSource::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  stop_flag_ = true;
  if (active_client_ != nullptr) active_client_->stop();
  wake_.notify_all();
}

void HttpSource::Join() {
  if (!thread_.joinable()) return;
  thread_.join();
  if (polls_failed_ > 0) {
    cli::Error("{}: {} poll{} failed in all", spec_.url, polls_failed_,
               polls_failed_ == 1 ? "" : "s");
  }
}

void HttpSource::Acknowledge(const CheckpointMark& mark) {
  if (checkpoints_ == nullptr) return;
  CheckpointEntry entry;
  entry.key = mark.key;
  entry.path = spec_.url;
  entry.position = mark.position;
  entry.line = mark.line;
  entry.cursor = mark.cursor;
  entry.updated_ns = Now().ns;
  checkpoints_->Update(entry);
  counters_.last_checkpoint_ns = entry.updated_ns;
}

std::unique_ptr<httplib::Client> HttpSource::MakeClient() const {
  const HttpOptions& http = spec_.http;
  auto client = std::make_unique<httplib::Client>(target_.scheme_host_port);
  auto timeout = std::chrono::nanoseconds(std::max<int64_t>(http.timeout_ns, 1'000'000));
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_follow_location(true);
  client->set_keep_alive(false);
  client->set_decompress(true);
  client->enable_server_certificate_verification(http.tls_verify);
  if (!http.ca_file.empty()) client->set_ca_cert_path(http.ca_file);
  return client;
}

Result<std::string> HttpSource::BearerToken() const {
  const HttpOptions& http = spec_.http;
  if (http.bearer_token_file.empty()) return http.bearer_token;
  // Read at every poll: a token rotated on disk is picked up without a restart.
  Result<std::string> text = cli::ReadSmallFile(http.bearer_token_file);
  if (!text.ok()) return text.status().WithContext("bearer_token_file");
  return std::string(TrimLine(*text));
}

void HttpSource::Run() {
  std::unique_ptr<httplib::Client> client = MakeClient();
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_client_ = client.get();
  }
  const int64_t interval_ns = std::max<int64_t>(spec_.http.interval_ns, 1'000'000);
  const int64_t max_backoff_ns = std::max(spec_.http.max_backoff_ns, interval_ns);
  while (!stop_flag_) {
    Clock::time_point started = Clock::now();
    Status polled = Poll(client.get());
    int64_t wait_ns = interval_ns;
    if (polled.ok()) {
      if (consecutive_failures_ > 0) ReportRecovery();
      consecutive_failures_ = 0;
    } else if (!stop_flag_) {
      ++polls_failed_;
      ++consecutive_failures_;
      ReportError(polled);
      // interval × 2^failures, capped: 1 failure waits 2 intervals, 2 wait 4, …
      wait_ns = interval_ns;
      for (uint64_t i = 0; i < consecutive_failures_ && wait_ns < max_backoff_ns; ++i) {
        wait_ns = std::min(wait_ns * 2, max_backoff_ns);
      }
    }
    if (once_) break;
    if (!WaitUntil(started + std::chrono::nanoseconds(wait_ns))) break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_client_ = nullptr;
  }
  finished_ = true;
}

bool HttpSource::WaitUntil(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_until(lock, deadline, [this] { return stopping_; });
  return !stopping_;
}

Status HttpSource::Poll(httplib::Client* client) {
  const HttpOptions& http = spec_.http;
  httplib::Headers headers;
  for (const auto& [name, value] : http.headers) headers.emplace(name, value);
  if (!headers.count("Accept")) {
    headers.emplace("Accept", "application/json, application/x-ndjson;q=0.9, */*;q=0.1");
  }
  // httplib 0.11 decodes gzip and deflate answers but does not ask for them.
  if (!headers.count("Accept-Encoding")) headers.emplace("Accept-Encoding", "gzip, deflate");
  if (!headers.count("User-Agent")) headers.emplace("User-Agent", "logcollect/" LOGSTREAM_VERSION);
  LS_ASSIGN_OR_RETURN(std::string token, BearerToken());
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);

  std::string path = PathWithCursor(target_, http.cursor_param, cursor_.value());
  std::string body;
  bool too_large = false;
  httplib::Result result = client->Get(
      path, headers, [](const httplib::Response&) { return true; },
      [&](const char* data, size_t size) {
        if (body.size() + size > http.max_body_bytes) {
          too_large = true;
          return false;
        }
        body.append(data, size);
        return true;
      });
  if (stop_flag_) return Status::Unavailable("stopped");
  if (too_large) {
    return Status::ResourceExhausted(
        fmt::format("response body larger than max_body_bytes ({})", http.max_body_bytes));
  }
  if (!result) {
    httplib::Error error = result.error();
    if (error == httplib::Error::SSLServerVerification) {
      long verify = client->get_openssl_verify_result();
      return Status::Unavailable(fmt::format("TLS certificate verification failed: {}",
                                             X509_verify_cert_error_string(verify)));
    }
    return Status::Unavailable(DescribeError(error));
  }
  counters_.last_read_ns = Now().ns;
  counters_.bytes += body.size();
  if (result->status < 200 || result->status > 299) {
    return Status::Unavailable(fmt::format("HTTP {}", result->status));
  }
  LS_ASSIGN_OR_RETURN(HttpBody records, ParseHttpBody(body, http.cursor_field));
  if (records.skipped > 0) {
    cli::Error("{}: {} record{} skipped ({})", spec_.url, records.skipped,
               records.skipped == 1 ? "" : "s", records.first_skip_reason);
    counters_.parse_errors += records.skipped;
  }
  std::string header_cursor;
  if (!http.cursor_header.empty()) {
    header_cursor = result->get_header_value(http.cursor_header.c_str());
  }
  Deliver(records, header_cursor);
  return Status();
}

std::unique_ptr<Chunk> HttpSource::AcquireChunk() {
  // A stop still lets the response in hand through (its cursor moves with its last chunk);
  // only an abort of the shutdown drops it.
  while (abort_ == nullptr || !abort_->load()) {
    std::unique_ptr<Chunk> chunk = queue_->Acquire(std::chrono::milliseconds(100));
    if (chunk) {
      chunk->source = this;
      chunk->input_name = spec_.url;
      chunk->peer_host = target_.host;
      return chunk;
    }
  }
  return nullptr;
}

bool HttpSource::Deliver(const HttpBody& body, std::string_view header_cursor) {
  std::string cursor_before = cursor_.Encode();
  std::unique_ptr<Chunk> chunk;
  cursor_.BeginResponse();
  uint64_t index = 0;
  for (const HttpRecord& record : body.records) {
    ++index;
    std::optional<std::string_view> value;
    if (record.cursor) value = *record.cursor;
    if (!cursor_.Admit(value, record.json)) {
      ++duplicates_dropped_;
      continue;
    }
    if (!chunk && !(chunk = AcquireChunk())) return false;
    chunk->AppendEntry(record.json, index);
    if (chunk->size >= queue_->chunk_bytes()) {
      // Not the last chunk of the poll: no mark, the cursor moves only with the last one.
      queue_->Submit(std::move(chunk));
    }
  }
  cursor_.EndResponse(header_cursor);
  std::string cursor_after = cursor_.Encode();
  if (!chunk && cursor_after == cursor_before) return true;
  if (!chunk && !(chunk = AcquireChunk())) return false;
  chunk->has_mark = true;
  chunk->mark.key = mark_key_;
  chunk->mark.cursor = std::move(cursor_after);
  queue_->Submit(std::move(chunk));
  return true;
}

void HttpSource::ReportError(const Status& error) {
  std::string message(error.message());
  Clock::time_point now = Clock::now();
  if (message == last_reported_ && now - last_report_time_ < kErrorReportInterval) {
    ++suppressed_;
    return;
  }
  if (suppressed_ > 0) {
    cli::Error("{}: {} (and {} more failed poll{} since the last message)", spec_.url, message,
               suppressed_, suppressed_ == 1 ? "" : "s");
  } else {
    cli::Error("{}: {}", spec_.url, message);
  }
  suppressed_ = 0;
  last_reported_ = std::move(message);
  last_report_time_ = now;
}

void HttpSource::ReportRecovery() {
  cli::Error("{}: polled again after {} failed poll{}", spec_.url, consecutive_failures_,
             consecutive_failures_ == 1 ? "" : "s");
  last_reported_.clear();
  suppressed_ = 0;
}

}  // namespace

Result<HttpTarget> ParseHttpTarget(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("'{}': not an http:// or https:// URL", url));
  }
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument(fmt::format("'{}': not an http:// or https:// URL", url));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("'{}': the URL needs a host (and no user:password@, use headers)", url));
  }
  HttpTarget target;
  target.scheme_host_port = fmt::format("{}://{}", scheme, authority);
  std::string_view host = authority;
  if (host.front() == '[') {
    host = host.substr(1, host.find(']') == std::string_view::npos ? host.size() - 1
                                                                     : host.find(']') - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  target.host = std::string(host);
  if (path_start == std::string_view::npos) {
    target.path_and_query = "/";
  } else if (rest[path_start] == '?') {
    target.path_and_query = "/" + std::string(rest.substr(path_start));
  } else {
    target.path_and_query = std::string(rest.substr(path_start));
  }
  size_t fragment = target.path_and_query.find('#');
  if (fragment != std::string::npos) target.path_and_query.resize(fragment);
  return target;
}

std::string PathWithCursor(const HttpTarget& target, std::string_view param,
                           std::string_view value) {
  if (value.empty() || param.empty()) return target.path_and_query;
  char separator = target.path_and_query.find('?') == std::string::npos ? '?' : '&';
  return fmt::format("{}{}{}={}", target.path_and_query, separator, PercentEncode(param),
                     PercentEncode(value));
}

Result<std::unique_ptr<Source>> CreateHttpSource(const SourceSpec& spec) {
  if (spec.kind != SourceKind::kHttp) {
    return Status::Internal(fmt::format("'{}' is not an HTTP source", spec.url));
  }
  LS_ASSIGN_OR_RETURN(HttpTarget target, ParseHttpTarget(spec.url));
  if (!spec.http.bearer_token.empty() && !spec.http.bearer_token_file.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: bearer_token and bearer_token_file are exclusive", spec.url));
  }
  return std::unique_ptr<Source>(new HttpSource(spec, std::move(target)));
}

}  // namespace logstream::logcollect
