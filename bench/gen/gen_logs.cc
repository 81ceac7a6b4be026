// bench/gen/gen_logs.cc -- gen_logs: writes deterministic, realistic LogStream NDJSON records for
// benchmarks. Identical arguments give identical bytes on every platform: the generator uses only
// its own PRNG (splitmix64 + xoshiro256**) and integer arithmetic, never <random> or libm.
//
// The records are canonical (docs/record-format.md): keys in the order timestamp, source, level,
// message, fields; only printable ASCII; the only escape is an occasional \" in a message; numbers
// are integers or decimals with one non-zero fractional digit, so `jq -c .` reprints every line
// byte for byte. bench/README.md lists the distributions that benchmarks rely on.
//
// --format clickhouse writes the same records as ClickHouse JSONEachRow rows for bench/store.sh:
// "timestamp_ms" (an integer, milliseconds since the epoch) replaces "timestamp", and the members
// of "fields" become top-level columns. The PRNG draws are the same in both formats.
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace logstream::bench {
namespace {

constexpr uint64_t kDefaultRecords = 100000;
constexpr uint64_t kDefaultSeed = 42;
constexpr uint64_t kMaxRecords = 1000000000;  // keeps i * (span % n) below 2^64
constexpr int64_t kMsPerDay = 86400000;
constexpr size_t kFlushBytes = 1 << 20;
constexpr int kExitUsage = 64;
constexpr int kExitIoError = 74;

// How a record is written: the canonical NDJSON line, or a flat JSONEachRow row for ClickHouse.
enum class Format : uint8_t { kNdjson, kClickHouse };

// ---------------------------------------------------------------------------------------------
// PRNG: xoshiro256** seeded through splitmix64 (Blackman & Vigna). Fully specified, so the
// stream is the same with every compiler and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(&seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0. Rejection sampling keeps it exactly uniform.
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = Next();
    } while (x >= limit);
    return x % n;
  }

  // Uniform in [lo, hi], lo <= hi.
  uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }

  // True with probability 1/n.
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix64(uint64_t* state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::array<uint64_t, 4> s_;
};

// A choice among items with integer weights; Pick returns an index.
class WeightedChoice {
 public:
  WeightedChoice() = default;
  explicit WeightedChoice(const std::vector<uint32_t>& weights) {
    for (uint32_t w : weights) Add(w);
  }
  void Add(uint32_t weight) {
    total_ += weight;
    cumulative_.push_back(total_);
  }
  bool empty() const { return cumulative_.empty(); }
  size_t Pick(Rng* rng) const {
    const uint64_t r = rng->Below(total_);
    size_t i = 0;
    while (cumulative_[i] <= r) ++i;
    return i;
  }

 private:
  std::vector<uint64_t> cumulative_;
  uint64_t total_ = 0;
};

template <size_t N>
std::string_view PickFrom(const std::array<std::string_view, N>& items, Rng* rng) {
  return items[rng->Below(N)];
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError, kFatal };
constexpr int kLevelCount = 5;
constexpr std::array<std::string_view, kLevelCount> kLevelNames = {"debug", "info", "warn",
                                                                   "error", "fatal"};
// Per mille: debug 15%, info 65%, warn 12%, error 7%, fatal 1%.
const std::vector<uint32_t> kLevelWeights = {150, 650, 120, 70, 10};

// Template families; each source logs with the templates of one group.
enum class Group : uint8_t {
  kHttp, kAuth, kDatabase, kCache, kKernel, kJobs, kPayments, kQueue, kStorage, kMail, kDns,
  kMetrics, kGeneric,  // kGeneric: used when a group has no template for the chosen level
};
constexpr int kGroupCount = 13;

// Field kinds, in the order in which they are written inside "fields".
enum Field : uint32_t {
  kFHost = 1u << 0,      // string: web-03
  kFRegion = 1u << 1,    // string: us-east-1 (fixed per host)
  kFDb = 1u << 2,        // string: database name
  kFJob = 1u << 3,       // string
  kFTopic = 1u << 4,     // string
  kFPartition = 1u << 5, // integer
  kFKey = 1u << 6,       // string: cache key
  kFUser = 1u << 7,      // string
  kFIp = 1u << 8,        // string: client address
  kFMethod = 1u << 9,    // string: GET
  kFPath = 1u << 10,     // string: URL path (and query)
  kFStatus = 1u << 11,   // integer: HTTP status
  kFDuration = 1u << 12, // number: duration_ms, 0.1 ms resolution
  kFBytes = 1u << 13,    // integer
  kFRows = 1u << 14,     // integer
  kFRetries = 1u << 15,  // integer
  kFRequestId = 1u << 16,// string: req-<12 hex>
  kFReq = 1u << 31,      // not a field: add the source's per-request field (bytes or request_id)
};
constexpr int kFieldKinds = 17;

constexpr std::array<std::string_view, kFieldKinds> kFieldNames = {
    "host", "region", "db", "job", "topic", "partition", "key", "user", "ip", "method",
    "path", "status", "duration_ms", "bytes", "rows", "retries", "request_id"};

struct Source {
  std::string_view name;
  Group group;
  uint32_t weight;          // Zipf-like: roughly 300 / rank^1.3
  std::string_view host_prefix;
  int host_count;
  uint32_t request_field;   // what kFReq adds for this source
};

constexpr std::array<Source, 20> kSources = {{
    {"nginx", Group::kHttp, 3000, "web", 8, kFBytes},
    {"api", Group::kHttp, 1900, "api", 6, kFRequestId},
    {"auth", Group::kAuth, 1100, "auth", 3, 0},
    {"database", Group::kDatabase, 800, "db", 0, 0},  // hosts: see HostsFor
    {"cache", Group::kCache, 640, "cache", 4, 0},
    {"kernel", Group::kKernel, 460, "", 0, 0},  // hosts: any machine
    {"scheduler", Group::kJobs, 380, "sched", 2, 0},
    {"payments", Group::kPayments, 330, "pay", 3, 0},
    {"worker", Group::kJobs, 290, "worker", 12, 0},
    {"gateway", Group::kHttp, 240, "gw", 4, kFRequestId},
    {"search", Group::kHttp, 210, "search", 3, kFRequestId},
    {"queue", Group::kQueue, 180, "kafka", 5, 0},
    {"storage", Group::kStorage, 160, "store", 6, 0},
    {"notifications", Group::kMail, 140, "notify", 2, 0},
    {"billing", Group::kPayments, 120, "billing", 2, 0},
    {"cron", Group::kJobs, 110, "cron", 1, 0},
    {"dns", Group::kDns, 95, "dns", 2, 0},
    {"metrics", Group::kMetrics, 85, "prom", 2, 0},
    {"loadbalancer", Group::kHttp, 75, "lb", 2, kFBytes},
    {"mailer", Group::kMail, 65, "mail", 2, 0},
}};

