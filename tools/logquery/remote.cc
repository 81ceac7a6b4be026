// tools/logquery/remote.cc -- The REST client of `logquery --server`.
#include "tools/logquery/remote.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <tuple>
#include <string>

#include <fmt/core.h>
#include <simdjson.h>

#include "common/cli.h"
#include "common/engine/analysis.h"
#include "common/io.h"
#include "common/json_writer.h"
#include "common/record_parser.h"
#include "common/timestamp.h"
#include "tools/logquery/http_module.h"
#include "tools/logquery/output.h"

namespace logstream::logquery {
namespace {

constexpr const char* kQueryPath = "/api/v1/query";
constexpr const char* kAnalyzePath = "/api/v1/query/analyze";

// "http://host:port/prefix" -> scheme://host:port and the path prefix.
struct ServerUrl {
  std::string origin;
  std::string prefix;
};

Result<ServerUrl> ParseServerUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos ||
      (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0)) {
    return Status::InvalidArgument(fmt::format(
        "invalid argument '{}' for '--server': expected http://HOST:PORT or https://HOST:PORT", url));
  }
  size_t path = url.find('/', scheme + 3);
  ServerUrl out;
  out.origin = url.substr(0, path);
  if (path != std::string::npos) out.prefix = url.substr(path);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.origin.size() <= scheme + 3) {
    return Status::InvalidArgument(fmt::format("invalid argument '{}' for '--server': no host", url));
  }
  return out;
}

// The server's {"error": "..."} message, or the body's start.
std::string ErrorMessage(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view message;
  if (!parser.parse(body).get(root) && !root["error"].get_string().get(message)) {
    return std::string(message);
  }
  return body.substr(0, 200);
}

struct Reply {
  int status = 0;
  std::string body;
};

// The HTTP client module, loaded once: beside the executable (a build tree), else from the
// installed module directory.
struct HttpModule {
  decltype(&logquery_http_post) post = nullptr;
  decltype(&logquery_http_free) free = nullptr;
};

Result<HttpModule> LoadHttpModule() {
  std::vector<std::string> candidates;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    candidates.push_back(dir + kLogqueryHttpModule);
  }
  candidates.push_back(std::string(LOGSTREAM_MODULE_DIR) + "/" + kLogqueryHttpModule);
  std::string errors;
  for (const std::string& path : candidates) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      errors += fmt::format("; {}", ::dlerror());
      continue;
    }
    HttpModule module;
    module.post = reinterpret_cast<decltype(&logquery_http_post)>(::dlsym(handle, "logquery_http_post"));
    module.free = reinterpret_cast<decltype(&logquery_http_free)>(::dlsym(handle, "logquery_http_free"));
    if (module.post != nullptr && module.free != nullptr) return module;
    errors += fmt::format("; {}: not a logquery HTTP module", path);
  }
  return Status::Unavailable(fmt::format("--server needs {}, which cannot be loaded{}",
                                         kLogqueryHttpModule, errors));
}

Result<Reply> Post(const Options& options, const char* path, const std::string& json) {
  LS_ASSIGN_OR_RETURN(ServerUrl url, ParseServerUrl(options.server));
  LS_ASSIGN_OR_RETURN(HttpModule http, LoadHttpModule());
  LogqueryHttpReply raw;
  std::string target = url.prefix + path;
  if (http.post(url.origin.c_str(), target.c_str(), json.data(), json.size(), &raw) != 0) {
    Status failed = Status::Unavailable(fmt::format(
        "{}: cannot reach the server ({})", options.server, raw.error ? raw.error : "unknown error"));
    http.free(&raw);
    return failed;
  }
  Reply reply{raw.status, std::string(raw.body ? raw.body : "", raw.body_size)};
  http.free(&raw);
  if (reply.status != 200) {
    std::string message = fmt::format("{}{}: HTTP {}: {}", options.server, path, reply.status,
                                      ErrorMessage(reply.body));
    // A 400 is the query's fault; anything else is the server's.
    return reply.status == 400 ? Status::InvalidArgument(message) : Status::Unavailable(message);
  }
  return reply;
}

