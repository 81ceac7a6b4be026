// tools/logcollect/formats/format.cc -- Format names, compiling a FormatSpec, and
// EntryParser::Parse: the common steps (trimming, UTF-8 repair, defaults) and the dispatch to
// each format, auto detection included.
#include "tools/logcollect/formats/format.h"

#include <optional>
#include <vector>

#include <re2/re2.h>
#include <simdjson.h>

#include "tools/logcollect/formats/entry_formats.h"
#include "tools/logcollect/formats/level_words.h"
#include "tools/logcollect/formats/regex_format.h"
#include "tools/logcollect/formats/timestamp_format.h"

namespace logstream::logcollect {
namespace {

struct NamedFormat {
  std::string_view name;
  Format format;
};

constexpr NamedFormat kFormats[] = {
    {"auto", Format::kAuto},         {"json", Format::kJson},   {"logfmt", Format::kLogfmt},
    {"syslog", Format::kSyslog},     {"clf", Format::kClf},     {"combined", Format::kCombined},
    {"regex", Format::kRegex},       {"plain", Format::kPlain},
};

std::string_view TrimTrailingWhitespace(std::string_view entry) {
  while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t' || entry.back() == '\r' ||
                            entry.back() == '\n')) {
    entry.remove_suffix(1);
  }
  return entry;
}

}  // namespace

struct FormatSpec::Compiled {
  std::unique_ptr<EntryRegex> regex;
  std::optional<TimestampFormat> timestamp_format;
};

struct EntryParser::ThreadState {
  std::vector<re2::StringPiece> regex_groups;
  EntryClock::DateCache date_cache;
};

Result<Format> ParseFormatName(std::string_view name) {
  for (const NamedFormat& named : kFormats) {
    if (named.name == name) return named.format;
  }
  return Status::InvalidArgument(
      "unknown format " + Quote(name) +
      " (expected auto, json, logfmt, syslog, clf, combined, regex or plain)");
}

std::string_view FormatName(Format format) {
  for (const NamedFormat& named : kFormats) {
    if (named.format == format) return named.name;
  }
  return "auto";
}

FormatSpec::FormatSpec(FormatOptions options)
    : options_(std::move(options)), compiled_(std::make_unique<Compiled>()) {}

FormatSpec::~FormatSpec() = default;

Result<std::shared_ptr<const FormatSpec>> FormatSpec::Create(const FormatOptions& options) {
  std::shared_ptr<FormatSpec> spec(new FormatSpec(options));
  if (options.format == Format::kRegex) {
    if (options.regex.empty()) return Status::InvalidArgument("regex: required by format regex");
    Result<std::unique_ptr<EntryRegex>> regex = EntryRegex::Compile(options.regex);
    if (!regex.ok()) return regex.status();
    spec->compiled_->regex = std::move(*regex);
  } else if (!options.regex.empty()) {
    return Status::InvalidArgument(
        "regex: only used by format regex, not " + std::string(FormatName(options.format)));
  }
  if (!options.timestamp_format.empty()) {
    Result<TimestampFormat> timestamp_format = TimestampFormat::Compile(options.timestamp_format);
    if (!timestamp_format.ok()) return timestamp_format.status();
    spec->compiled_->timestamp_format = std::move(*timestamp_format);
  }
  return std::shared_ptr<const FormatSpec>(std::move(spec));
}

EntryParser::EntryParser() : state_(std::make_unique<ThreadState>()) {}
EntryParser::~EntryParser() = default;

void EntryParser::set_arrival_time(std::optional<Timestamp> arrival) {
  arrival_ = arrival;
  json_.set_arrival_time(arrival);
}

bool EntryParser::ParseJson(const FormatSpec& spec, std::string_view entry, size_t readable,
                            Record* record, std::string* why) {
  const bool ok = readable >= entry.size() + kParsePadding
                      ? json_.Parse(entry, readable, record, why)
                      : json_.ParseUnpadded(entry, record, why);
  if (ok && record->source.empty()) record->source = spec.options().source;
  return ok;
}

bool EntryParser::Parse(const FormatSpec& spec, std::string_view entry, size_t readable,
                        Record* record, std::string* why) {
  const FormatOptions& options = spec.options();
  const Format format = options.format;
  if (format == Format::kJson || (format == Format::kAuto && !entry.empty() && entry[0] == '{')) {
    return ParseJson(spec, entry, readable, record, why);
  }

  entry = TrimTrailingWhitespace(entry);
  if (!simdjson::validate_utf8(entry.data(), entry.size())) {
    ReplaceInvalidUtf8(entry, &utf8_fixed_);
    entry = utf8_fixed_;
  }
  record->Clear();
  const TimestampFormat* timestamp_format =
      spec.compiled_->timestamp_format ? &*spec.compiled_->timestamp_format : nullptr;
  EntryContext context{options, timestamp_format,
                       EntryClock(options.now_ns, &state_->date_cache), arrival_, &scratch_};

  bool ok = true;
  switch (format) {
    case Format::kJson:  // handled above; here for the compiler's exhaustiveness check
      return ParseJson(spec, entry, readable, record, why);
    case Format::kSyslog:
      ok = ParseSyslog(entry, &context, record, why);
      break;
    case Format::kClf:
    case Format::kCombined:
      ok = ParseClf(entry, format == Format::kCombined, &context, record, why);
      break;
    case Format::kLogfmt:
      ok = ParseLogfmt(entry, &context, record, why);
      break;
    case Format::kRegex:
      ok = spec.compiled_->regex->Parse(entry, &context, &state_->regex_groups, record, why);
      break;
    case Format::kPlain:
      ParsePlain(entry, &context, record);
      break;
    case Format::kAuto: {
      // The first shape that fits is tried; when its parse fails the entry is plain text
      // (only JSON, handled above, reports its failures: a '{' line is meant to be JSON).
      bool parsed = false;
      if (!entry.empty() && entry[0] == '<' && entry.size() > 1 && entry[1] >= '0' &&
          entry[1] <= '9') {
        parsed = ParseSyslog(entry, &context, record, why);
      } else if (LooksLikeClf(entry)) {
        parsed = ParseClf(entry, /*combined=*/false, &context, record, why);
      } else if (LooksLikeSyslog3164(entry)) {
        parsed = ParseSyslog(entry, &context, record, why);
      } else if (LooksLikeLogfmt(entry)) {
        parsed = ParseLogfmt(entry, &context, record, why);
      }
      if (!parsed) {
        record->Clear();
        ParsePlain(entry, &context, record);
      }
      break;
    }
  }
  if (!ok) return false;
  if (record->source.empty()) record->source = options.source;
  return true;
}

void SetLevelFromText(Record* record, std::string_view text) {
  if (std::optional<Level> level = LevelFromText(text)) {
    SetKnownLevel(record, *level);
  } else {
    record->SetLevel(text);
  }
}

std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuoted = 48;
  std::string quoted = "'";
  for (char c : text.substr(0, kMaxQuoted)) {
    const auto u = static_cast<unsigned char>(c);
    quoted += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (text.size() > kMaxQuoted) quoted += "...";
  quoted += '\'';
  return quoted;
}

}  // namespace logstream::logcollect
