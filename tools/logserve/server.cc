// tools/logserve/server.cc -- See server.h. Endpoints: docs/rest-api.md.
#include "tools/logserve/server.h"

#include <dirent.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <httplib.h>

#include "common/cli.h"
#include "common/engine/store_follower.h"
#include "common/json_writer.h"
#include "common/query/query.h"
#include "tools/logserve/ingest.h"
#include "tools/logserve/query_api.h"

namespace logstream::logserve {
namespace {

enum class Route {
  kLogs,
  kBatch,
  kQuery,
  kAnalyze,
  kSources,
  kStats,
  kHealth,
  kTail,
  kMetrics,
};

struct Endpoint {
  std::string_view path;
  Route route;
  std::string_view allow;  // the methods it answers, for Allow
  bool open;               // answered without a token even when tokens are configured
  bool writes;             // POST needs a write token
};

constexpr Endpoint kEndpoints[] = {
    {"/api/v1/logs", Route::kLogs, "GET, HEAD, POST", false, true},
    {"/api/v1/logs/batch", Route::kBatch, "POST", false, true},
    {"/api/v1/query", Route::kQuery, "POST", false, false},
    {"/api/v1/query/analyze", Route::kAnalyze, "POST", false, false},
    {"/api/v1/logs/sources", Route::kSources, "GET, HEAD", false, false},
    {"/api/v1/logs/stats", Route::kStats, "GET, HEAD", false, false},
    {"/api/v1/health", Route::kHealth, "GET, HEAD", true, false},
    {"/api/v1/tail", Route::kTail, "GET", false, false},
    {"/metrics", Route::kMetrics, "GET, HEAD", true, false},
};

const Endpoint* FindEndpoint(std::string_view path) {
  // A trailing slash names the same endpoint.
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const Endpoint& endpoint : kEndpoints) {
    if (endpoint.path == path) return &endpoint;
  }
  return nullptr;
}

// The method as a metric label: one of the methods HTTP defines, else "other", so that a
// client cannot grow the label set.
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

bool Allows(const Endpoint& endpoint, std::string_view method) {
  if (method == "HEAD") method = "GET";  // answered as GET, without the body
  size_t at = endpoint.allow.find(method);
  return at != std::string_view::npos;
}

// The media type of a Content-Type or Accept item, lowercased, without parameters.
std::string MediaType(std::string_view value) {
  size_t semicolon = value.find(';');
  if (semicolon != std::string_view::npos) value = value.substr(0, semicolon);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  std::string out(value);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Accepts(const httplib::Request& req, std::string_view media_type) {
  std::string accept = req.get_header_value("Accept");
  size_t at = 0;
  while (at <= accept.size()) {
    size_t comma = accept.find(',', at);
    if (comma == std::string::npos) comma = accept.size();
    if (MediaType(std::string_view(accept).substr(at, comma - at)) == media_type) return true;
    at = comma + 1;
  }
  return false;
}

bool IsNdjsonType(const std::string& type) {
  return type == "application/x-ndjson" || type == "application/ndjson" ||
         type == "application/jsonl" || type == "application/json-seq";
}

// Compares without an early exit, so that the time taken does not tell how much matched.
bool SameSecret(std::string_view given, std::string_view secret) {
  if (given.size() != secret.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ secret[i]);
  }
  return diff == 0;
}

// A connection's peer as cpp-httplib names it in Request::remote_addr and remote_port.
using Peer = std::pair<std::string, int>;

bool PeerOf(int fd, Peer* peer) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, port,
                    sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  *peer = Peer(host, std::atoi(port));
  return true;
}

int LocalPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return -1;
}

