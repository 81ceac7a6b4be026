// tools/logcollect/formats/format_test.cc -- Unit tests of logcollect's entry formats: each
// format's fields and edge cases, auto detection, timestamp_format, and the Loghub samples of
// twelve real systems (skipped when ../shared/data/loghub is absent).
#include "tools/logcollect/formats/format.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "common/json_writer.h"
#include "common/timestamp.h"
#include "tools/logcollect/formats/level_words.h"
#include "tools/logcollect/formats/log_time.h"
#include "tools/logcollect/formats/timestamp_format.h"

namespace logstream::logcollect {
namespace {

// 2025-06-15T12:00:00Z: "now" for year-less timestamps.
constexpr int64_t kNowNs = 1749988800 * kNanosPerSecond;
// The arrival time given to entries without a timestamp, easy to recognise.
constexpr Timestamp kArrival{1'000'000'000'000'000'000, 0};  // 2001-09-09T01:46:40Z

FormatOptions Options(Format format, std::string regex = "", std::string timestamp_format = "") {
  FormatOptions options;
  options.format = format;
  options.regex = std::move(regex);
  options.timestamp_format = std::move(timestamp_format);
  options.now_ns = kNowNs;
  return options;
}

// The canonical NDJSON line (no newline) of `entry`, or "REJECT: why".
std::string Parse(const FormatOptions& options, std::string_view entry) {
  Result<std::shared_ptr<const FormatSpec>> spec = FormatSpec::Create(options);
  REQUIRE(spec.ok());
  EntryParser parser;
  parser.set_arrival_time(kArrival);
  Record record;
  std::string why;
  if (!parser.Parse(**spec, entry, entry.size(), &record, &why)) return "REJECT: " + why;
  std::string out;
  AppendRecord(record, &out);
  out.pop_back();
  return out;
}

std::string Parse(Format format, std::string_view entry) { return Parse(Options(format), entry); }

Timestamp Ts(std::string_view text) {
  Result<Timestamp> ts = ParseTimestamp(text);
  REQUIRE(ts.ok());
  return *ts;
}

// ---- names and specs ----

TEST_CASE("Formats: names round-trip and unknown names are errors", "[collect_format]") {
  for (Format f : {Format::kAuto, Format::kJson, Format::kLogfmt, Format::kSyslog, Format::kClf,
                   Format::kCombined, Format::kRegex, Format::kPlain}) {
    Result<Format> parsed = ParseFormatName(FormatName(f));
    REQUIRE(parsed.ok());
    CHECK(*parsed == f);
  }
  Result<Format> bad = ParseFormatName("xml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "unknown format 'xml' (expected auto, json, logfmt, syslog, clf, combined, regex or plain)");
}

TEST_CASE("Formats: spec errors name the option", "[collect_format]") {
  auto error = [](const FormatOptions& options) {
    Result<std::shared_ptr<const FormatSpec>> spec = FormatSpec::Create(options);
    return spec.ok() ? std::string("ok") : std::string(spec.status().message());
  };
  CHECK(error(Options(Format::kRegex)) == "regex: required by format regex");
  CHECK(error(Options(Format::kRegex, "(?P<message>.*")).rfind("regex: missing )", 0) == 0);
  CHECK(error(Options(Format::kPlain, "x")) == "regex: only used by format regex, not plain");
  CHECK(error(Options(Format::kRegex, "(?P<message>.*)", "%Q")) ==
        "timestamp_format: unknown directive %Q");
  CHECK(error(Options(Format::kRegex, "(?P<message>.*)", "%Y-%m-%d")) == "ok");
}

// ---- json ----

TEST_CASE("Formats: json normalises through RecordParser and takes the spec's source",
          "[collect_format]") {
  FormatOptions options = Options(Format::kJson);
  options.source = "app";
  CHECK(Parse(options, R"({"time":"2025-01-02T03:04:05Z","msg":"hi","severity":"WARNING","k":1})") ==
        R"({"timestamp":"2025-01-02T03:04:05Z","source":"app","level":"warn","message":"hi","fields":{"k":1}})");
  CHECK(Parse(options, R"({"source":"own","message":"x","timestamp":"2025-01-02T03:04:05Z"})") ==
        R"({"timestamp":"2025-01-02T03:04:05Z","source":"own","level":"info","message":"x","fields":{}})");
  CHECK(Parse(options, "{\"message\":").rfind("REJECT: invalid JSON", 0) == 0);
  CHECK(Parse(options, "plain").rfind("REJECT: ", 0) == 0);
}

// ---- syslog ----

TEST_CASE("Formats: RFC 3164 with priority", "[collect_format]") {
  CHECK(Parse(Format::kSyslog, "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8") ==
        R"({"timestamp":"2024-10-11T22:14:15Z","source":"mymachine","level":"fatal","message":"'su root' failed for lonvick on /dev/pts/8","fields":{"host":"mymachine","app":"su","pid":"230","facility":"auth"}})");
  // Severity 3 of facility local4 (20): err.
  CHECK(Parse(Format::kSyslog, "<163>Jun  4 15:16:01 host cron: job done") ==
        R"({"timestamp":"2025-06-04T15:16:01Z","source":"host","level":"error","message":"job done","fields":{"host":"host","app":"cron","facility":"local4"}})");
}

TEST_CASE("Formats: RFC 3164 without priority, as in /var/log/syslog", "[collect_format]") {
  CHECK(Parse(Format::kSyslog, "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4 ") ==
        R"j({"timestamp":"2025-06-14T15:16:01Z","source":"combo","level":"info","message":"authentication failure; rhost=218.188.2.4","fields":{"host":"combo","app":"sshd(pam_unix)","pid":"19939"}})j");
  // No tag: the content follows the host. No host: the first token is the tag. Level words.
  CHECK(Parse(Format::kSyslog, "Jun 14 15:16:01 combo ERROR no tag here") ==
        R"({"timestamp":"2025-06-14T15:16:01Z","source":"combo","level":"error","message":"ERROR no tag here","fields":{"host":"combo"}})");
  CHECK(Parse(Format::kSyslog, "Jun 14 15:16:01 kernel: booting") ==
        R"({"timestamp":"2025-06-14T15:16:01Z","source":"","level":"info","message":"booting","fields":{"app":"kernel"}})");
  // rsyslog's high-precision timestamps.
  CHECK(Parse(Format::kSyslog, "2025-05-13T00:01:15.123456+02:00 web nginx[7]: up") ==
        R"({"timestamp":"2025-05-12T22:01:15.123456Z","source":"web","level":"info","message":"up","fields":{"host":"web","app":"nginx","pid":"7"}})");
}

TEST_CASE("Formats: syslog source is the spec's when set", "[collect_format]") {
  FormatOptions options = Options(Format::kSyslog);
  options.source = "fleet";
  CHECK(Parse(options, "<13>Jun 14 15:16:01 combo app: x").find(R"("source":"fleet")") !=
        std::string::npos);
}

TEST_CASE("Formats: year-less timestamps take the nearest year before now", "[collect_format]") {
  EntryClock clock(Ts("2025-01-01T00:00:30Z").ns);
  Timestamp ts;
  // Read just after New Year: December is last year's.
  REQUIRE(ReadSyslogTime("Dec 31 23:59:59", &clock, &ts) == 15);
  CHECK(FormatRfc3339(ts) == "2024-12-31T23:59:59Z");
  // Up to a day ahead (clock skew) stays this year; further ahead is last year.
  REQUIRE(ReadSyslogTime("Jan  1 23:00:00", &clock, &ts) == 15);
  CHECK(FormatRfc3339(ts) == "2025-01-01T23:00:00Z");
  REQUIRE(ReadSyslogTime("Jan  3 00:00:00", &clock, &ts) == 15);
  CHECK(FormatRfc3339(ts) == "2024-01-03T00:00:00Z");
  // Read on Dec 31 late: "Jan 1" a minute ahead is next year's.
  EntryClock late(Ts("2024-12-31T23:59:00Z").ns);
  REQUIRE(ReadSyslogTime("Jan  1 00:00:10", &late, &ts) == 15);
  CHECK(FormatRfc3339(ts) == "2025-01-01T00:00:10Z");
  // Feb 29 goes back to the last leap year.
  REQUIRE(ReadSyslogTime("Feb 29 10:00:00", &clock, &ts) == 15);
  CHECK(FormatRfc3339(ts) == "2024-02-29T10:00:00Z");
  EntryClock in_2027(Ts("2027-06-01T00:00:00Z").ns);
  REQUIRE(ReadSyslogTime("Feb 29 10:00:00", &in_2027, &ts) == 15);
  CHECK(FormatRfc3339(ts) == "2024-02-29T10:00:00Z");
  CHECK(ReadSyslogTime("Feb 30 10:00:00", &clock, &ts) == 0);
  CHECK(ReadSyslogTime("Jum 14 10:00:00", &clock, &ts) == 0);
  CHECK(ReadSyslogTime("Jun 14 25:00:00", &clock, &ts) == 0);
}

TEST_CASE("Formats: RFC 5424 with structured data and BOM", "[collect_format]") {
  CHECK(Parse(Format::kSyslog,
              "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
              "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
              "[examplePriority@32473 class=\"high\\]\\\"x\"] \xEF\xBB\xBF"
              "An application event") ==
        R"({"timestamp":"2003-10-11T22:14:15.003Z","source":"mymachine.example.com","level":"info","message":"An application event","fields":{"host":"mymachine.example.com","app":"evntslog","msgid":"ID47","exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"},"examplePriority@32473":{"class":"high]\"x"},"facility":"local4"}})");
  // Nil values, no message; then a message without structured data.
  CHECK(Parse(Format::kSyslog, "<14>1 - - - - - -") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"info","message":"","fields":{"facility":"user"}})");
  CHECK(Parse(Format::kSyslog, "<11>1 2025-01-02T03:04:05+01:00 h a 99 - - disk\nfull") ==
        R"({"timestamp":"2025-01-02T02:04:05Z","source":"h","level":"error","message":"disk\nfull","fields":{"host":"h","app":"a","pid":"99","facility":"user"}})");
}