constexpr std::array<std::string_view, 5> kRegions = {"us-east-1", "us-west-2", "eu-west-1",
                                                      "eu-central-1", "ap-southeast-1"};

constexpr std::array<std::string_view, 40> kUsers = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "wendy",
    "admin", "root", "deploy", "jenkins", "svc-backup", "svc-reports", "svc-billing", "guest",
    "jdoe", "asmith", "mgarcia", "lchen", "pnguyen", "rkumar", "tmueller", "ysato", "kowalski",
    "oconnor", "fernandez", "okafor"};

constexpr std::array<std::string_view, 7> kTables = {
    "users", "orders", "order_items", "sessions", "payments", "inventory", "audit_events"};
constexpr std::array<std::string_view, 5> kDatabases = {"shop", "accounts", "inventory",
                                                        "billing", "analytics"};
constexpr std::array<std::string_view, 10> kJobs = {
    "nightly-backup", "send-digest", "reindex-search", "rotate-logs", "sync-inventory",
    "expire-sessions", "compute-invoices", "refresh-cache", "export-reports", "purge-tmp"};
constexpr std::array<std::string_view, 7> kTopics = {
    "orders", "payments", "clicks", "audit-log", "user-events", "inventory-updates",
    "email-outbox"};
constexpr std::array<std::string_view, 12> kErrors = {
    "connection refused", "connection reset by peer", "i/o timeout", "context deadline exceeded",
    "no route to host", "too many open files", "broken pipe", "TLS handshake timeout",
    "certificate has expired", "permission denied", "resource temporarily unavailable",
    "unexpected EOF"};
constexpr std::array<std::string_view, 8> kDomains = {
    "example.com", "api.example.com", "cdn.example.net", "mail.example.org",
    "login.example.com", "static.example.net", "db.internal.example.com", "s3.amazonaws.com"};
constexpr std::array<std::string_view, 8> kProcesses = {
    "java", "postgres", "node", "python3", "redis-server", "nginx", "envoy", "chrome"};
constexpr std::array<std::string_view, 6> kMailKinds = {
    "welcome", "password-reset", "receipt", "weekly-digest", "verification", "shipping-update"};
constexpr std::array<std::string_view, 5> kScopes = {"read", "write", "read write", "admin",
                                                     "openid profile"};
constexpr std::array<std::string_view, 4> kAuthMethods = {"password", "sso", "totp", "api-key"};
constexpr std::array<std::string_view, 5> kCurrencies = {"USD", "EUR", "GBP", "JPY", "CAD"};
constexpr std::array<std::string_view, 6> kConfigKeys = {
    "pool.max_idle", "http.keepalive_s", "cache.ttl_s", "log.sample_rate", "retry.max",
    "gc.interval_s"};
constexpr std::array<std::string_view, 6> kQuoted = {
    "Mozilla/5.0 (X11; Linux x86_64)", "curl/8.1.2", "it worked yesterday",
    "SELECT 1", "out of range", "N/A"};

// ---------------------------------------------------------------------------------------------
// Message templates. {name} is a placeholder (see kVarNames); the same value feeds the message and
// the field of the same meaning (status, duration, user, ...), so the two agree.

enum class Var : uint8_t {
  kIp, kUser, kMethod, kPath, kStatus, kDur, kBytes, kRequestId, kHex, kErr, kN, kPct, kTable,
  kDb, kPeer, kUpstream, kPid, kProc, kKb, kJob, kTopic, kPartition, kOffset, kKey, kRetries,
  kRows, kDomain, kScope, kAuthMethod, kAmount, kCurrency, kObject, kMailKind, kConfigKey,
  kHitMiss, kDisk, kRegion,
};
constexpr std::array<std::string_view, 37> kVarNames = {
    "ip", "user", "method", "path", "status", "dur", "bytes", "rid", "hex", "err", "n", "pct",
    "table", "db", "peer", "upstream", "pid", "proc", "kb", "job", "topic", "part", "offset",
    "key", "retries", "rows", "domain", "scope", "authmethod", "amount", "currency", "object",
    "mailkind", "cfg", "hitmiss", "disk", "region"};

enum TemplateFlag : uint8_t {
  kSlow = 1,  // the duration is above a warning threshold (>= 500 ms)
};

struct Template {
  Group group;
  Level level;
  uint32_t weight;   // among the templates of the same group and level
  uint32_t fields;   // Field bits
  uint16_t status;   // HTTP status to use; 0: chosen from the level
  uint8_t flags;
  const char* text;
};

using G = Group;
using L = Level;
constexpr uint32_t kHttpReq = kFHost | kFMethod | kFPath | kFStatus | kFDuration | kFReq;