// At shutdown: ends the reading side of every connection to `port` that is not inside a
// request. cpp-httplib waits on an idle keep-alive connection for the whole keep-alive
// timeout before it notices the server stopping; with the reading side shut it sees the end
// at once. A live tail only writes, and goes on until it sees the stop itself.
void ShutIdleConnections(int port, const std::multiset<Peer>& busy) {
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (const dirent* entry = ::readdir(fds)) {
    int fd = std::atoi(entry->d_name);
    struct stat info{};
    if (fd <= 2 || fd == ::dirfd(fds) || ::fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
    Peer peer;
    if (LocalPort(fd) != port || !PeerOf(fd, &peer) || busy.count(peer) > 0) continue;
    ::shutdown(fd, SHUT_RD);
  }
  ::closedir(fds);
}

void Send(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

struct ApiServer::Impl {
  Impl(const Options& options_in, StoreService* store_in, ServerMetrics* metrics_in,
       ResultCache* cache_in)
      : options(options_in),
        store(store_in),
        metrics(metrics_in),
        cache(cache_in),
        api(store_in, options_in, [metrics_in](double seconds) { metrics_in->QueryDuration(seconds); }),
        max_tails(std::max(1u, options_in.threads / 2)) {}

  void Install();
  // Routes a request while it is counted as busy (see Stop()).
  void Dispatch(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader);
  void Handle(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader* reader);
  // 401/403 when tokens are configured and the request may not do this; else true.
  bool Authorized(const httplib::Request& req, httplib::Response& res, const Endpoint& endpoint);
  void Ingest(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader, BodyKind kind);
  // Reads the body within --max-body; false with the error sent otherwise.
  bool ReadBody(const httplib::ContentReader& reader, httplib::Response& res, std::string* body);
  // Reads and drops the body of a request answered without it, so that its bytes are not
  // taken for the next request on the connection.
  void Discard(const httplib::ContentReader* reader);
  void Tail(const httplib::Request& req, httplib::Response& res);
  // Answers from the cache when it can; otherwise computes, sends and keeps the answer.
  void Cached(const std::string& key, httplib::Response& res, const std::function<ApiReply()>& compute);
  void Health(httplib::Response& res);

  const Options& options;
  StoreService* store;
  ServerMetrics* metrics;
  ResultCache* cache;
  QueryApi api;
  std::unique_ptr<httplib::Server> http;
  std::atomic<bool> stopping{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;  // wakes live tails at Stop()
  std::atomic<unsigned> tails{0};
  const unsigned max_tails;
  int listen_fd = -1;  // the listening socket, once created
  int port = 0;        // once bound
  std::mutex busy_mu;
  std::multiset<Peer> busy;  // the connections inside Dispatch()
};

void ApiServer::Impl::Install() {
  httplib::Server& s = *http;
  const unsigned threads = options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(options.max_body_bytes);
  s.set_read_timeout(std::chrono::nanoseconds(options.read_timeout_ns));
  s.set_write_timeout(std::chrono::nanoseconds(options.write_timeout_ns));
  s.set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(options.keep_alive_ns / 1'000'000'000)));
  s.set_keep_alive_max_count(1000);
  s.set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, with which a second
  // server on the same port starts quietly and takes half the connections.
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });

  auto plain = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, res, nullptr); };
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) { Dispatch(req, res, &reader); };
  // One pattern per method: the routing by path is Dispatch()'s.
  s.Get(".*", plain);
  s.Options(".*", plain);
  s.Post(".*", with_body);
  s.Put(".*", with_body);
  s.Patch(".*", with_body);
  s.Delete(".*", with_body);

  // Errors cpp-httplib answers itself (a bad request line, a body over the limit by its
  // Content-Length) get a JSON body too.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message;
    switch (res.status) {
      case 413: message = "request body too large"; break;
      case 414: message = "request URI too long"; break;
      case 415: message = "unsupported content encoding"; break;
      default: message = fmt::format("HTTP status {}", res.status); break;
    }
    res.set_content(ErrorReply(res.status, message).body, "application/json");
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string message = "internal error";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message = fmt::format("internal error: {}", e.what());
    } catch (...) {
    }
    Send(res, ErrorReply(500, message));
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const Endpoint* endpoint = FindEndpoint(req.path);
    metrics->Request(endpoint != nullptr ? endpoint->path : "other", MethodLabel(req.method),
                     res.status);
    if (options.log_requests) {
      cli::Error("{} \"{} {}\" {} {}", req.remote_addr, req.method, req.target, res.status,
                 res.body.size());
    }
  });
}