TEST_CASE("Formats: syslog rejects with a categorised reason", "[collect_format]") {
  CHECK(Parse(Format::kSyslog, "<192>Jun 14 15:16:01 h a: x") == "REJECT: not syslog: bad priority");
  CHECK(Parse(Format::kSyslog, "<1a>Jun 14 15:16:01 h a: x") == "REJECT: not syslog: bad priority");
  CHECK(Parse(Format::kSyslog, "<>x") == "REJECT: not syslog: bad priority");
  CHECK(Parse(Format::kSyslog, "<13>hello") == "REJECT: not syslog: no timestamp");
  CHECK(Parse(Format::kSyslog, "Jun 14 15:16:01") ==
        "REJECT: not syslog: no host or message after the timestamp");
  CHECK(Parse(Format::kSyslog, "<13>1 2025-13-01T00:00:00Z h a - - -") ==
        "REJECT: syslog: invalid timestamp '2025-13-01T00:00:00Z'");
  CHECK(Parse(Format::kSyslog, "<13>1 - h a") == "REJECT: not syslog: RFC 5424 header is incomplete");
  CHECK(Parse(Format::kSyslog, "<13>1 - h a p m [id x=\"1] msg") ==
        "REJECT: syslog: malformed structured data (unterminated value)");
  CHECK(Parse(Format::kSyslog, "<13>1 - h a p m x msg") ==
        "REJECT: syslog: malformed structured data (expected '-' or '[')");
}