// clang-format off
constexpr std::array<Template, 56> kTemplates = {{
  // HTTP servers, proxies and API services.
  {G::kHttp, L::kDebug, 2, kFHost | kFMethod | kFPath | kFReq, 0, 0,
   "routing {method} {path} to upstream {upstream}"},
  {G::kHttp, L::kDebug, 1, kFHost | kFPath | kFDuration, 0, 0,
   "response cache {hitmiss} for {path} ({dur} ms)"},
  {G::kHttp, L::kInfo, 7, kHttpReq, 0, 0,
   "{method} {path} {status} {bytes}B in {dur}ms"},
  {G::kHttp, L::kInfo, 2, kFHost | kFIp | kFMethod | kFPath | kFStatus, 0, 0,
   "{ip} - {user} {method} {path} HTTP/1.1 {status} {bytes}"},
  {G::kHttp, L::kInfo, 2, kFHost | kFStatus | kFDuration | kFRequestId, 0, 0,
   "request completed request_id={rid} status={status} duration={dur}ms"},
  {G::kHttp, L::kWarn, 4, kFHost | kFMethod | kFPath | kFStatus | kFReq, 0, 0,
   "client error {status} for {method} {path} from {ip}"},
  {G::kHttp, L::kWarn, 1, kFHost | kFIp | kFStatus | kFRetries, 429, 0,
   "rate limit exceeded for {ip}: {n}00 requests in 60s, rejecting with {status}"},
  {G::kHttp, L::kError, 3, kHttpReq, 0, 0,
   "upstream {upstream} returned {status} for {method} {path} after {dur}ms"},
  {G::kHttp, L::kError, 2, kFHost | kFIp | kFMethod | kFPath | kFStatus | kFDuration, 504, kSlow,
   "upstream timed out (110: Connection timed out) while reading response header from upstream, "
   "client: {ip}, request: {method} {path}"},
  {G::kHttp, L::kFatal, 1, kFHost | kFRegion, 0, 0,
   "worker process {pid} exited on signal 11 (core dumped)"},

  // Authentication.
  {G::kAuth, L::kDebug, 1, kFHost | kFUser, 0, 0,
   "session {hex} refreshed for {user}"},
  {G::kAuth, L::kInfo, 3, kFHost | kFRegion | kFUser | kFIp, 0, 0,
   "user {user} logged in from {ip} via {authmethod}"},
  {G::kAuth, L::kInfo, 2, kFHost | kFUser | kFRequestId, 0, 0,
   "issued access token for {user} (scope={scope}, ttl=3600s)"},
  {G::kAuth, L::kWarn, 3, kFHost | kFRegion | kFUser | kFIp | kFRetries, 0, 0,
   "failed login attempt for {user} from {ip} ({retries} failures in 5m)"},
  {G::kAuth, L::kWarn, 1, kFHost | kFUser, 0, 0,
   "password for {user} expires in {n} days"},
  {G::kAuth, L::kError, 1, kFHost | kFUser | kFDuration, 0, kSlow,
   "LDAP bind failed for {user} after {dur}ms: {err}"},
  {G::kAuth, L::kFatal, 1, kFHost | kFRegion, 0, 0,
   "cannot load signing key /etc/auth/keys/{hex}.pem: permission denied"},

  // Database servers.
  {G::kDatabase, L::kDebug, 1, kFHost | kFDb, 0, 0,
   "query plan for {table}: Index Scan using {table}_pkey (cost=0.42..{n}.44)"},
  {G::kDatabase, L::kInfo, 4, kFHost | kFRegion | kFDb | kFDuration | kFRows, 0, 0,
   "query on {table} completed in {dur}ms, {rows} rows"},
  {G::kDatabase, L::kInfo, 1, kFHost | kFDuration, 0, 0,
   "checkpoint complete: wrote {n} buffers ({pct}%), total={dur} ms"},
  {G::kDatabase, L::kWarn, 3, kFHost | kFDb | kFDuration | kFRows, 0, kSlow,
   "slow query on {table} took {dur}ms: SELECT * FROM {table} WHERE id = {n}"},
  {G::kDatabase, L::kWarn, 1, kFHost | kFRegion, 0, 0,
   "replication lag on {peer} is {n}s"},
  {G::kDatabase, L::kError, 2, kFHost | kFDb | kFRetries, 0, 0,
   "connection to {peer}:5432 failed: {err}"},
  {G::kDatabase, L::kError, 1, kFHost | kFDb | kFDuration, 0, 0,
   "deadlock detected on {table}, transaction {hex} rolled back"},
  {G::kDatabase, L::kFatal, 1, kFHost | kFDb, 0, 0,
   "PANIC: could not write to file pg_wal/000000010000{hex}: No space left on device"},

  // Caches.
  {G::kCache, L::kDebug, 1, kFHost | kFKey | kFDuration, 0, 0,
   "GET {key} {hitmiss} in {dur}ms"},
  {G::kCache, L::kInfo, 2, kFHost | kFRegion | kFBytes, 0, 0,
   "evicted {n} keys under maxmemory policy allkeys-lru ({bytes} bytes freed)"},
  {G::kCache, L::kInfo, 1, kFHost | kFIp, 0, 0,
   "accepted connection from {ip}, {n} clients connected"},
  {G::kCache, L::kWarn, 1, kFHost | kFRegion, 0, 0,
   "memory usage at {pct}% of maxmemory"},
  {G::kCache, L::kError, 1, kFHost | kFKey | kFDuration | kFRetries, 0, kSlow,
   "command GET {key} timed out after {dur}ms"},

  // Kernel messages from any machine.
  {G::kKernel, L::kInfo, 1, kFHost | kFRegion, 0, 0,
   "eth0: link up, 10000 Mbps, full duplex, flow control rx/tx"},
  {G::kKernel, L::kInfo, 1, kFHost | kFRegion, 0, 0,
   "EXT4-fs (nvme0n1p{n}): mounted filesystem with ordered data mode"},
  {G::kKernel, L::kWarn, 1, kFHost | kFRegion, 0, 0,
   "CPU{n}: Core temperature above threshold, cpu clock throttled"},
  {G::kKernel, L::kError, 1, kFHost | kFRegion | kFBytes, 0, 0,
   "Out of memory: Killed process {pid} ({proc}) total-vm:{kb}kB"},
  {G::kKernel, L::kFatal, 1, kFHost | kFRegion, 0, 0,
   "Kernel panic - not syncing: Fatal exception in interrupt"},

  // Job schedulers and workers.
  {G::kJobs, L::kDebug, 1, kFHost | kFJob, 0, 0,
   "polling queue {topic}: {n} jobs ready"},
  {G::kJobs, L::kInfo, 1, kFHost | kFJob, 0, 0,
   "job {job} started (run {hex})"},
  {G::kJobs, L::kInfo, 1, kFHost | kFJob | kFDuration, 0, 0,
   "job {job} finished in {dur}ms"},
  {G::kJobs, L::kWarn, 1, kFHost | kFJob | kFRetries, 0, 0,
   "job {job} retrying in {n}s (attempt {retries}/5)"},
  {G::kJobs, L::kError, 1, kFHost | kFRegion | kFJob | kFDuration | kFRetries, 0, 0,
   "job {job} failed after {dur}ms: {err}"},

  // Payment processing.
  {G::kPayments, L::kDebug, 1, kFHost | kFRequestId, 0, 0,
   "fraud score for {rid}: 0.{n}"},
  {G::kPayments, L::kInfo, 1, kFHost | kFUser | kFDuration | kFRequestId, 0, 0,
   "charge ch_{hex} succeeded for {user}: {amount} {currency}"},
  {G::kPayments, L::kWarn, 1, kFHost | kFUser | kFRequestId, 0, 0,
   "card declined for {user}: insufficient_funds ({amount} {currency})"},
  {G::kPayments, L::kError, 1,
   kFHost | kFRegion | kFUser | kFDuration | kFRetries | kFRequestId, 0, 0,
   "payment provider error for {rid}: {err}"},
  {G::kPayments, L::kFatal, 1, kFHost | kFRegion, 0, 0,
   "ledger imbalance detected in batch {hex}: refusing to continue"},

  // Message queues.
  {G::kQueue, L::kDebug, 1, kFHost | kFTopic | kFPartition, 0, 0,
   "fetched {n} messages from {topic}-{part} at offset {offset}"},
  {G::kQueue, L::kInfo, 1, kFHost | kFTopic | kFPartition | kFBytes, 0, 0,
   "produced batch of {n} messages to {topic}-{part} ({bytes} bytes)"},
  {G::kQueue, L::kWarn, 1, kFHost | kFTopic | kFPartition, 0, 0,
   "consumer group {job} lagging on {topic}-{part} by {offset} messages"},
  {G::kQueue, L::kError, 1, kFHost | kFTopic | kFPartition | kFRetries, 0, 0,
   "leader not available for {topic}-{part}, retrying"},

  // Object storage.
  {G::kStorage, L::kInfo, 1, kFHost | kFRegion | kFPath | kFBytes | kFDuration, 0, 0,
   "uploaded {object} ({bytes} bytes) in {dur}ms"},
  {G::kStorage, L::kWarn, 1, kFHost | kFRegion, 0, 0,
   "disk /dev/sd{disk} at {pct}% capacity"},
  {G::kStorage, L::kError, 1, kFHost | kFPath | kFRetries, 0, 0,
   "PUT {object} failed: {err}"},

  // E-mail and notifications.
  {G::kMail, L::kInfo, 1, kFHost | kFUser | kFRequestId, 0, 0,
   "sent {mailkind} email to {user}@example.com (message id {hex})"},
  {G::kMail, L::kError, 1, kFHost | kFUser | kFRetries | kFRequestId, 0, 0,
   "failed to deliver notification {rid} to {user}: {err}"},

  // DNS resolvers and metrics scrapers.
  {G::kDns, L::kInfo, 1, kFHost | kFDuration, 0, 0,
   "resolved {domain} A in {dur}ms"},
  {G::kMetrics, L::kInfo, 1, kFHost | kFRegion | kFDuration, 0, 0,
   "scraped {n} targets in {dur}ms"},
}};

