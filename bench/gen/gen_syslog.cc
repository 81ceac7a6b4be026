// bench/gen/gen_syslog.cc -- gen_syslog: writes deterministic RFC 3164 lines as /var/log/syslog
// has them (`Nov  5 08:01:02 web-03 sshd[20417]: Accepted publickey for ...`), for
// bench/collect.sh. Like gen_logs it uses only its own PRNG (splitmix64 + xoshiro256**) and
// integer arithmetic, so the same arguments give the same bytes on every platform.
//
// Every line is `TIMESTAMP HOST TAG: MESSAGE`: TIMESTAMP is `Mmm dd hh:mm:ss` (day padded with a
// space), never decreasing; TAG is `app[pid]` or a bare `app` (kernel, sudo, rsyslogd, ...);
// MESSAGE is printable ASCII of 40 to 200 bytes, some with '"' and '\' (JSON escapes), some with
// level words (error, warning, failed). bench/README.md describes the distributions.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace logstream::bench {
namespace {

constexpr uint64_t kDefaultLines = 100000;
constexpr uint64_t kDefaultSeed = 42;
constexpr uint64_t kMaxLines = 1000000000;
constexpr uint64_t kMaxDays = 300;  // the dates stay within one (year-less) year
constexpr size_t kFlushBytes = 1 << 20;
constexpr size_t kMinMessage = 40;
constexpr size_t kMaxMessage = 200;
constexpr int kExitUsage = 64;
constexpr int kExitIoError = 74;

// xoshiro256** seeded through splitmix64 (Blackman & Vigna), as in gen_logs.cc.
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
  // Uniform in [0, n), n > 0, exactly (rejection sampling).
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = Next();
    } while (x >= limit);
    return x % n;
  }
  uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
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

template <size_t N>
std::string_view PickFrom(const std::array<std::string_view, N>& items, Rng* rng) {
  return items[rng->Below(N)];
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<int, 12> kMonthDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
constexpr int kStartMonth = 10;  // November (0-based): the first line is `Nov  5 00:00:00`
constexpr int kStartDay = 5;

constexpr std::array<std::string_view, 16> kHosts = {
    "web-01", "web-02", "web-03", "web-04", "api-01", "api-02", "db-primary-01", "db-replica-01",
    "cache-01", "worker-01", "worker-02", "bastion", "mx1", "ns1", "ip-10-0-3-17",
    "build-runner-7"};

constexpr std::array<std::string_view, 24> kUsers = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "admin", "root", "deploy", "jenkins", "ubuntu", "git", "postgres", "backup", "oracle",
    "test", "guest", "ansible", "svc-reports", "www-data"};

constexpr std::array<std::string_view, 8> kCronCommands = {
    "command -v debian-sa1 > /dev/null && debian-sa1 1 1",
    "cd / && run-parts --report /etc/cron.hourly",
    "/usr/local/bin/backup.sh --incremental >/var/log/backup.log 2>&1",
    "[ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean",
    "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
    "/usr/bin/certbot renew --quiet",
    "flock -n /tmp/sync.lock /opt/app/bin/sync --all",
    "/opt/app/bin/rotate-reports \"/srv/reports/daily report\""};

constexpr std::array<std::string_view, 10> kUnits = {
    "nginx.service", "ssh.service", "cron.service", "docker.service", "postgresql@15-main.service",
    "logrotate.service", "apt-daily.service", "man-db.service", "fstrim.service",
    "certbot.service"};

constexpr std::array<std::string_view, 8> kUnitDescriptions = {
    "Daily apt download activities", "Rotate log files", "Daily man-db regeneration",
    "Discard unused blocks on filesystems", "Certbot", "Clean php session files",
    "Message of the Day", "Refresh fwupd metadata and update motd"};

constexpr std::array<std::string_view, 6> kDockerMessages = {
    "ignoring event", "Container failed to exit within 10s of signal 15 - using the force",
    "cleaning up dead shim", "Layer sha256:9b1f2c0d already exists", "Loading containers: done.",
    "error getting events from daemon: context canceled"};

constexpr std::array<std::string_view, 6> kProcesses = {"java", "python3", "node", "postgres",
                                                        "chrome", "ruby"};