// ---- clf / combined ----

TEST_CASE("Formats: Common Log Format", "[collect_format]") {
  CHECK(Parse(Format::kClf, R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326)") ==
        R"({"timestamp":"2000-10-10T20:55:36Z","source":"","level":"info","message":"GET /apache_pb.gif HTTP/1.0","fields":{"client":"127.0.0.1","user":"frank","method":"GET","path":"/apache_pb.gif","protocol":"HTTP/1.0","status":200,"bytes":2326}})");
  // "-" bytes are left out; 4xx is warn, 5xx error.
  CHECK(Parse(Format::kClf, R"(::1 - - [01/Jan/2025:00:00:00 +0000] "HEAD / HTTP/1.1" 404 -)") ==
        R"({"timestamp":"2025-01-01T00:00:00Z","source":"","level":"warn","message":"HEAD / HTTP/1.1","fields":{"client":"::1","method":"HEAD","path":"/","protocol":"HTTP/1.1","status":404}})");
  CHECK(Parse(Format::kClf, R"(h - - [01/Jan/2025:00:00:00 +0000] "-" 503 0)").find(R"("level":"error","message":"-")") != std::string::npos);
  CHECK(Parse(Format::kClf, R"(h - - [01/Jan/2025:00:00:00 +0000] "GET /a\"b HTTP/1.1" 200 1)").find(R"("message":"GET /a\"b HTTP/1.1")") != std::string::npos);
}

TEST_CASE("Formats: Combined Log Format", "[collect_format]") {
  const std::string line =
      R"j(10.0.0.1 - - [15/Jun/2025:12:00:00 +0200] "POST /api?q=1 HTTP/2.0" 500 12 "https://ex.com/" "curl/8.0 (x)")j";
  const std::string expected =
      R"j({"timestamp":"2025-06-15T10:00:00Z","source":"","level":"error","message":"POST /api?q=1 HTTP/2.0","fields":{"client":"10.0.0.1","method":"POST","path":"/api?q=1","protocol":"HTTP/2.0","status":500,"bytes":12,"referer":"https://ex.com/","user_agent":"curl/8.0 (x)"}})j";
  CHECK(Parse(Format::kCombined, line) == expected);
  CHECK(Parse(Format::kClf, line) == expected);  // clf accepts the combined tail
  CHECK(Parse(Format::kCombined, line + " 0.003") ==
        expected.substr(0, expected.size() - 2) + R"(,"extra":"0.003"}})");
  CHECK(Parse(Format::kCombined, R"(h - - [15/Jun/2025:12:00:00 +0200] "GET / HTTP/1.1" 200 1)") ==
        "REJECT: not combined: no quoted referer and user agent after the bytes");
}

TEST_CASE("Formats: clf rejects with a categorised reason", "[collect_format]") {
  CHECK(Parse(Format::kClf, "just text") == "REJECT: not clf: expected 'host ident user' before the time");
  CHECK(Parse(Format::kClf, R"(h - - [32/Jun/2025:12:00:00 +0200] "GET /" 200 1)") ==
        "REJECT: clf: invalid time '32/Jun/2025:12:00:00 +0200'");
  CHECK(Parse(Format::kClf, R"(h - - [15/Jun/2025:12:00:00 +0200] "GET / 200 1)") ==
        "REJECT: not clf: no quoted request after the time");
  CHECK(Parse(Format::kClf, R"(h - - [15/Jun/2025:12:00:00 +0200] "GET /" 2000 1)") ==
        "REJECT: not clf: no three-digit status after the request");
  CHECK(Parse(Format::kClf, R"(h - - [15/Jun/2025:12:00:00 +0200] "GET /" 200 x)") ==
        "REJECT: not clf: bytes are neither a number nor '-'");
}

// ---- logfmt ----

TEST_CASE("Formats: logfmt fills the members and keeps the rest as string fields",
          "[collect_format]") {
  CHECK(Parse(Format::kLogfmt, R"(ts=2025-01-02T03:04:05.5Z level=WARNING msg="disk \"sda\" full" source=node1 count=3 dry)") ==
        R"({"timestamp":"2025-01-02T03:04:05.5Z","source":"node1","level":"warn","message":"disk \"sda\" full","fields":{"count":"3","dry":true}})");
  // Aliases; no level key: the message's words.
  CHECK(Parse(Format::kLogfmt, R"(time=1715558475 lvl=debug message="a b")") ==
        R"({"timestamp":"2024-05-13T00:01:15Z","source":"","level":"debug","message":"a b","fields":{}})");
  CHECK(Parse(Format::kLogfmt, R"(msg="ERROR while saving" user=bob)").find(R"("level":"error")") !=
        std::string::npos);
  CHECK(Parse(Format::kLogfmt, "a=1 b=\"open") ==
        "REJECT: not logfmt: malformed pair (a stray '=' or '\"', or an unterminated quote)");
  CHECK(Parse(Format::kLogfmt, "ts=yesterday msg=x") == "REJECT: logfmt: invalid timestamp 'yesterday'");
  CHECK(Parse(Options(Format::kLogfmt, "", "%d/%m/%Y %H:%M"), R"(ts="02/01/2025 03:04" msg=x)")
            .rfind(R"({"timestamp":"2025-01-02T03:04:00Z")", 0) == 0);
}