// Fallbacks for a group without a template of the chosen level.
constexpr std::array<Template, 5> kGenericTemplates = {{
  {G::kGeneric, L::kDebug, 1, kFHost | kFRegion, 0, 0,
   "config {cfg} = {n} (reloaded from /etc/app/config.yaml)"},
  {G::kGeneric, L::kInfo, 1, kFHost | kFDuration, 0, 0,
   "health check passed in {dur}ms"},
  {G::kGeneric, L::kWarn, 1, kFHost | kFRetries, 0, 0,
   "retrying connection to {peer} in {n}00ms: {err}"},
  {G::kGeneric, L::kError, 1, kFHost | kFRequestId, 0, 0,
   "unexpected error while handling {rid}: {err}"},
  {G::kGeneric, L::kFatal, 1, kFHost | kFRegion, 0, 0,
   "fatal: {err}; shutting down"},
}};
// clang-format on

// A std::array with too few initializers would silently hold empty templates.
constexpr bool AllTemplatesFilled() {
  for (const Template& t : kTemplates) {
    if (t.text == nullptr) return false;
  }
  for (const Template& t : kGenericTemplates) {
    if (t.text == nullptr) return false;
  }
  return true;
}
static_assert(AllTemplatesFilled(), "kTemplates or kGenericTemplates has too few entries");

// Rare words appended to a message, at fixed rates, so searches have known, small answers.
// The k-th needle is spelled kNeedleSpellings[k % 5], so a case-insensitive search finds all of
// them and an exact one finds 3 in 5.
struct RareWord {
  uint64_t one_in;
  std::string_view text;  // empty: the needle
};
constexpr std::array<RareWord, 4> kRareWords = {{
    {100000, ""},
    {100000, "NEEDLE7f3abc"},  // near miss: contains, but is not, the word NEEDLE7f3a
    {10000, "QUOKKA"},
    {1000, "zephyr"},
}};
constexpr std::array<std::string_view, 5> kNeedleSpellings = {
    "NEEDLE7f3a", "needle7f3a", "NEEDLE7f3a", "NEEDLE7F3A", "NEEDLE7f3a"};

// ---------------------------------------------------------------------------------------------
// Compiled templates.

struct Segment {
  std::string_view literal;  // written first
  int var;                   // then this placeholder, or -1
};

struct CompiledTemplate {
  const Template* tmpl;
  std::vector<Segment> segments;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "gen_logs: internal error: %s\n", what);
  std::abort();
}

CompiledTemplate Compile(const Template& t) {
  CompiledTemplate c{&t, {}};
  std::string_view text = t.text;
  while (!text.empty()) {
    size_t open = text.find('{');
    if (open == std::string_view::npos) {
      c.segments.push_back({text, -1});
      break;
    }
    size_t close = text.find('}', open);
    if (close == std::string_view::npos) Die("unclosed placeholder");
    std::string_view name = text.substr(open + 1, close - open - 1);
    int var = -1;
    for (size_t i = 0; i < kVarNames.size(); ++i) {
      if (kVarNames[i] == name) var = static_cast<int>(i);
    }
    if (var < 0) Die("unknown placeholder");
    c.segments.push_back({text.substr(0, open), var});
    text.remove_prefix(close + 1);
  }
  return c;
}

int FieldCount(uint32_t mask) {
  int n = 0;
  for (int i = 0; i < kFieldKinds; ++i) n += (mask >> i) & 1;
  return n;
}

struct Host {
  std::string name;
  std::string_view region;
};

// Everything derived from the tables once, before the first record.
struct Model {
  WeightedChoice sources;
  WeightedChoice levels{kLevelWeights};
  std::array<std::vector<Host>, kSources.size()> hosts;
  std::vector<Host> all_hosts;  // kernel messages come from every machine
  std::vector<CompiledTemplate> templates;
  // For each group and level: the templates to choose from and their weights.
  std::array<std::array<std::vector<size_t>, kLevelCount>, kGroupCount> by_group_level;
  std::array<std::array<WeightedChoice, kLevelCount>, kGroupCount> choice;
};