void AppendTimeRange(const store::TimeRange& range, std::string* json) {
  if (range.from_ns != std::numeric_limits<int64_t>::min()) {
    *json += ",\"from\":";
    AppendJsonString(FormatRfc3339(Timestamp{range.from_ns}), json);
  }
  if (range.to_ns != std::numeric_limits<int64_t>::max()) {
    *json += ",\"to\":";
    AppendJsonString(FormatRfc3339(Timestamp{range.to_ns}), json);
  }
}

// Renders each record of a JSON array (or NDJSON) answer.
Status RenderRecords(const std::string& body, const RecordStyle& style, FdWriter* out,
                     uint64_t* count) {
  engine::RecordRenderer render = MakeRecordRenderer(style);
  RecordParser parser;
  Record record;
  std::string why;
  std::string text;
  auto one = [&](std::string_view json) -> Status {
    if (!parser.ParseUnpadded(json, &record, &why)) {
      return Status::Corruption(fmt::format("the server sent a record that does not parse: {}", why));
    }
    text.clear();
    render(record, &text);
    out->Append(text);
    ++*count;
    return Status();
  };
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return Status();
  if (body[start] == '[') {
    simdjson::dom::parser dom;
    simdjson::dom::array array;
    if (dom.parse(body).get(array)) {
      return Status::Corruption("the server's answer is not a JSON array of records");
    }
    for (simdjson::dom::element element : array) {
      LS_RETURN_IF_ERROR(one(simdjson::minify(element)));
    }
    return Status();
  }
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + at, end - at);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) LS_RETURN_IF_ERROR(one(line));
    at = end + 1;
  }
  return Status();
}

engine::Cell CellOf(simdjson::dom::element element) {
  using simdjson::dom::element_type;
  engine::Cell cell;
  switch (element.type()) {
    case element_type::NULL_VALUE: return cell;
    case element_type::STRING: {
      std::string_view text;
      if (element.get_string().get(text)) return cell;
      return engine::Cell{engine::Cell::Kind::kString, std::string(text)};
    }
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return engine::Cell{engine::Cell::Kind::kNumber, simdjson::minify(element)};
    default:
      return engine::Cell{engine::Cell::Kind::kJson, simdjson::minify(element)};
  }
}

// The table of an analysis answer: the seed's frequency map, or columns and rows.
Status ReadTable(const std::string& body, const engine::Analysis& analysis, engine::Table* table) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root)) return Status::Corruption("the server's answer is not JSON");
  simdjson::dom::object frequency;
  if (!root["frequency"].get(frequency)) {
    table->columns = {analysis.by[0].name, "count"};
    for (auto [key, value] : frequency) {
      uint64_t count = 0;
      if (value.get_uint64().get(count)) return Status::Corruption("a frequency is not a count");
      table->rows.push_back({engine::Cell{engine::Cell::Kind::kString, std::string(key)},
                             engine::Cell::Count(count)});
    }
    // By count, then by value, as a local count by prints.
    std::sort(table->rows.begin(), table->rows.end(), [](const auto& x, const auto& y) {
      uint64_t a = std::stoull(x[1].text), b = std::stoull(y[1].text);
      return a != b ? a > b : x[0].text < y[0].text;
    });
    return Status();
  }
  simdjson::dom::array columns;
  simdjson::dom::array rows;
  if (root["columns"].get(columns) || root["rows"].get(rows)) {
    return Status::Corruption("the server's analysis has neither 'frequency' nor 'columns' and 'rows'");
  }
  for (simdjson::dom::element column : columns) {
    std::string_view name;
    if (column.get_string().get(name)) return Status::Corruption("a column name is not a string");
    table->columns.emplace_back(name);
  }
  for (simdjson::dom::element row : rows) {
    simdjson::dom::array cells;
    if (row.get(cells)) return Status::Corruption("a row is not an array");
    std::vector<engine::Cell> out;
    for (simdjson::dom::element cell : cells) out.push_back(CellOf(cell));
    table->rows.push_back(std::move(out));
  }
  return Status();
}

int Fail(const Status& status) {
  cli::Error("{}", status.message());
  switch (status.code()) {
    case Code::kInvalidArgument: return cli::kExitUsage;
    case Code::kCorruption: return cli::kExitDataErr;
    default: return cli::kExitUnavailable;
  }
}

}  // namespace