// ---- regex ----

TEST_CASE("Formats: regex named groups fill members and fields", "[collect_format]") {
  FormatOptions options = Options(
      Format::kRegex,
      R"((?P<timestamp>\S+ \S+) \[(?P<level>\w+)\] (?P<source>\w+)(?: pid=(?P<pid>\d+))?: (?P<message>.*))");
  CHECK(Parse(options, "2025-01-02 03:04:05,123 [WARN] db pid=7: slow\n  at query()") ==
        R"j({"timestamp":"2025-01-02T03:04:05.123Z","source":"db","level":"warn","message":"slow\n  at query()","fields":{"pid":"7"}})j");
  // The optional group is absent: no field. The level stays as written when unknown.
  CHECK(Parse(options, "2025-01-02 03:04:05 [Chatty] db: x") ==
        R"({"timestamp":"2025-01-02T03:04:05Z","source":"db","level":"chatty","message":"x","fields":{}})");
  // The whole entry must match.
  CHECK(Parse(options, "2025-01-02 03:04:05 [WARN] db: x\ny").find(R"("message":"x\ny")") != std::string::npos);
  CHECK(Parse(options, "garbage") == "REJECT: not regex: the pattern does not match the entry");
  // A match of a prefix or a suffix is not enough.
  FormatOptions words = Options(Format::kRegex, R"((?P<level>[A-Z]+) (?P<message>\w+))");
  CHECK(Parse(words, "ERROR boom").find(R"("level":"error","message":"boom")") != std::string::npos);
  CHECK(Parse(words, "ERROR boom extra") == "REJECT: not regex: the pattern does not match the entry");
  CHECK(Parse(words, "x ERROR boom") == "REJECT: not regex: the pattern does not match the entry");
  CHECK(Parse(options, "2025-99-02 03:04:05 [WARN] db: x") ==
        "REJECT: regex: invalid timestamp '2025-99-02 03:04:05'");
  // Syslog and CLF forms without timestamp_format; logcat letters as levels.
  FormatOptions loose = Options(Format::kRegex, R"(\[(?P<timestamp>[^\]]+)\] (?P<level>\w) (?P<message>.*))");
  CHECK(Parse(loose, "[10/Oct/2000:13:55:36 -0700] W hi").rfind(R"({"timestamp":"2000-10-10T20:55:36Z","source":"","level":"warn")", 0) == 0);
  CHECK(Parse(loose, "[Jun  4 15:16:01] E hi").rfind(R"({"timestamp":"2025-06-04T15:16:01Z","source":"","level":"error")", 0) == 0);
  // Without message or timestamp groups: the whole entry, the arrival time, level words.
  CHECK(Parse(Options(Format::kRegex, R"(\w+ (?P<code>\d+).*)"), "FATAL 42 boom") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"fatal","message":"FATAL 42 boom","fields":{"code":"42"}})");
}