std::string TwoDigits(int n) {
  std::string s(2, '0');
  s[0] = static_cast<char>('0' + n / 10 % 10);
  s[1] = static_cast<char>('0' + n % 10);
  return s;
}

void BuildModel(Model* m) {
  size_t machine = 0;
  auto add_host = [&](size_t source, std::string name) {
    Host h{std::move(name), kRegions[machine++ % kRegions.size()]};
    m->hosts[source].push_back(h);
    m->all_hosts.push_back(h);
  };
  for (size_t s = 0; s < kSources.size(); ++s) {
    const Source& src = kSources[s];
    m->sources.Add(src.weight);
    if (src.name == "database") {
      // The primary takes the writes, so it logs as much as the three replicas together.
      for (int i = 0; i < 3; ++i) add_host(s, "db-primary-01");
      machine -= 2;
      for (int i = 1; i <= 3; ++i) add_host(s, "db-replica-" + TwoDigits(i));
      // The primary's copies share one region.
      for (int i = 1; i < 3; ++i) m->hosts[s][i].region = m->hosts[s][0].region;
    }
    for (int i = 1; i <= src.host_count; ++i) {
      add_host(s, std::string(src.host_prefix) + "-" + TwoDigits(i));
    }
  }
  auto add_template = [&](const Template& t) {
    int fields = FieldCount(t.fields);
    if (t.fields & kFReq) ++fields;
    if (fields < 2 || fields > 6) Die("a template must give 2 to 6 fields");
    size_t index = m->templates.size();
    m->templates.push_back(Compile(t));
    int g = static_cast<int>(t.group);
    int l = static_cast<int>(t.level);
    m->by_group_level[g][l].push_back(index);
    m->choice[g][l].Add(t.weight);
  };
  for (const Template& t : kTemplates) add_template(t);
  for (const Template& t : kGenericTemplates) add_template(t);
  for (int l = 0; l < kLevelCount; ++l) {
    if (m->choice[static_cast<int>(Group::kGeneric)][l].empty()) Die("generic level missing");
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting.

class Writer {
 public:
  explicit Writer(FILE* out) : out_(out) { buf_.reserve(kFlushBytes + 4096); }

  std::string& buf() { return buf_; }

  bool MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : true; }

  bool Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size()) {
      return false;
    }
    buf_.clear();
    return true;
  }

 private:
  FILE* out_;
  std::string buf_;
};

void AppendUint(std::string* s, uint64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  s->append(tmp, r.ptr);
}

void AppendInt(std::string* s, int64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  s->append(tmp, r.ptr);
}

void AppendPadded(std::string* s, uint64_t v, int width) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  for (int pad = width - static_cast<int>(r.ptr - tmp); pad > 0; --pad) s->push_back('0');
  s->append(tmp, r.ptr);
}

// A duration held in tenths of a millisecond: "12.5", or "12" when the tenths digit is zero,
// which is how jq prints the number.
void AppendTenths(std::string* s, uint64_t tenths) {
  AppendUint(s, tenths / 10);
  if (tenths % 10 != 0) {
    s->push_back('.');
    s->push_back(static_cast<char>('0' + tenths % 10));
  }
}

void AppendHex(std::string* s, uint64_t v, int digits) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) s->push_back(kHexDigits[(v >> (4 * i)) & 0xf]);
}

// Days since 1970-01-01 to a civil date, and back (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// Milliseconds since the epoch as 2025-05-13T00:01:15.123Z. Caches the date part.
class TimestampFormatter {
 public:
  void Append(std::string* s, int64_t ms) {
    int64_t day = ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
    if (day != cached_day_) {
      int64_t y;
      unsigned m, d;
      CivilFromDays(day, &y, &m, &d);
      date_.clear();
      AppendPadded(&date_, static_cast<uint64_t>(y), 4);
      date_.push_back('-');
      AppendPadded(&date_, m, 2);
      date_.push_back('-');
      AppendPadded(&date_, d, 2);
      date_.push_back('T');
      cached_day_ = day;
    }
    int64_t in_day = ms - day * kMsPerDay;
    s->append(date_);
    AppendPadded(s, static_cast<uint64_t>(in_day / 3600000), 2);
    s->push_back(':');
    AppendPadded(s, static_cast<uint64_t>(in_day / 60000 % 60), 2);
    s->push_back(':');
    AppendPadded(s, static_cast<uint64_t>(in_day / 1000 % 60), 2);
    s->push_back('.');
    AppendPadded(s, static_cast<uint64_t>(in_day % 1000), 3);
    s->push_back('Z');
  }

 private:
  int64_t cached_day_ = INT64_MIN;
  std::string date_;
};

// ---------------------------------------------------------------------------------------------
// One record.

// The values shared by a record's message and fields, drawn before either is written.
struct RecordValues {
  const Host* host;
  std::string_view user, method, db, job, topic, key_prefix;
  std::string path, key;
  uint64_t ip, status, dur_tenths, bytes, rows, retries, partition, request_id;
};

std::string_view PickMethod(Rng* rng) {
  static const WeightedChoice kChoice({70, 18, 5, 3, 2, 2});
  static constexpr std::array<std::string_view, 6> kMethods = {"GET",    "POST",  "PUT",
                                                               "DELETE", "PATCH", "HEAD"};
  return kMethods[kChoice.Pick(rng)];
}

std::string PickPath(Rng* rng) {
  std::string p;
  switch (rng->Below(16)) {
    case 0: p = "/api/v1/users/"; AppendUint(&p, rng->Between(1, 99999)); break;
    case 1: p = "/api/v1/orders/"; AppendUint(&p, rng->Between(100000, 999999)); break;
    case 2:
      p = "/api/v1/orders/";
      AppendUint(&p, rng->Between(100000, 999999));
      p += "/items";
      break;
    case 3: p = "/api/v2/search?q="; p += PickFrom(kUsers, rng); break;
    case 4: p = "/static/js/app."; AppendHex(&p, rng->Next(), 8); p += ".js"; break;
    case 5: p = "/static/css/main."; AppendHex(&p, rng->Next(), 8); p += ".css"; break;
    case 6: p = "/healthz"; break;
    case 7: p = "/login"; break;
    case 8: p = "/api/v1/carts/"; AppendUint(&p, rng->Between(1, 99999)); p += "/checkout";
            break;
    case 9: p = "/images/products/"; AppendUint(&p, rng->Between(1000, 9999)); p += ".jpg";
            break;
    case 10: p = "/api/v1/sessions"; break;
    case 11: p = "/metrics"; break;
    case 12: p = "/api/v1/payments/"; AppendUint(&p, rng->Between(100000, 999999));
             p += "/refund"; break;
    case 13: p = "/admin/reports/2025-"; AppendPadded(&p, rng->Between(1, 12), 2); break;
    case 14: p = "/api/v1/products?page="; AppendUint(&p, rng->Between(1, 50)); break;
    default: p = "/"; break;
  }
  return p;
}