int RunRemote(const Options& options, bool stdout_is_terminal) {
  const Timestamp now = Now();
  Result<engine::Pipeline> pipeline = engine::ParsePipeline(options.query);
  if (!pipeline.ok()) {
    cli::Error("query: {}", pipeline.status().message());
    return cli::kExitUsage;
  }
  store::TimeRange range;
  for (const auto& [text, name, bound] :
       {std::tuple{&options.from, "from", &range.from_ns}, std::tuple{&options.to, "to", &range.to_ns}}) {
    if (text->empty()) continue;
    Result<Timestamp> time = ParseTimeSpec(*text, now);
    if (!time.ok()) {
      return cli::UsageError(Status::InvalidArgument(fmt::format(
          "invalid argument '{}' for '--{}': {}", *text, name, time.status().message())));
    }
    *bound = time->ns;
  }
  if (options.follow) {
    return cli::UsageError(Status::InvalidArgument("'--follow' reads a local store, not --server"));
  }
  const bool color = options.color == ColorMode::kAlways ||
                     (options.color == ColorMode::kAuto && stdout_is_terminal &&
                      std::getenv("NO_COLOR") == nullptr);
  FdWriter out(STDOUT_FILENO, "standard output");
  std::string json = "{\"filter\":";
  AppendJsonString(pipeline->query, &json);

  if (pipeline->analysis) {
    const engine::Analysis& analysis = *pipeline->analysis;
    OutputFormat format = options.output;
    if (format == OutputFormat::kAuto || format == OutputFormat::kText) {
      format = stdout_is_terminal ? OutputFormat::kTable : OutputFormat::kNdjson;
    }
    if (format == OutputFormat::kLogfmt) {
      return cli::UsageError(Status::InvalidArgument(
          "an analysis prints as table, ndjson, csv or tsv, not logfmt"));
    }
    const bool frequency = analysis.kind == engine::Analysis::Kind::kCount && analysis.by.size() == 1;
    json += ",\"analysis\":{\"type\":";
    if (frequency) {
      json += "\"frequency\",\"group_by\":";
      AppendJsonString(analysis.by[0].name, &json);
    } else {
      json += "\"pipe\",\"pipe\":";
      size_t bar = options.query.find('|', pipeline->query.size());
      AppendJsonString(std::string_view(options.query).substr(bar + 1), &json);
    }
    std::string times;
    AppendTimeRange(range, &times);
    if (!times.empty()) json += ",\"time_range\":{" + times.substr(1) + "}";
    json += "}}";
    Result<Reply> reply = Post(options, kAnalyzePath, json);
    if (!reply.ok()) return Fail(reply.status());
    engine::Table table;
    if (Status read = ReadTable(reply->body, analysis, &table); !read.ok()) return Fail(read);
    std::string text;
    WriteTable(table, format, color, &text);
    out.Append(text);
    out.Flush();
    if (!out.status().ok()) {
      cli::Error("{}", out.status().message());
      return cli::kExitIoErr;
    }
    return cli::kExitOk;
  }

  OutputFormat format = options.output;
  if (format == OutputFormat::kAuto) format = stdout_is_terminal ? OutputFormat::kText : OutputFormat::kNdjson;
  if (format == OutputFormat::kTable) {
    return cli::UsageError(Status::InvalidArgument(
        "'-o table' is for analyses; records print as ndjson, text, logfmt, csv or tsv"));
  }
  uint64_t limit = options.limit;
  if (!options.limit_given && stdout_is_terminal) limit = 100;
  if (limit != 0) json += fmt::format(",\"limit\":{}", limit);
  AppendTimeRange(range, &json);
  json += ",\"sort_by\":";
  AppendJsonString(options.sort, &json);
  json += options.descending ? ",\"sort_order\":\"desc\"}" : ",\"sort_order\":\"asc\"}";
  Result<Reply> reply = Post(options, kQueryPath, json);
  if (!reply.ok()) return Fail(reply.status());
  RecordStyle style{format, options.fields, color};
  out.Append(RecordHeader(style));
  uint64_t count = 0;
  Status rendered = RenderRecords(reply->body, style, &out, &count);
  out.Flush();
  if (!rendered.ok()) return Fail(rendered);
  if (!out.status().ok()) {
    cli::Error("{}", out.status().message());
    return cli::kExitIoErr;
  }
  return count == 0 ? cli::kExitNoMatch : cli::kExitOk;
}

}  // namespace logstream::logquery