TEST_CASE("Formats: regex timestamps through timestamp_format", "[collect_format]") {
  FormatOptions options =
      Options(Format::kRegex, R"((?P<timestamp>\d{6} \d{6}) (?P<message>.*))", "%y%m%d %H%M%S");
  CHECK(Parse(options, "081109 203615 PacketResponder 1").rfind(R"({"timestamp":"2008-11-09T20:36:15Z")", 0) == 0);
  CHECK(Parse(options, "081309 203615 x") ==
        "REJECT: regex: invalid timestamp '081309 203615' (timestamp_format '%y%m%d %H%M%S')");
}

// ---- timestamp_format ----

TEST_CASE("Formats: timestamp_format directives", "[collect_format]") {
  auto parse = [](std::string_view pattern, std::string_view text) {
    Result<TimestampFormat> format = TimestampFormat::Compile(pattern);
    REQUIRE(format.ok());
    EntryClock clock(kNowNs);
    Timestamp ts;
    return format->Parse(text, &clock, &ts) ? FormatRfc3339(ts) : std::string("no match");
  };
  CHECK(parse("%Y-%m-%dT%H:%M:%S.%f%z", "2025-01-02T03:04:05.120+01:30") == "2025-01-02T01:34:05.120Z");
  CHECK(parse("%a %b %d %H:%M:%S %Y", "Sun Dec 04 04:47:44 2005") == "2005-12-04T04:47:44Z");
  CHECK(parse("%Y-%m-%d-%H.%M.%S.%f", "2005-06-03-15.42.50.675872") == "2005-06-03T15:42:50.675872Z");
  CHECK(parse("%d/%B/%Y:%T %Z", "07/March/2024:01:02:03 UTC") == "2024-03-07T01:02:03Z");
  CHECK(parse("%b %e %T", "Jun  4 15:16:01") == "2025-06-04T15:16:01Z");  // year-less rule
  CHECK(parse("%m-%d %H:%M:%S.%f", "12-31 23:00:00.5") == "2024-12-31T23:00:00.5Z");
  CHECK(parse("%s", "1715558475") == "2024-05-13T00:01:15Z");
  CHECK(parse("%Y %j %T", "2024 060 00:00:00") == "2024-02-29T00:00:00Z");
  CHECK(parse("%F %T", "2024-02-29 10:00:00") == "2024-02-29T10:00:00Z");
  CHECK(parse("%H:%M", "10:30") == "2025-06-15T10:30:00Z");  // a time alone: today
  CHECK(parse("%y%m%d", "690101") == "1969-01-01T00:00:00Z");
  CHECK(parse("100%% %Y", "100% 2020") == "2020-01-01T00:00:00Z");
  CHECK(parse("%Y-%m-%d", "2025-02-29") == "no match");
  CHECK(parse("%Y-%m-%d", "2025-01-02 ") == "no match");  // trailing text
  CHECK(parse("%H:%M:%S", "24:00:00") == "no match");
  CHECK_FALSE(TimestampFormat::Compile("%Y%").ok());
}