uint64_t PickStatus(Level level, Rng* rng) {
  static constexpr std::array<uint64_t, 6> kOk = {200, 201, 204, 301, 302, 304};
  static const WeightedChoice kOkChoice({80, 6, 4, 2, 3, 5});
  static constexpr std::array<uint64_t, 7> kClient = {400, 401, 403, 404, 409, 422, 429};
  static const WeightedChoice kClientChoice({15, 15, 10, 45, 5, 5, 5});
  static constexpr std::array<uint64_t, 4> kServer = {500, 502, 503, 504};
  static const WeightedChoice kServerChoice({40, 30, 20, 10});
  switch (level) {
    case Level::kWarn: return kClient[kClientChoice.Pick(rng)];
    case Level::kError:
    case Level::kFatal: return kServer[kServerChoice.Pick(rng)];
    default: return kOk[kOkChoice.Pick(rng)];
  }
}

// Roughly log-normal, in tenths of a millisecond, from integer buckets.
uint64_t PickDurationTenths(bool slow, Rng* rng) {
  static const WeightedChoice kBuckets({55, 30, 12, 3});
  static constexpr std::array<uint64_t, 5> kEdges = {1, 200, 2000, 20000, 300000};
  if (slow) return rng->Between(5000, 300000);
  size_t b = kBuckets.Pick(rng);
  return rng->Between(kEdges[b], kEdges[b + 1] - 1);
}

uint64_t PickBytes(Rng* rng) {
  static const WeightedChoice kBuckets({40, 40, 18, 2});
  static constexpr std::array<uint64_t, 5> kEdges = {0, 2048, 65536, 5000000, 200000000};
  size_t b = kBuckets.Pick(rng);
  return rng->Between(kEdges[b], kEdges[b + 1] - 1);
}

uint64_t PickIp(Rng* rng) {
  uint64_t r = rng->Below(10);
  uint64_t a, b;
  if (r < 6) {
    a = 10; b = rng->Below(8);
  } else if (r < 7) {
    a = 172; b = rng->Between(16, 31);
  } else {
    static constexpr std::array<uint64_t, 6> kPublic = {203, 198, 192, 81, 45, 91};
    a = kPublic[rng->Below(kPublic.size())]; b = rng->Below(256);
  }
  return a << 24 | b << 16 | rng->Below(256) << 8 | rng->Between(1, 254);
}

void AppendIp(std::string* s, uint64_t ip) {
  for (int i = 3; i >= 0; --i) {
    AppendUint(s, (ip >> (8 * i)) & 0xff);
    if (i > 0) s->push_back('.');
  }
}

void AppendRequestId(std::string* s, uint64_t id) {
  s->append("req-");
  AppendHex(s, id, 12);
}

class Generator {
 public:
  Generator(const Model& model, uint64_t seed) : m_(model), rng_(seed) {}

  // Appends one record line for time `ms`.
  void Append(std::string* out, int64_t ms, Format format);

 private:
  void DrawValues(const Source& src, size_t source_index, const Template& t);
  void AppendVar(std::string* s, Var var);
  void AppendFields(std::string* s, uint32_t mask);

  const Model& m_;
  Rng rng_;
  TimestampFormatter ts_;
  RecordValues v_;
  std::string message_;
  uint64_t needles_ = 0;
};

void Generator::DrawValues(const Source& src, size_t source_index, const Template& t) {
  const std::vector<Host>& hosts = src.group == Group::kKernel ? m_.all_hosts
                                                               : m_.hosts[source_index];
  v_.host = &hosts[rng_.Below(hosts.size())];
  v_.user = PickFrom(kUsers, &rng_);
  v_.method = PickMethod(&rng_);
  v_.path = src.group == Group::kStorage ? std::string() : PickPath(&rng_);
  if (src.group == Group::kStorage) {
    v_.path = "s3://";
    v_.path += PickFrom(kDatabases, &rng_);
    v_.path += "-backups/";
    v_.path += PickFrom(kTables, &rng_);
    v_.path += "/part-";
    AppendPadded(&v_.path, rng_.Below(100000), 5);
    v_.path += ".parquet";
  }
  v_.status = t.status != 0 ? t.status : PickStatus(t.level, &rng_);
  v_.dur_tenths = PickDurationTenths((t.flags & kSlow) != 0, &rng_);
  v_.bytes = PickBytes(&rng_);
  v_.rows = rng_.OneIn(4) ? 0 : rng_.Between(1, rng_.OneIn(10) ? 1000000 : 500);
  v_.retries = t.level >= Level::kWarn ? rng_.Between(1, 5) : 0;
  v_.db = PickFrom(kDatabases, &rng_);
  v_.job = PickFrom(kJobs, &rng_);
  v_.topic = PickFrom(kTopics, &rng_);
  v_.partition = rng_.Below(12);
  v_.key.clear();
  switch (rng_.Below(4)) {
    case 0: v_.key = "user:"; AppendUint(&v_.key, rng_.Between(1, 99999));
            v_.key += ":profile"; break;
    case 1: v_.key = "session:"; AppendHex(&v_.key, rng_.Next(), 12); break;
    case 2: v_.key = "cart:"; AppendUint(&v_.key, rng_.Between(1, 99999)); break;
    default: v_.key = "product:"; AppendUint(&v_.key, rng_.Between(1000, 9999)); break;
  }
  v_.ip = PickIp(&rng_);
  v_.request_id = rng_.Next();
}