bool ApiServer::Impl::Authorized(const httplib::Request& req, httplib::Response& res,
                                 const Endpoint& endpoint) {
  if (options.tokens.empty() || endpoint.open) return true;
  std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const Token* found = nullptr;
  if (header.size() > kBearer.size() && std::string_view(header).substr(0, kBearer.size()) == kBearer) {
    std::string_view given = std::string_view(header).substr(kBearer.size());
    for (const Token& token : options.tokens) {
      if (SameSecret(given, token.secret)) found = &token;
    }
  }
  const bool write = endpoint.writes && req.method == "POST";
  if (found == nullptr) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"logstream\"");
    Send(res, ErrorReply(401, "missing or invalid bearer token"));
    if (write) metrics->IngestError("unauthorized");
    return false;
  }
  if (write && !found->write) {
    Send(res, ErrorReply(403, "this token may only read"));
    metrics->IngestError("unauthorized");
    return false;
  }
  return true;
}

// A body is read to its end even when it is refused, up to this many times --max-body of
// decoded bytes: past that, the rest is left unread and the connection's framing is lost.
constexpr uint64_t kDrainFactor = 4;

void ApiServer::Impl::Discard(const httplib::ContentReader* reader) {
  if (reader == nullptr) return;
  uint64_t seen = 0;
  const uint64_t cap = kDrainFactor * options.max_body_bytes;
  (*reader)([&](const char*, size_t size) {
    seen += size;
    return seen <= cap;
  });
}

bool ApiServer::Impl::ReadBody(const httplib::ContentReader& reader, httplib::Response& res,
                               std::string* body) {
  bool too_large = false;
  uint64_t seen = 0;
  const uint64_t limit = options.max_body_bytes;
  // The limit is checked on the decoded bytes: a small gzip body can decode to gigabytes.
  // Past it the rest is read and dropped (to a point), so the connection stays usable.
  bool read = reader([&](const char* data, size_t size) {
    seen += size;
    if (seen > limit) {
      too_large = true;
      body->clear();
      return seen <= kDrainFactor * limit;
    }
    body->append(data, size);
    return true;
  });
  if (read && !too_large) return true;
  if (!read) res.set_header("Connection", "close");
  if (too_large || res.status == 413) {
    metrics->IngestError("too_large");
    Send(res, ErrorReply(413, fmt::format("request body too large (limit {} bytes)", limit)));
  } else {
    metrics->IngestError("invalid_json");
    Send(res, ErrorReply(400, "cannot read the request body (bad encoding or framing)"));
  }
  return false;
}

void ApiServer::Impl::Ingest(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader, BodyKind kind) {
  std::string type = MediaType(req.get_header_value("Content-Type"));
  const bool single = kind == BodyKind::kObject;
  if (!type.empty() && type != "application/json" && (single || !IsNdjsonType(type))) {
    Discard(&reader);
    metrics->IngestError("unsupported_media_type");
    Send(res, ErrorReply(415, fmt::format("unsupported Content-Type '{}': send application/json{}",
                                          type, single ? "" : " (an array) or application/x-ndjson")));
    return;
  }
  if (!single && IsNdjsonType(type)) kind = BodyKind::kNdjson;
  std::string body;
  if (!ReadBody(reader, res, &body)) return;
  const size_t size = body.size();
  body.append(kParsePadding, '\0');
  thread_local RecordParser parser;
  PreparedBatch batch;
  BodyError error;
  if (!PrepareBatch(std::string_view(body).substr(0, size), kind, options.max_record_bytes, &parser,
                    &batch, &error)) {
    metrics->IngestError(error.reason);
    ApiReply reply = ErrorReply(400, error.message);
    if (error.index >= 0) {
      reply.body.pop_back();
      reply.body += fmt::format(",\"index\":{}}}", error.index);
    }
    Send(res, reply);
    return;
  }
  if (Status stored = store->Store(batch.view()); !stored.ok()) {
    metrics->IngestError("store_unavailable");
    Send(res, ErrorReply(503, stored.message()));
    return;
  }
  for (const auto& [source, count] : batch.by_source) metrics->Received(source, count);
  metrics->Processed(batch.count);
  ApiReply reply;
  reply.body = single ? "{\"status\":\"ok\"}" : fmt::format("{{\"status\":\"ok\",\"count\":\"{}\"}}", batch.count);
  Send(res, reply);
}