// ---- plain and level words ----

TEST_CASE("Formats: plain keeps the entry, finds a leading timestamp and the level",
          "[collect_format]") {
  CHECK(Parse(Format::kPlain, "2025-01-02 03:04:05,120 ERROR boom\n\tat x.y(Z.java:1)") ==
        R"j({"timestamp":"2025-01-02T03:04:05.120Z","source":"","level":"error","message":"2025-01-02 03:04:05,120 ERROR boom\n\tat x.y(Z.java:1)","fields":{}})j");
  CHECK(Parse(Format::kPlain, "hello world") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"info","message":"hello world","fields":{}})");
  // A date alone or a bare number is not taken as the time.
  CHECK(Parse(Format::kPlain, "2025-01-02 report ready").rfind(R"({"timestamp":"2001-09-09T01:46:40Z")", 0) == 0);
  CHECK(Parse(Format::kPlain, "1715558475 events").rfind(R"({"timestamp":"2001-09-09T01:46:40Z")", 0) == 0);
  CHECK(Parse(Format::kPlain, "Jun 14 15:16:01 something").rfind(R"({"timestamp":"2025-06-14T15:16:01Z")", 0) == 0);
}

TEST_CASE("Formats: level words", "[collect_format]") {
  auto level = [](std::string_view text) {
    std::optional<Level> l = DetectLevel(text);
    return l ? std::string(LevelName(*l)) : std::string("none");
  };
  CHECK(level("x ERROR y") == "error");
  CHECK(level("ERR: disk") == "error");
  CHECK(level("WARNING low") == "warn");
  CHECK(level("PANIC now") == "fatal");
  CHECK(level("CRITICAL") == "fatal");
  CHECK(level("[warn] x") == "warn");
  CHECK(level("(Debug) x") == "debug");
  CHECK(level("<info> x") == "info");
  CHECK(level("level=TRACE x") == "trace");
  CHECK(level("severity: error") == "error");
  CHECK(level("lvl=\"warn\"") == "warn");
  CHECK(level("INFO then ERROR") == "info");  // the first wins
  CHECK(level("Errors are retried") == "none");
  CHECK(level("error: kex_exchange_identification: Connection closed") == "error");
  CHECK(level("warning: hostname x does not resolve") == "warn");
  CHECK(level("Fatal: bad config") == "fatal");
  CHECK(level("an error: lower case prose") == "none");
  CHECK(level("Errors: 3 retried") == "none");
  CHECK(level("error without a colon") == "none");
  CHECK(level("MY_ERROR and ERRORS and ERROR2") == "none");
  CHECK(level("DEBUGGING") == "none");
  CHECK(level("") == "none");
  CHECK(LevelFromText("W") == Level::kWarn);
  CHECK(LevelFromText("notice") == Level::kInfo);
  CHECK_FALSE(LevelFromText("X").has_value());
}

// ---- auto ----

TEST_CASE("Formats: auto recognises each format per entry", "[collect_format]") {
  auto source_of = [](std::string_view entry) { return Parse(Format::kAuto, entry); };
  CHECK(source_of(R"({"message":"j","level":"error"})").find(R"("level":"error","message":"j")") != std::string::npos);
  CHECK(source_of("<13>Jun 14 15:16:01 h app: m").find(R"("facility":"user")") != std::string::npos);
  CHECK(source_of("Jun 14 15:16:01 h app[1]: m").find(R"("app":"app","pid":"1")") != std::string::npos);
  CHECK(source_of(R"(1.2.3.4 - - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/1.1" 200 5)").find(R"("status":200)") != std::string::npos);
  CHECK(source_of(R"(level=warn msg="x y" k=v)") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"warn","message":"x y","fields":{"k":"v"}})");
  // Prose with one pair stays plain; so do failed shapes.
  CHECK(source_of("user logged in with id=5") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"info","message":"user logged in with id=5","fields":{}})");
  CHECK(source_of("<999>nope").find(R"("message":"<999>nope")") != std::string::npos);
  CHECK(source_of("Jun 14 15:16:01").find(R"("message":"Jun 14 15:16:01")") != std::string::npos);
  CHECK(source_of("ts=bad msg=x").find(R"("message":"ts=bad msg=x")") != std::string::npos);
  CHECK(source_of("").find(R"("message":"")") != std::string::npos);
  // A '{' line is JSON: its failure is reported, not turned into plain text.
  CHECK(source_of("{not json").rfind("REJECT: invalid JSON", 0) == 0);
}