void Generator::AppendVar(std::string* s, Var var) {
  switch (var) {
    case Var::kIp: AppendIp(s, v_.ip); break;
    case Var::kUser: s->append(v_.user); break;
    case Var::kMethod: s->append(v_.method); break;
    case Var::kPath: s->append(v_.path); break;
    case Var::kStatus: AppendUint(s, v_.status); break;
    case Var::kDur: AppendTenths(s, v_.dur_tenths); break;
    case Var::kBytes: AppendUint(s, v_.bytes); break;
    case Var::kRequestId: AppendRequestId(s, v_.request_id); break;
    case Var::kHex: AppendHex(s, rng_.Next(), 8); break;
    case Var::kErr: s->append(PickFrom(kErrors, &rng_)); break;
    case Var::kN: AppendUint(s, rng_.Between(2, 99)); break;
    case Var::kPct: AppendUint(s, rng_.Between(75, 99)); break;
    case Var::kTable: s->append(PickFrom(kTables, &rng_)); break;
    case Var::kDb: s->append(v_.db); break;
    case Var::kPeer: {
      const Host& peer = m_.all_hosts[rng_.Below(m_.all_hosts.size())];
      s->append(peer.name);
      break;
    }
    case Var::kUpstream:
      s->append("10.0.");
      AppendUint(s, rng_.Below(16));
      s->push_back('.');
      AppendUint(s, rng_.Between(2, 250));
      s->append(rng_.OneIn(2) ? ":8080" : ":9000");
      break;
    case Var::kPid: AppendUint(s, rng_.Between(300, 65000)); break;
    case Var::kProc: s->append(PickFrom(kProcesses, &rng_)); break;
    case Var::kKb: AppendUint(s, v_.bytes / 1024); break;
    case Var::kJob: s->append(v_.job); break;
    case Var::kTopic: s->append(v_.topic); break;
    case Var::kPartition: AppendUint(s, v_.partition); break;
    case Var::kOffset: AppendUint(s, rng_.Between(1000, 99999999)); break;
    case Var::kKey: s->append(v_.key); break;
    case Var::kRetries: AppendUint(s, v_.retries); break;
    case Var::kRows: AppendUint(s, v_.rows); break;
    case Var::kDomain: s->append(PickFrom(kDomains, &rng_)); break;
    case Var::kScope: s->append(PickFrom(kScopes, &rng_)); break;
    case Var::kAuthMethod: s->append(PickFrom(kAuthMethods, &rng_)); break;
    case Var::kAmount:
      AppendUint(s, rng_.Between(1, 999));
      s->push_back('.');
      AppendPadded(s, rng_.Below(100), 2);
      break;
    case Var::kCurrency: s->append(PickFrom(kCurrencies, &rng_)); break;
    case Var::kObject: s->append(v_.path); break;
    case Var::kMailKind: s->append(PickFrom(kMailKinds, &rng_)); break;
    case Var::kConfigKey: s->append(PickFrom(kConfigKeys, &rng_)); break;
    case Var::kHitMiss: s->append(rng_.Below(10) < 7 ? "hit" : "miss"); break;
    case Var::kDisk: s->push_back(static_cast<char>('a' + rng_.Below(6))); break;
    case Var::kRegion: s->append(v_.host->region); break;
  }
}

void Generator::AppendFields(std::string* s, uint32_t mask) {
  bool first = true;
  for (int i = 0; i < kFieldKinds; ++i) {
    uint32_t bit = 1u << i;
    if (!(mask & bit)) continue;
    if (!first) s->push_back(',');
    first = false;
    s->push_back('"');
    s->append(kFieldNames[i]);
    s->append("\":");
    auto str = [s](std::string_view v) {
      s->push_back('"');
      s->append(v);
      s->push_back('"');
    };
    switch (bit) {
      case kFHost: str(v_.host->name); break;
      case kFRegion: str(v_.host->region); break;
      case kFDb: str(v_.db); break;
      case kFJob: str(v_.job); break;
      case kFTopic: str(v_.topic); break;
      case kFPartition: AppendUint(s, v_.partition); break;
      case kFKey: str(v_.key); break;
      case kFUser: str(v_.user); break;
      case kFIp: s->push_back('"'); AppendIp(s, v_.ip); s->push_back('"'); break;
      case kFMethod: str(v_.method); break;
      case kFPath: str(v_.path); break;
      case kFStatus: AppendUint(s, v_.status); break;
      case kFDuration: AppendTenths(s, v_.dur_tenths); break;
      case kFBytes: AppendUint(s, v_.bytes); break;
      case kFRows: AppendUint(s, v_.rows); break;
      case kFRetries: AppendUint(s, v_.retries); break;
      case kFRequestId:
        s->push_back('"');
        AppendRequestId(s, v_.request_id);
        s->push_back('"');
        break;
      default: Die("unknown field");
    }
  }
}

void Generator::Append(std::string* out, int64_t ms, Format format) {
  size_t source_index = m_.sources.Pick(&rng_);
  const Source& src = kSources[source_index];
  int level = static_cast<int>(m_.levels.Pick(&rng_));
  int group = static_cast<int>(src.group);
  if (m_.choice[group][level].empty()) group = static_cast<int>(Group::kGeneric);
  size_t ti = m_.by_group_level[group][level][m_.choice[group][level].Pick(&rng_)];
  const CompiledTemplate& ct = m_.templates[ti];
  const Template& t = *ct.tmpl;

  DrawValues(src, source_index, t);

  message_.clear();
  for (const Segment& seg : ct.segments) {
    message_.append(seg.literal);
    if (seg.var >= 0) AppendVar(&message_, static_cast<Var>(seg.var));
  }
  // One message in 1000 quotes something, the only JSON escape in the output.
  if (rng_.OneIn(1000)) {
    message_.append(" (detail: \\\"");
    message_.append(PickFrom(kQuoted, &rng_));
    message_.append("\\\")");
  }
  for (const RareWord& w : kRareWords) {
    if (rng_.OneIn(w.one_in)) {
      message_.append(" marker ");
      message_.append(w.text.empty() ? kNeedleSpellings[needles_++ % kNeedleSpellings.size()]
                                     : w.text);
    }
  }

  if (format == Format::kClickHouse) {
    // A flat row: the timestamp as an integer (ClickHouse 18.16 has no DateTime64, and its
    // DateTime drops the milliseconds), the fields as columns. Absent fields are left out, and
    // JSONEachRow gives their columns the default (NULL for a Nullable column).
    out->append("{\"timestamp_ms\":");
    AppendInt(out, ms);
    out->append(",\"source\":\"");
  } else {
    out->append("{\"timestamp\":\"");
    ts_.Append(out, ms);
    out->append("\",\"source\":\"");
  }
  out->append(src.name);
  out->append("\",\"level\":\"");
  out->append(kLevelNames[level]);
  out->append("\",\"message\":\"");
  out->append(message_);
  out->append(format == Format::kClickHouse ? "\"," : "\",\"fields\":{");
  uint32_t mask = t.fields;
  if (mask & kFReq) mask = (mask & ~static_cast<uint32_t>(kFReq)) | src.request_field;
  if (format == Format::kClickHouse && mask == 0) out->pop_back();  // no field: drop the comma
  AppendFields(out, mask);
  out->append(format == Format::kClickHouse ? "}\n" : "}}\n");
}