// How a tag carries a process id.
enum class Pid : uint8_t {
  kNone,    // `kernel:`, `sudo:`: no [pid]
  kOne,     // `systemd[1]:`
  kStable,  // a daemon: the same pid for each host
  kFresh,   // a process per event (sshd, CRON)
};

enum class App : uint8_t {
  kSshd, kCron, kKernel, kSystemd, kLogind, kSudo, kPostfixSmtpd, kPostfixQmgr, kDhclient,
  kDockerd, kChronyd, kRsyslogd, kNginx,
};

struct AppInfo {
  App app;
  std::string_view tag;
  Pid pid;
  uint32_t weight;  // per mille
};

constexpr std::array<AppInfo, 13> kApps = {{
    {App::kSshd, "sshd", Pid::kFresh, 220},
    {App::kCron, "CRON", Pid::kFresh, 150},
    {App::kKernel, "kernel", Pid::kNone, 130},
    {App::kSystemd, "systemd", Pid::kOne, 120},
    {App::kLogind, "systemd-logind", Pid::kStable, 60},
    {App::kSudo, "sudo", Pid::kNone, 50},
    {App::kPostfixSmtpd, "postfix/smtpd", Pid::kFresh, 50},
    {App::kPostfixQmgr, "postfix/qmgr", Pid::kStable, 30},
    {App::kDhclient, "dhclient", Pid::kStable, 30},
    {App::kDockerd, "dockerd", Pid::kStable, 70},
    {App::kChronyd, "chronyd", Pid::kStable, 30},
    {App::kRsyslogd, "rsyslogd", Pid::kNone, 10},
    {App::kNginx, "nginx", Pid::kNone, 50},
}};

// ---------------------------------------------------------------------------------------------
// Writing numbers without printf (whose output could depend on the locale).

void AppendUint(std::string* s, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s->append(buf, r.ptr);
}

void AppendPadded(std::string* s, uint64_t v, int width, char pad) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  for (int n = static_cast<int>(r.ptr - buf); n < width; ++n) s->push_back(pad);
  s->append(buf, r.ptr);
}

void AppendHex(std::string* s, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) s->push_back(kHex[(v >> (4 * i)) & 15]);
}

void AppendIp(std::string* s, Rng* rng) {
  // Public-looking client addresses from the documentation ranges, and private ones.
  static constexpr std::array<std::string_view, 4> kNets = {"203.0.113.", "198.51.100.",
                                                            "192.0.2.", "10.0.3."};
  s->append(PickFrom(kNets, rng));
  AppendUint(s, rng->Between(1, 254));
}

// `Mmm dd hh:mm:ss` for `second` seconds after the start.
void AppendTimestamp(std::string* s, uint64_t second) {
  uint64_t day = second / 86400;
  const uint64_t in_day = second % 86400;
  int month = kStartMonth;
  day += kStartDay - 1;
  while (day >= static_cast<uint64_t>(kMonthDays[month])) {
    day -= kMonthDays[month];
    month = (month + 1) % 12;
  }
  s->append(kMonths[month]);
  s->push_back(' ');
  AppendPadded(s, day + 1, 2, ' ');
  s->push_back(' ');
  AppendPadded(s, in_day / 3600, 2, '0');
  s->push_back(':');
  AppendPadded(s, in_day / 60 % 60, 2, '0');
  s->push_back(':');
  AppendPadded(s, in_day % 60, 2, '0');
}