// ---- text hygiene ----

TEST_CASE("Formats: invalid UTF-8 is replaced and trailing whitespace cut", "[collect_format]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(Parse(Format::kPlain, "bad \xC3\x28 byte\r\n") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"info","message":"bad )" + fffd + R"(( byte","fields":{}})");
  CHECK(Parse(Format::kSyslog, "<13>Jun 14 15:16:01 h a: \xFF") .find(R"("message":")" + fffd + "\"") != std::string::npos);
  CHECK(Parse(Format::kLogfmt, "msg=\"caf\xE9\" k=\xC0") ==
        R"({"timestamp":"2001-09-09T01:46:40Z","source":"","level":"info","message":"caf)" + fffd + R"(","fields":{"k":")" + fffd + R"("}})");
  // Valid multi-byte text is untouched.
  CHECK(Parse(Format::kPlain, "caf\xC3\xA9").find("caf\xC3\xA9") != std::string::npos);
}

TEST_CASE("Formats: one parser serves entries of every format in turn", "[collect_format]") {
  Result<std::shared_ptr<const FormatSpec>> spec = FormatSpec::Create(Options(Format::kAuto));
  REQUIRE(spec.ok());
  EntryParser parser;
  Record record;
  std::string why;
  const std::vector<std::string> entries = {
      R"({"message":"a","x":1})", "<13>1 - h a - - [id k=\"v\"] m", "plain words",
      R"(k=v l=w msg=done)", R"({"message":"b"})"};
  std::vector<std::string> messages;
  for (const std::string& entry : entries) {
    REQUIRE(parser.Parse(**spec, entry, entry.size(), &record, &why));
    messages.emplace_back(record.message);
  }
  CHECK(messages == std::vector<std::string>{"a", "m", "plain words", "done", "b"});
  CHECK(record.fields.empty());
}

// ---- Loghub: real logs of twelve systems ----

// RFC 4180 CSV: quoted fields may hold commas and doubled quotes. One record per line (the
// Loghub files have no newlines inside fields).
std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

struct LoghubSystem {
  std::string name;
  FormatOptions options;
  bool check_level;  // false when the CSV has no Level column, or it holds something else
};

// The per-system settings, as documented in docs/collect-formats.md "Examples: Loghub".
std::vector<LoghubSystem> LoghubSystems() {
  // "Now" late in 2017, so that the year-less samples (Linux 2005, OpenSSH, Android 2017)
  // land before it, as they would have been read at the time.
  auto options = [](Format format, std::string regex = "", std::string timestamp_format = "") {
    FormatOptions o = Options(format, std::move(regex), std::move(timestamp_format));
    o.now_ns = 1514678400 * kNanosPerSecond;  // 2017-12-31T00:00:00Z
    return o;
  };
  return {
      // Linux's CSV calls the host column "Level"; syslog without PRI has no level to check.
      {"Linux", options(Format::kSyslog), false},
      {"OpenSSH", options(Format::kSyslog), false},
      {"HDFS",
       options(Format::kRegex,
               R"((?P<timestamp>\d{6} \d{6}) (?P<pid>\d+) (?P<level>\w+) (?P<component>\S+): (?P<message>.*))",
               "%y%m%d %H%M%S"),
       true},
      {"Apache",
       options(Format::kRegex, R"(\[(?P<timestamp>[^\]]+)\] \[(?P<level>\w+)\] (?P<message>.*))",
               "%a %b %d %H:%M:%S %Y"),
       true},
      {"Hadoop",
       options(Format::kRegex,
               R"((?P<timestamp>\S+ \S+) (?P<level>\w+) \[(?P<process>.*?)\] (?P<component>\S+): (?P<message>.*))"),
       true},
      {"Spark",
       options(Format::kRegex,
               R"((?P<timestamp>\S+ \S+) (?P<level>\w+) (?P<component>\S+): (?P<message>.*))",
               "%y/%m/%d %H:%M:%S"),
       true},
      {"Zookeeper",
       options(Format::kRegex,
               R"((?P<timestamp>\S+ \S+) - (?P<level>\w+) +\[(?P<thread>.*?)@(?P<line>\d+)\] - (?P<message>.*))"),
       true},
      {"BGL",
       options(Format::kRegex,
               R"((?P<label>\S+) (?P<epoch>\d+) (?P<date>\S+) (?P<node>\S+) (?P<timestamp>\S+) (?P<node_repeat>\S+) (?P<type>\S+) (?P<component>\S+) (?P<level>\S+)(?: (?P<message>.*))?)",
               "%Y-%m-%d-%H.%M.%S.%f"),
       true},
      {"HPC",
       options(Format::kRegex,
               R"((?P<log_id>\S+) (?P<node>\S+) (?P<component>\S+) (?P<state>\S+) (?P<timestamp>\d+) (?P<flag>\S+) (?P<message>.*))",
               "%s"),
       false},
      {"Windows",
       options(Format::kRegex,
               R"((?P<timestamp>\S+ \S+), (?P<level>\w+) +(?P<component>\S+) +(?P<message>.*))"),
       true},
      {"Android",
       options(Format::kRegex,
               R"((?P<timestamp>\S+ \S+) +(?P<pid>\d+) +(?P<tid>\d+) (?P<level>[VDIWEFA]) (?P<component>.*?): (?P<message>.*))",
               "%m-%d %H:%M:%S.%f"),
       true},
      {"OpenStack",
       options(Format::kRegex,
               R"((?P<logrecord>\S+) (?P<timestamp>\S+ \S+) (?P<pid>\d+) (?P<level>\w+) (?P<component>\S+) \[(?P<addr>.*?)\] (?P<message>.*))"),
       true},
  };
}

