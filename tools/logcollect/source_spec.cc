// tools/logcollect/source_spec.cc -- See source_spec.h.
#include "tools/logcollect/source_spec.h"

#include <charconv>

#include <fmt/core.h>

namespace logstream::logcollect {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "HOST:PORT" or "[v6]:PORT"; the port may be 0 (the system picks one).
Status ParseHostPort(std::string_view url, std::string_view address, std::string* host,
                     uint16_t* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("'{}': expected HOST:PORT", url));
  }
  std::string_view host_part = address.substr(0, colon);
  if (host_part.size() >= 2 && host_part.front() == '[' && host_part.back() == ']') {
    host_part = host_part.substr(1, host_part.size() - 2);
  }
  std::string_view port_text = address.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || value > 65535) {
    return Status::InvalidArgument(fmt::format("'{}': invalid port '{}'", url, port_text));
  }
  *host = std::string(host_part);
  *port = static_cast<uint16_t>(value);
  return Status();
}

bool HasScheme(std::string_view piece) {
  static constexpr std::string_view kSchemes[] = {
      "file:", "stdin:", "tcp:", "udp:", "unix:", "syslog:", "syslog+udp:", "syslog+tcp:",
      "http:", "https:"};
  if (piece == "-") return true;
  for (std::string_view scheme : kSchemes) {
    if (StartsWith(piece, scheme)) return true;
  }
  return false;
}

}  // namespace

Result<SourceSpec> ParseSourceUrl(std::string_view url) {
  SourceSpec spec;
  spec.url = std::string(url);
  if (url == "-" || url == "stdin:" || url == "stdin://") {
    spec.kind = SourceKind::kStdin;
    spec.name = "stdin";
    return spec;
  }
  if (StartsWith(url, "file://")) {
    spec.kind = SourceKind::kFile;
    spec.path = std::string(url.substr(7));
    if (spec.path.empty() || spec.path[0] != '/') {
      return Status::InvalidArgument(
          fmt::format("'{}': a file URL needs an absolute path (file:///var/log/syslog)", url));
    }
    return spec;
  }
  if (StartsWith(url, "unix:")) {
    spec.kind = SourceKind::kUnix;
    std::string_view path = url.substr(5);
    if (StartsWith(path, "//")) path.remove_prefix(2);
    if (path.empty()) return Status::InvalidArgument(fmt::format("'{}': no socket path", url));
    spec.path = std::string(path);
    return spec;
  }
  struct Listener {
    std::string_view scheme;
    SourceKind kind;
    bool udp, tcp;
  };
  static constexpr Listener kListeners[] = {
      {"tcp://", SourceKind::kTcp, false, true},
      {"udp://", SourceKind::kUdp, true, false},
      {"syslog://", SourceKind::kSyslog, true, true},
      {"syslog+udp://", SourceKind::kSyslog, true, false},
      {"syslog+tcp://", SourceKind::kSyslog, false, true},
  };
  for (const Listener& listener : kListeners) {
    if (!StartsWith(url, listener.scheme)) continue;
    spec.kind = listener.kind;
    spec.syslog_udp = listener.udp;
    spec.syslog_tcp = listener.tcp;
    LS_RETURN_IF_ERROR(
        ParseHostPort(url, url.substr(listener.scheme.size()), &spec.host, &spec.port));
    if (spec.kind == SourceKind::kSyslog) spec.format.format = Format::kSyslog;
    return spec;
  }
  if (StartsWith(url, "http://") || StartsWith(url, "https://")) {
    spec.kind = SourceKind::kHttp;
    spec.host = std::string(url);
    spec.format.format = Format::kJson;
    return spec;
  }
  return Status::InvalidArgument(fmt::format(
      "unknown source '{}' (file:///PATH, -, tcp://, udp://, unix:PATH, syslog://, http(s)://)",
      url));
}

std::vector<std::string> SplitSourceList(std::string_view list) {
  std::vector<std::string> urls;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view piece = list.substr(0, comma);
    if (!urls.empty() && !HasScheme(piece)) {
      urls.back() += ',';
      urls.back() += piece;
    } else if (!piece.empty()) {
      urls.emplace_back(piece);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return urls;
}

std::string SourceNameForPath(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // A rotated file keeps its source: "syslog.1", "syslog.2.gz" and "syslog" are one source.
  if (name.size() > 3 && name.substr(name.size() - 3) == ".gz") name.remove_suffix(3);
  size_t digits = name.find_last_not_of("0123456789");
  if (digits != std::string_view::npos && digits + 1 < name.size() && name[digits] == '.') {
    name = name.substr(0, digits);
  }
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  return std::string(name.empty() ? path : name);
}

}  // namespace logstream::logcollect