// ---------------------------------------------------------------------------------------------
// Messages.

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // Appends one line (with its newline) for `second` seconds after the start.
  void Append(std::string* out, uint64_t second) {
    const size_t host = rng_.Below(kHosts.size());
    const AppInfo& app = PickApp();
    out->reserve(out->size() + 512);
    AppendTimestamp(out, second);
    out->push_back(' ');
    out->append(kHosts[host]);
    out->push_back(' ');
    out->append(app.tag);
    switch (app.pid) {
      case Pid::kNone: break;
      case Pid::kOne: out->append("[1]"); break;
      case Pid::kStable:
        out->push_back('[');
        AppendUint(out, 300 + (host * 7919 + static_cast<size_t>(app.app) * 104729) % 3000);
        out->push_back(']');
        break;
      case Pid::kFresh:
        out->push_back('[');
        AppendUint(out, rng_.Between(1000, 65000));
        out->push_back(']');
        break;
    }
    out->append(": ");
    message_.clear();
    AppendMessage(app.app, host);
    // Keep the stated bounds: a short message gets a trace id, a long one is cut.
    if (message_.size() < kMinMessage) {
      message_.append(" trace=");
      do {
        AppendHex(&message_, rng_.Next(), 8);
      } while (message_.size() < kMinMessage);
    }
    if (message_.size() > kMaxMessage) message_.resize(kMaxMessage);
    min_message_ = std::min(min_message_, message_.size());
    max_message_ = std::max(max_message_, message_.size());
    out->append(message_);
    out->push_back('\n');
  }

  size_t min_message() const { return min_message_; }
  size_t max_message() const { return max_message_; }

 private:
  const AppInfo& PickApp() {
    uint64_t r = rng_.Below(1000);
    for (const AppInfo& a : kApps) {
      if (r < a.weight) return a;
      r -= a.weight;
    }
    return kApps[0];
  }

  void Port() { AppendUint(&message_, rng_.Between(1024, 65535)); }
  void User() { message_.append(PickFrom(kUsers, &rng_)); }
  void Ip() { AppendIp(&message_, &rng_); }
  void Add(std::string_view s) { message_.append(s); }
  void Num(uint64_t lo, uint64_t hi) { AppendUint(&message_, rng_.Between(lo, hi)); }
  // `[ 1234.567890] `: the kernel's uptime stamp.
  void Uptime() {
    Add("[");
    AppendPadded(&message_, rng_.Between(1, 9999999), 5, ' ');
    Add(".");
    AppendPadded(&message_, rng_.Below(1000000), 6, '0');
    Add("] ");
  }

  void AppendMessage(App app, size_t host) {
    Rng& r = rng_;
    switch (app) {
      case App::kSshd:
        switch (r.Below(8)) {
          case 0: case 1:
            Add("Accepted publickey for "); User(); Add(" from "); Ip(); Add(" port "); Port();
            Add(" ssh2: ED25519 SHA256:");
            for (int i = 0; i < 4; ++i) AppendHex(&message_, r.Next(), 11);
            break;
          case 2:
            Add("Failed password for invalid user "); User(); Add(" from "); Ip(); Add(" port ");
            Port(); Add(" ssh2");
            break;
          case 3:
            Add("Connection closed by authenticating user "); User(); Add(" "); Ip();
            Add(" port "); Port(); Add(" [preauth]");
            break;
          case 4:
            Add("pam_unix(sshd:session): session opened for user "); User(); Add("(uid=");
            Num(1000, 1100); Add(") by (uid=0)");
            break;
          case 5:
            Add("Received disconnect from "); Ip(); Add(" port "); Port();
            Add(":11: disconnected by user");
            break;
          case 6:
            Add("error: kex_exchange_identification: Connection closed by remote host from ");
            Ip(); Add(" port "); Port();
            break;
          default:
            Add("Invalid user "); User(); Add(" from "); Ip(); Add(" port "); Port();
            break;
        }
        break;
      case App::kCron:
        switch (r.Below(3)) {
          case 0: Add("(root) CMD ("); Add(PickFrom(kCronCommands, &r)); Add(")"); break;
          case 1: Add("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"); break;
          default: Add("pam_unix(cron:session): session closed for user root"); break;
        }
        break;
      case App::kKernel:
        Uptime();
        switch (r.Below(6)) {
          case 0: case 1:
            Add("[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:");
            AppendHex(&message_, r.Next(), 6); Add(":fe:ff:ff:ff:ff:08:00 SRC="); Ip(); Add(" DST=10.0.3."); Num(1, 254);
            Add(" LEN="); Num(40, 1500); Add(" TTL="); Num(30, 255); Add(" PROTO=TCP SPT=");
            Port(); Add(" DPT="); Num(1, 1024); Add(" SYN");
            break;
          case 2:
            Add("EXT4-fs (nvme0n1p"); Num(1, 3);
            Add("): mounted filesystem with ordered data mode. Quota mode: none.");
            break;
          case 3:
            Add("Out of memory: Killed process "); Num(1000, 65000); Add(" (");
            Add(PickFrom(kProcesses, &r)); Add(") total-vm:"); Num(100000, 9999999);
            Add("kB, anon-rss:"); Num(10000, 999999); Add("kB, file-rss:0kB, shmem-rss:0kB, UID:");
            Num(0, 1100); Add(" pgtables:"); Num(100, 9999); Add("kB oom_score_adj:0");
            break;
          case 4:
            Add("audit: type=1400 audit("); Num(1700000000, 1799999999); Add(".");
            Num(100, 999); Add(":"); Num(1, 9999);
            Add("): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.lxd\" name=\"/proc/");
            Num(1, 9999); Add("/mounts\"");
            break;
          default:
            Add("e1000e: eth"); Num(0, 1);
            Add(" NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx");
            break;
        }
        break;
      case App::kSystemd:
        switch (r.Below(6)) {
          case 0: Add("Started Session "); Num(1, 99999); Add(" of User "); User(); Add("."); break;
          case 1: Add("Starting "); Add(PickFrom(kUnitDescriptions, &r)); Add("..."); break;
          case 2: Add("Finished "); Add(PickFrom(kUnitDescriptions, &r)); Add("."); break;
          case 3: Add(PickFrom(kUnits, &r)); Add(": Deactivated successfully."); break;
          case 4:
            Add(PickFrom(kUnits, &r));
            Add(": Main process exited, code=exited, status=1/FAILURE");
            break;
          default:
            Add(PickFrom(kUnits, &r)); Add(": Failed with result 'exit-code'.");
            break;
        }
        break;
      case App::kLogind:
        switch (r.Below(3)) {
          case 0: Add("New session "); Num(1, 99999); Add(" of user "); User(); Add("."); break;
          case 1:
            Add("Session "); Num(1, 99999); Add(" logged out. Waiting for processes to exit.");
            break;
          default: Add("Removed session "); Num(1, 99999); Add("."); break;
        }
        break;
      case App::kSudo:
        // sudo pads the user name: `sudo:    alice : TTY=...`.
        Add("   "); User(); Add(" : TTY=pts/"); Num(0, 9); Add(" ; PWD=/home/"); User();
        Add(" ; USER=root ; COMMAND=/usr/bin/systemctl restart "); Add(PickFrom(kUnits, &r));
        break;
      case App::kPostfixSmtpd:
        switch (r.Below(3)) {
          case 0: Add("connect from unknown["); Ip(); Add("]"); break;
          case 1:
            Add("disconnect from unknown["); Ip();
            Add("] ehlo=1 auth=0/1 quit=1 commands=2/3");
            break;
          default:
            Add("warning: hostname localhost does not resolve to address "); Ip();
            Add(": Name or service not known");
            break;
        }
        break;
      case App::kPostfixQmgr:
        AppendHex(&message_, r.Next(), 10);
        Add(": from=<"); User(); Add("@example.com>, size="); Num(300, 90000);
        Add(", nrcpt=1 (queue active)");
        break;
      case App::kDhclient:
        Add("DHCPREQUEST for 10.0.3."); Num(1, 254); Add(" on eth0 to 10.0.3.1 port 67 (xid=0x");
        AppendHex(&message_, r.Next(), 8); Add(")");
        break;
      case App::kDockerd:
        // dockerd logs logfmt inside the message, with quotes and, now and then, a backslash.
        Add("time=\"2025-11-0"); Num(5, 9); Add("T"); AppendPadded(&message_, r.Below(24), 2, '0');
        Add(":"); AppendPadded(&message_, r.Below(60), 2, '0'); Add(":");
        AppendPadded(&message_, r.Below(60), 2, '0'); Add(".");
        AppendPadded(&message_, r.Below(1000000000), 9, '0');
        Add("Z\" level="); Add(r.OneIn(5) ? "warning" : "info"); Add(" msg=\"");
        Add(PickFrom(kDockerMessages, &r)); Add("\"");
        if (r.OneIn(4)) { Add(" path=\"C:\\\\ProgramData\\\\docker\""); }
        break;
      case App::kChronyd:
        if (r.OneIn(2)) {
          Add("Selected source "); Ip(); Add(" ("); Num(0, 3); Add(".debian.pool.ntp.org)");
        } else {
          Add("System clock wrong by "); Num(0, 9); Add("."); AppendPadded(&message_, r.Below(1000000), 6, '0');
          Add(" seconds");
        }
        break;
      case App::kRsyslogd:
        Add("[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"");
        Num(300, 3000); Add("\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed");
        break;
      case App::kNginx:
        Add(kHosts[host]); Add(" "); Ip(); Add(" - - \"GET /api/v1/items/"); Num(1, 99999);
        Add(" HTTP/1.1\" "); Add(r.OneIn(10) ? "502" : "200"); Add(" "); Num(0, 99999);
        Add(" \"-\" \"curl/8.5.0\"");
        break;
    }
  }

  Rng rng_;
  std::string message_;
  size_t min_message_ = SIZE_MAX;
  size_t max_message_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Command line.

struct Options {
  uint64_t lines = kDefaultLines;
  uint64_t seed = kDefaultSeed;
  uint64_t days = 7;
};

constexpr char kUsage[] =
    "Usage: gen_syslog [--lines N] [--seed S] [--days D]\n"
    "Write N deterministic RFC 3164 syslog lines (as in /var/log/syslog) to standard output.\n"
    "\n"
    "  --lines N        number of lines (default 100000)\n"
    "  --seed S         PRNG seed, an unsigned integer (default 42)\n"
    "  --days D         spread the lines over D whole days from Nov  5 00:00:00 (default 7)\n"
    "  --help           print this help\n"
    "\n"
    "The same arguments always produce the same bytes. A summary goes to standard error.\n";

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "gen_syslog: %s\nTry 'gen_syslog --help' for more information.\n",
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
    if (name != "--lines" && name != "--seed" && name != "--days") {
      return UsageError("unrecognized option '" + std::string(arg) + "'");
    }
    if (!has_value) {
      if (i + 1 >= argc) return UsageError("option '" + std::string(name) + "' needs a value");
      value = argv[++i];
    }
    const std::string bad = "invalid value for " + std::string(name) + ": '" +
                            std::string(value) + "'";
    uint64_t v;
    if (!ParseUint(value, &v)) return UsageError(bad);
    if (name == "--lines") {
      if (v > kMaxLines) return UsageError(bad);
      opt->lines = v;
    } else if (name == "--seed") {
      opt->seed = v;
    } else {
      if (v < 1 || v > kMaxDays) return UsageError(bad + " (1 to 300)");
      opt->days = v;
    }
  }
  return -1;
}