TEST_CASE("Formats: every line of the Loghub samples parses as its structured CSV says",
          "[collect_format]") {
  const char* root = std::getenv("LOGSTREAM_SOURCE_ROOT");
  const std::string dir = std::string(root ? root : "") + "/../shared/data/loghub";
  if (root == nullptr || !std::ifstream(dir + "/Linux/Linux_2k.log")) {
    WARN("SKIP: " << dir << " not found (the Loghub samples are not distributed with LogStream)");
    return;
  }
  const Timestamp lowest = Ts("2003-01-01T00:00:00Z");
  const Timestamp highest = Ts("2018-01-01T00:00:00Z");
  for (const LoghubSystem& system : LoghubSystems()) {
    const std::string base = dir + "/" + system.name + "/" + system.name + "_2k.log";
    const std::vector<std::string> lines = ReadLines(base);
    const std::vector<std::string> csv = ReadLines(base + "_structured.csv");
    REQUIRE(lines.size() == 2000);
    REQUIRE(csv.size() == lines.size() + 1);
    const std::vector<std::string> header = SplitCsvLine(csv[0]);
    size_t content_column = header.size(), level_column = header.size();
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == "Content") content_column = i;
      if (header[i] == "Level") level_column = i;
    }
    REQUIRE(content_column < header.size());

    Result<std::shared_ptr<const FormatSpec>> spec = FormatSpec::Create(system.options);
    REQUIRE(spec.ok());
    EntryParser parser;
    parser.set_arrival_time(kArrival);
    Record record;
    std::string why;
    size_t failures = 0, wrong_message = 0, wrong_level = 0, wrong_time = 0;
    std::string first_problem;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::vector<std::string> row = SplitCsvLine(csv[i + 1]);
      auto problem = [&](std::string what) {
        if (first_problem.empty()) first_problem = "line " + std::to_string(i + 1) + ": " + what;
      };
      if (!parser.Parse(**spec, lines[i], lines[i].size(), &record, &why)) {
        ++failures;
        problem("rejected: " + why);
        continue;
      }
      if (record.message != row.at(content_column)) {
        ++wrong_message;
        problem("message '" + std::string(record.message) + "' != '" + row[content_column] + "'");
      }
      if (system.check_level) {
        const std::optional<Level> expected = LevelFromText(row.at(level_column));
        if (!expected || record.level_rank != expected) {
          ++wrong_level;
          problem("level '" + std::string(record.level) + "' for '" + row[level_column] + "'");
        }
      }
      if (record.timestamp == kArrival || record.timestamp.ns < lowest.ns ||
          record.timestamp.ns >= highest.ns) {
        ++wrong_time;
        problem("timestamp " + FormatRfc3339(record.timestamp));
      }
    }
    INFO(system.name << ": " << first_problem);
    CHECK(failures == 0);
    CHECK(wrong_message == 0);
    CHECK(wrong_level == 0);
    CHECK(wrong_time == 0);
  }
}

}  // namespace
}  // namespace logstream::logcollect