// ---------------------------------------------------------------------------------------------
// Command line.

struct Options {
  uint64_t records = kDefaultRecords;
  uint64_t seed = kDefaultSeed;
  int64_t start_ms = DaysFromCivil(2025, 5, 13) * kMsPerDay;  // 2025-05-13T00:00:00Z
  int64_t span_ms = 3 * kMsPerDay;
  Format format = Format::kNdjson;
};

constexpr char kUsage[] =
    "Usage: gen_logs [--records N] [--seed S] [--start RFC3339] [--days D]\n"
    "                [--format ndjson|clickhouse]\n"
    "Write N deterministic LogStream NDJSON records to standard output.\n"
    "\n"
    "  --records N      number of records (default 100000)\n"
    "  --seed S         PRNG seed, an unsigned integer (default 42)\n"
    "  --start TIME     first timestamp, e.g. 2025-05-13T00:00:00Z (the default)\n"
    "  --days D         spread the records over D days, may be fractional (default 3)\n"
    "  --format F       ndjson: canonical LogStream records (the default);\n"
    "                   clickhouse: the same records as flat ClickHouse JSONEachRow rows:\n"
    "                   \"timestamp_ms\" (integer milliseconds since the epoch) replaces\n"
    "                   \"timestamp\", and the members of \"fields\" become top-level\n"
    "                   keys (absent fields are left out)\n"
    "  --help           print this help\n"
    "\n"
    "The same arguments always produce the same bytes. A summary goes to standard error.\n";

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) to milliseconds since the epoch.
bool ParseRfc3339(std::string_view s, int64_t* ms) {
  int64_t y, mo, d, h, mi, sec;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !ParseDigits(s, 11, 2, &h) || s[13] != ':' || !ParseDigits(s, 14, 2, &mi) ||
      s[16] != ':' || !ParseDigits(s, 17, 2, &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  size_t pos = 19;
  int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 3; ++i) frac_ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh, om;
    if (!ParseDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &om)) {
      return false;
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  *ms = days * kMsPerDay + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + frac_ms;
  return true;
}

// Parses a non-negative decimal such as 3 or 0.25 into milliseconds of days, exactly.
bool ParseDays(std::string_view s, int64_t* span_ms) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return false;
  if (whole.size() > 6 || frac.size() > 7) return false;
  int64_t w = 0, f = 0;
  if (!whole.empty() && !ParseDigits(whole, 0, whole.size(), &w)) return false;
  if (!frac.empty() && !ParseDigits(frac, 0, frac.size(), &f)) return false;
  if (dot != std::string_view::npos && frac.empty()) return false;
  int64_t scale = 1;
  for (size_t i = 0; i < frac.size(); ++i) scale *= 10;
  *span_ms = w * kMsPerDay + f * kMsPerDay / scale;
  return *span_ms > 0;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "gen_logs: %s\nTry 'gen_logs --help' for more information.\n",
               message.c_str());
  return kExitUsage;
}

// Returns -1 to go on, or an exit code.
int ParseArgs(int argc, char** argv, Options* opt) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::string_view name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (name != "--records" && name != "--seed" && name != "--start" && name != "--days" &&
        name != "--format") {
      return UsageError("unrecognized option '" + std::string(arg) + "'");
    }
    if (!has_value) {
      if (i + 1 >= argc) return UsageError("option '" + std::string(name) + "' needs a value");
      value = argv[++i];
    }
    const std::string bad = "invalid value for " + std::string(name) + ": '" +
                            std::string(value) + "'";
    if (name == "--records") {
      if (!ParseUint(value, &opt->records) || opt->records > kMaxRecords) return UsageError(bad);
    } else if (name == "--seed") {
      if (!ParseUint(value, &opt->seed)) return UsageError(bad);
    } else if (name == "--start") {
      if (!ParseRfc3339(value, &opt->start_ms)) return UsageError(bad);
    } else if (name == "--format") {
      if (value == "ndjson") {
        opt->format = Format::kNdjson;
      } else if (value == "clickhouse") {
        opt->format = Format::kClickHouse;
      } else {
        return UsageError(bad + " (expected ndjson or clickhouse)");
      }
    } else if (!ParseDays(value, &opt->span_ms)) {
      return UsageError(bad);
    }
  }
  return -1;
}

int Run(const Options& opt) {
  Model model;
  BuildModel(&model);
  Generator gen(model, opt.seed);
  // Timestamps draw from their own stream, so --start and --days leave the contents unchanged.
  Rng time_rng(opt.seed ^ 0x7469'6d65'7374'616dULL);
  Writer writer(stdout);
  // Record i lands in its own slot [floor(i*span/n), floor((i+1)*span/n)) at a random offset,
  // so the timestamps never decrease and cover the whole span.
  const uint64_t n = opt.records;
  const uint64_t span = static_cast<uint64_t>(opt.span_ms);
  const uint64_t q = n ? span / n : 0, r = n ? span % n : 0;
  auto slot_start = [&](uint64_t i) { return i * q + i * r / n; };
  uint64_t total_bytes = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t lo = slot_start(i), hi = slot_start(i + 1);
    uint64_t offset = hi > lo ? lo + time_rng.Below(hi - lo) : lo;
    std::string& buf = writer.buf();
    size_t before = buf.size();
    gen.Append(&buf, opt.start_ms + static_cast<int64_t>(offset), opt.format);
    total_bytes += buf.size() - before;
    if (!writer.MaybeFlush()) break;
  }
  if (!writer.Flush() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "gen_logs: error writing 'standard output': %s\n", std::strerror(errno));
    return kExitIoError;
  }
  uint64_t avg_tenths = n ? (total_bytes * 10 + n / 2) / n : 0;
  std::fprintf(stderr, "gen_logs: %llu records, avg %llu.%llu bytes\n",
               static_cast<unsigned long long>(n), static_cast<unsigned long long>(avg_tenths / 10),
               static_cast<unsigned long long>(avg_tenths % 10));
  return 0;
}

}  // namespace
}  // namespace logstream::bench

int main(int argc, char** argv) {
  logstream::bench::Options options;
  int rc = logstream::bench::ParseArgs(argc, argv, &options);
  if (rc >= 0) return rc;
  return logstream::bench::Run(options);
}