void ApiServer::Impl::Cached(const std::string& key, httplib::Response& res,
                             const std::function<ApiReply()>& compute) {
  // The version is read before computing: an answer computed while the store changed is
  // filed under the older version, and not found again.
  const auto started = std::chrono::steady_clock::now();
  const uint64_t version = store->version();
  if (std::optional<CachedAnswer> hit = cache->Find(key, version)) {
    res.status = 200;
    res.set_content(std::move(hit->body), hit->content_type.c_str());
    // A query answered, if quickly: it belongs in the duration histogram too.
    metrics->QueryDuration(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return;
  }
  ApiReply reply = compute();
  if (reply.status == 200) cache->Put(key, version, CachedAnswer{reply.body, reply.content_type});
  Send(res, reply);
}

void ApiServer::Impl::Health(httplib::Response& res) {
  Status health = store->health();
  ApiReply reply;
  if (health.ok()) {
    reply.body = fmt::format("{{\"status\":\"ok\",\"version\":\"{}\"}}", LOGSTREAM_VERSION);
  } else {
    reply.status = 503;
    reply.body = fmt::format("{{\"status\":\"unavailable\",\"version\":\"{}\",\"error\":", LOGSTREAM_VERSION);
    AppendJsonString(health.message(), &reply.body);
    reply.body += "}";
  }
  Send(res, reply);
}

void ApiServer::Impl::Tail(const httplib::Request& req, httplib::Response& res) {
  Result<std::string> text = ComposeQuery(FilterFromParams(req.params));
  Result<query::Query> compiled = text.ok() ? query::Query::Compile(*text) : Result<query::Query>(text.status());
  if (!compiled.ok()) {
    Send(res, ErrorReplyFor(compiled.status()));
    return;
  }
  for (const auto& [key, value] : req.params) {
    if (key != "q" && key != "query" && key != "source" && key != "level") {
      Send(res, ErrorReply(400, fmt::format("unknown parameter '{}'", key)));
      return;
    }
  }
  if (tails.fetch_add(1) >= max_tails) {
    tails.fetch_sub(1);
    Send(res, ErrorReply(503, fmt::format("too many live tails (at most {}: half of --threads)", max_tails)));
    return;
  }
  metrics->TailClients(1);
  engine::RecordSearch search;
  search.scan.query = *compiled;
  search.scan.jobs = 1;
  search.render = [](const Record& record, std::string* out) { AppendRecord(record, out); };
  auto follower = std::make_shared<engine::StoreFollower>(store->dir(), search);
  Result<std::shared_ptr<const store::StoreSnapshot>> start = store->Snapshot();
  Status started = start.ok() ? follower->Start(**start) : start.status();
  if (!started.ok()) {
    tails.fetch_sub(1);
    metrics->TailClients(-1);
    Send(res, ErrorReply(503, started.message()));
    return;
  }
  const bool events = Accepts(req, "text/event-stream");
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      events ? "text/event-stream" : "application/x-ndjson",
      [this, follower, events](size_t, httplib::DataSink& sink) {
        if (stopping.load()) {
          sink.done();
          return true;
        }
        bool more = true;
        Status polled = follower->Poll(
            [&](std::string_view records) {
              if (!events) return sink.write(records.data(), records.size());
              std::string framed;
              size_t at = 0;
              while (at < records.size()) {
                size_t end = records.find('\n', at);
                framed += "data: ";
                framed.append(records.substr(at, end - at));
                framed += "\n\n";
                at = end + 1;
              }
              return sink.write(framed.data(), framed.size());
            },
            &more);
        if (!polled.ok() || !more || !sink.is_writable()) return false;
        std::unique_lock<std::mutex> lock(stop_mu);
        stop_cv.wait_for(lock, std::chrono::nanoseconds(options.tail_poll_ns),
                         [this] { return stopping.load(); });
        return true;
      },
      [this](bool) {
        tails.fetch_sub(1);
        metrics->TailClients(-1);
      });
}