int Run(const Options& opt) {
  Generator gen(opt.seed);
  std::string buf;
  buf.reserve(kFlushBytes + 4096);
  // Line i falls in second floor(i * span / n): the timestamps never decrease.
  const uint64_t n = opt.lines, span = opt.days * 86400;
  uint64_t total_bytes = 0;
  bool ok = true;
  for (uint64_t i = 0; i < n && ok; ++i) {
    const size_t before = buf.size();
    gen.Append(&buf, i * span / n);
    total_bytes += buf.size() - before;
    if (buf.size() >= kFlushBytes) {
      ok = std::fwrite(buf.data(), 1, buf.size(), stdout) == buf.size();
      buf.clear();
    }
  }
  if (ok) ok = std::fwrite(buf.data(), 1, buf.size(), stdout) == buf.size();
  if (!ok || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "gen_syslog: error writing 'standard output': %s\n",
                 std::strerror(errno));
    return kExitIoError;
  }
  const uint64_t avg_tenths = n ? (total_bytes * 10 + n / 2) / n : 0;
  std::fprintf(stderr, "gen_syslog: %llu lines, avg %llu.%llu bytes, messages %zu to %zu bytes\n",
               static_cast<unsigned long long>(n), static_cast<unsigned long long>(avg_tenths / 10),
               static_cast<unsigned long long>(avg_tenths % 10), n ? gen.min_message() : 0,
               gen.max_message());
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