void ApiServer::Impl::Dispatch(const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader* reader) {
  const Peer peer(req.remote_addr, req.remote_port);
  {
    std::lock_guard<std::mutex> lock(busy_mu);
    busy.insert(peer);
  }
  Handle(req, res, reader);
  std::lock_guard<std::mutex> lock(busy_mu);
  busy.erase(busy.find(peer));
}

void ApiServer::Impl::Handle(const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader* reader) {
  const Endpoint* endpoint = FindEndpoint(req.path);
  if (endpoint == nullptr) {
    Discard(reader);
    Send(res, ErrorReply(404, fmt::format("no such endpoint: {}", req.path)));
    return;
  }
  if (!Allows(*endpoint, req.method)) {
    Discard(reader);
    res.set_header("Allow", std::string(endpoint->allow));
    Send(res, ErrorReply(405, fmt::format("method {} not allowed on {}", req.method, endpoint->path)));
    return;
  }
  if (!Authorized(req, res, *endpoint)) {
    Discard(reader);
    return;
  }
  const bool ndjson = Accepts(req, "application/x-ndjson");
  auto json_body = [&](std::string* body) {
    std::string type = MediaType(req.get_header_value("Content-Type"));
    if (!type.empty() && type != "application/json") {
      Discard(reader);
      Send(res, ErrorReply(415, fmt::format("unsupported Content-Type '{}': send application/json", type)));
      return false;
    }
    if (!ReadBody(*reader, res, body)) return false;
    body->reserve(body->size() + simdjson::SIMDJSON_PADDING);
    return true;
  };
  std::string body;
  switch (endpoint->route) {
    case Route::kLogs:
      if (req.method == "POST") {
        Ingest(req, res, *reader, BodyKind::kObject);
      } else {
        Cached(fmt::format("GET {} {}", ndjson, req.target), res,
               [&] { return api.GetLogs(req.params, ndjson); });
      }
      return;
    case Route::kBatch: Ingest(req, res, *reader, BodyKind::kArray); return;
    case Route::kQuery:
      if (json_body(&body)) {
        Cached(fmt::format("QUERY {} {}", ndjson, body), res, [&] { return api.PostQuery(body, ndjson); });
      }
      return;
    case Route::kAnalyze:
      if (json_body(&body)) {
        Cached("ANALYZE " + body, res, [&] { return api.Analyze(body); });
      }
      return;
    case Route::kSources: Send(res, api.Sources()); return;
    case Route::kStats: Send(res, api.Stats()); return;
    case Route::kHealth: Health(res); return;
    case Route::kTail: Tail(req, res); return;
    case Route::kMetrics:
      res.set_content(metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
      return;
  }
}

Result<std::unique_ptr<ApiServer>> ApiServer::Create(const Options& options, StoreService* store,
                                                     ServerMetrics* metrics, ResultCache* cache) {
  auto impl = std::make_unique<Impl>(options, store, metrics, cache);
  if (!options.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!tls->is_valid()) {
      return Status::InvalidArgument(fmt::format(
          "cannot load the TLS certificate '{}' and key '{}' (PEM files, the key unencrypted)",
          options.tls_cert, options.tls_key));
    }
    impl->http = std::move(tls);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  impl->Install();
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() = default;

Result<int> ApiServer::Bind() {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http->bind_to_any_port(impl_->options.host);
    if (port < 0) port = 0;
  } else if (!impl_->http->bind_to_port(impl_->options.host, port)) {
    port = 0;
  }
  if (port == 0) {
    return Status::Unavailable(fmt::format("cannot listen on {}:{}: {}", impl_->options.host,
                                           impl_->options.port, std::strerror(errno)));
  }
  // cpp-httplib listens with a backlog of 5: a burst of new connections would wait for
  // SYN retries. listen(2) again on the same socket only raises the backlog.
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, SOMAXCONN);
  impl_->port = port;
  return port;
}

void ApiServer::Run() { impl_->http->listen_after_bind(); }

void ApiServer::Stop() {
  impl_->stopping.store(true);
  impl_->stop_cv.notify_all();
  impl_->http->stop();
  std::lock_guard<std::mutex> lock(impl_->busy_mu);
  ShutIdleConnections(impl_->port, impl_->busy);
}

}  // namespace logstream::logserve
