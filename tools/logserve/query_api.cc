// tools/logserve/query_api.cc -- See query_api.h.
#include "tools/logserve/query_api.h"

#include <chrono>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/core.h>
#include <simdjson.h>

#include "common/engine/analysis.h"
#include "common/engine/record_search.h"
#include "common/json_writer.h"
#include "common/query/query.h"
#include "common/timestamp.h"

namespace logstream::logserve {
namespace {

// "unexpected ')' at column 14" -> 14; 0 when the message names no column.
int ColumnOf(std::string_view message) {
  size_t at = message.rfind("at column ");
  if (at == std::string_view::npos) return 0;
  int column = 0;
  for (size_t i = at + 10; i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i) {
    column = column * 10 + (message[i] - '0');
  }
  return column;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(at, comma - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    at = comma + 1;
  }
  return out;
}

// `field:"value"` with the query language's escapes.
void AppendExact(std::string_view field, std::string_view value, std::string* out) {
  *out += field;
  *out += ":\"";
  for (char c : value) {
    if (c == '"' || c == '\\') *out += '\\';
    *out += c;
  }
  *out += '"';
}

void AppendAnyOf(std::string_view field, const std::vector<std::string>& values, std::string* out) {
  if (values.empty()) return;
  *out += out->empty() ? "(" : " (";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) *out += " OR ";
    AppendExact(field, values[i], out);
  }
  *out += ')';
}

// What a record search needs from a request.
struct SearchParams {
  FilterSpec filter;
  std::string from;
  std::string to;
  std::optional<uint64_t> limit;
  std::string sort_by = "timestamp";
  bool descending = true;
};

Result<store::TimeRange> ParseRange(std::string_view from, std::string_view to, const Timestamp& now) {
  store::TimeRange range;
  for (auto [text, name, bound] : {std::tuple{from, "from", &range.from_ns},
                                   std::tuple{to, "to", &range.to_ns}}) {
    if (text.empty()) continue;
    Result<Timestamp> time = ParseTimeSpec(text, now);
    if (!time.ok()) {
      return Status::InvalidArgument(
          fmt::format("invalid '{}' time '{}': {}", name, text, time.status().message()));
    }
    *bound = time->ns;
  }
  return range;
}

Result<uint64_t> ParseLimit(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 19) {
    return Status::InvalidArgument(fmt::format("invalid value for limit: '{}'", text));
  }
  for (char c : text) {
    if (c < '0' || c > '9') return Status::InvalidArgument(fmt::format("invalid value for limit: '{}'", text));
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// A JSON array of records from canonical NDJSON lines: the newlines become commas (a
// canonical record has no raw newline inside).
void NdjsonToArray(std::string* text) {
  if (text->empty()) {
    *text = "[]";
    return;
  }
  for (char& c : *text) {
    if (c == '\n') c = ',';
  }
  text->back() = ']';
  text->insert(text->begin(), '[');
}

// Times a query for the histogram of /metrics, and counts it as running meanwhile.
class Stopwatch {
 public:
  Stopwatch(const DurationObserver& observe, std::atomic<unsigned>* running)
      : observe_(observe), running_(running), started_(std::chrono::steady_clock::now()) {
    running_->fetch_add(1, std::memory_order_relaxed);
  }
  ~Stopwatch() {
    running_->fetch_sub(1, std::memory_order_relaxed);
    if (observe_) {
      observe_(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    }
  }

 private:
  const DurationObserver& observe_;
  std::atomic<unsigned>* running_;
  std::chrono::steady_clock::time_point started_;
};

// Reading request members.
using simdjson::dom::element;
using simdjson::dom::element_type;

Status ExpectString(element value, std::string_view name, std::string* out) {
  std::string_view text;
  if (value.get_string().get(text)) {
    return Status::InvalidArgument(fmt::format("'{}' must be a string", name));
  }
  *out = text;
  return Status();
}

Status ExpectStrings(element value, std::string_view name, std::vector<std::string>* out) {
  simdjson::dom::array array;
  if (value.get_array().get(array)) {
    return Status::InvalidArgument(fmt::format("'{}' must be an array of strings", name));
  }
  for (element item : array) {
    std::string text;
    LS_RETURN_IF_ERROR(ExpectString(item, name, &text));
    out->push_back(std::move(text));
  }
  return Status();
}

Status ExpectCount(element value, std::string_view name, uint64_t* out) {
  if (value.get_uint64().get(*out)) {
    // "limit": "10" is accepted too: the seed writes counts as strings elsewhere.
    std::string_view text;
    if (!value.get_string().get(text)) {
      Result<uint64_t> parsed = ParseLimit(text);
      if (parsed.ok()) {
        *out = *parsed;
        return Status();
      }
    }
    return Status::InvalidArgument(fmt::format("'{}' must be a whole number", name));
  }
  return Status();
}

Result<simdjson::dom::object> ParseObject(simdjson::dom::parser* parser, std::string_view body) {
  element root;
  if (auto error = parser->parse(body.data(), body.size()).get(root); error) {
    return Status::InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) return Status::InvalidArgument("expected a JSON object");
  return object;
}

// A field name as an analysis takes it: letters, digits and _ . - @ only, so that it
// cannot change the meaning of the pipe it is written into.
Status CheckFieldName(std::string_view name, std::string_view member) {
  if (name.empty()) return Status::InvalidArgument(fmt::format("'{}' must name a field", member));
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '@';
    if (!ok) return Status::InvalidArgument(fmt::format("'{}' is not a field name: '{}'", member, name));
  }
  return Status();
}

void AppendCell(const engine::Cell& cell, std::string* out) {
  switch (cell.kind) {
    case engine::Cell::Kind::kNull: *out += "null"; break;
    case engine::Cell::Kind::kString: AppendJsonString(cell.text, out); break;
    case engine::Cell::Kind::kNumber:
    case engine::Cell::Kind::kJson: *out += cell.text; break;
  }
}

void AppendTimeBound(const std::string& text, std::string* out) {
  if (text.empty()) {
    *out += "null";
  } else {
    AppendJsonString(text, out);
  }
}

// The members every analysis answer starts with: type and the time range as requested.
std::string AnswerHead(std::string_view type, const std::string& from, const std::string& to) {
  std::string out = "{\"type\":";
  AppendJsonString(type, &out);
  out += ",\"time_range\":{\"from\":";
  AppendTimeBound(from, &out);
  out += ",\"to\":";
  AppendTimeBound(to, &out);
  out += "}";
  return out;
}

uint64_t CountCell(const engine::Cell& cell) {
  return cell.kind == engine::Cell::Kind::kNumber ? std::stoull(cell.text) : 0;
}

}  // namespace

ApiReply ErrorReply(int status, std::string_view message, int column) {
  ApiReply reply;
  reply.status = status;
  reply.body = "{\"error\":";
  AppendJsonString(message, &reply.body);
  if (column > 0) reply.body += fmt::format(",\"column\":{}", column);
  reply.body += "}";
  return reply;
}

ApiReply ErrorReplyFor(const Status& status) {
  switch (status.code()) {
    case Code::kInvalidArgument: return ErrorReply(400, status.message(), ColumnOf(status.message()));
    case Code::kResourceExhausted: return ErrorReply(503, status.message());
    case Code::kUnavailable: return ErrorReply(503, status.message());
    default: return ErrorReply(500, status.message());
  }
}

Result<std::string> ComposeQuery(const FilterSpec& spec) {
  // The client's query alone first, so that an error's column is in its own text.
  Result<query::Query> alone = query::Query::Compile(spec.q);
  if (!alone.ok()) {
    return Status::InvalidArgument(fmt::format("invalid query: {}", alone.status().message()));
  }
  std::string text;
  if (!alone->matches_everything()) text = "(" + spec.q + ")";
  AppendAnyOf("source", spec.sources, &text);
  AppendAnyOf("level", spec.levels, &text);
  return text;
}

FilterSpec FilterFromParams(const Params& params) {
  FilterSpec spec;
  for (const auto& [key, value] : params) {
    if (key == "q" || key == "query") {
      if (!spec.q.empty()) spec.q += ' ';
      spec.q += value;
    } else if (key == "source") {
      for (std::string& item : SplitList(value)) spec.sources.push_back(std::move(item));
    } else if (key == "level") {
      for (std::string& item : SplitList(value)) spec.levels.push_back(std::move(item));
    }
  }
  return spec;
}

namespace {

ApiReply RunSearch(StoreService* store, const Options& options, unsigned jobs,
                   const SearchParams& params, bool ndjson) {
  const Timestamp now = Now();
  Result<std::string> text = ComposeQuery(params.filter);
  if (!text.ok()) return ErrorReplyFor(text.status());
  Result<query::Query> compiled = query::Query::Compile(*text, now);
  if (!compiled.ok()) return ErrorReplyFor(compiled.status());
  Result<store::TimeRange> range = ParseRange(params.from, params.to, now);
  if (!range.ok()) return ErrorReplyFor(range.status());
  uint64_t limit = params.limit.value_or(options.default_limit);
  if (limit == 0 || limit > options.max_limit) {
    return ErrorReply(400, fmt::format("limit must be from 1 to {} (the server's --max-limit), not {}",
                                       options.max_limit, limit));
  }
  Result<std::shared_ptr<const store::StoreSnapshot>> snapshot = store->Snapshot();
  if (!snapshot.ok()) return ErrorReplyFor(snapshot.status());
  engine::RecordSearch search;
  search.scan.query = *compiled;
  search.scan.range = *range;
  search.scan.jobs = jobs;
  search.sort = engine::FieldRef::Parse(params.sort_by);
  search.order = params.descending ? engine::Order::kDescending : engine::Order::kAscending;
  search.limit = limit;
  search.memory_limit = options.memory_limit;
  search.render = [](const Record& record, std::string* out) { AppendRecord(record, out); };
  ApiReply reply;
  engine::ScanStats stats;
  Status searched = engine::SearchRecords(
      **snapshot, search,
      [&reply](std::string_view chunk) {
        reply.body += chunk;
        return true;
      },
      &stats);
  if (!searched.ok()) return ErrorReplyFor(searched);
  if (ndjson) {
    reply.content_type = "application/x-ndjson";
  } else {
    NdjsonToArray(&reply.body);
  }
  return reply;
}

}  // namespace

unsigned QueryApi::JobsNow() const {
  return running_.load(std::memory_order_relaxed) > 1 ? 1 : options_.jobs;
}

ApiReply QueryApi::GetLogs(const Params& params, bool ndjson) const {
  Stopwatch timer(observe_, &running_);
  SearchParams search;
  search.filter = FilterFromParams(params);
  for (const auto& [key, value] : params) {
    if (key == "from") {
      search.from = value;
    } else if (key == "to") {
      search.to = value;
    } else if (key == "limit") {
      Result<uint64_t> limit = ParseLimit(value);
      if (!limit.ok()) return ErrorReplyFor(limit.status());
      search.limit = *limit;
    } else if (key == "order" || key == "sort_order") {
      if (value != "asc" && value != "desc") {
        return ErrorReply(400, fmt::format("'{}' is asc or desc, not '{}'", key, value));
      }
      search.descending = value == "desc";
    } else if (key == "sort" || key == "sort_by") {
      search.sort_by = value;
    } else if (key != "q" && key != "query" && key != "source" && key != "level") {
      return ErrorReply(400, fmt::format("unknown parameter '{}'", key));
    }
  }
  return RunSearch(store_, options_, JobsNow(), search, ndjson);
}

ApiReply QueryApi::PostQuery(std::string_view body, bool ndjson) const {
  Stopwatch timer(observe_, &running_);
  simdjson::dom::parser parser;
  Result<simdjson::dom::object> object = ParseObject(&parser, body);
  if (!object.ok()) return ErrorReplyFor(object.status());
  SearchParams search;
  Status read;
  for (auto [key, value] : *object) {
    if (key == "filter" || key == "query") {
      read = ExpectString(value, key, &search.filter.q);
    } else if (key == "limit") {
      uint64_t limit = 0;
      read = ExpectCount(value, key, &limit);
      search.limit = limit;
    } else if (key == "from") {
      read = ExpectString(value, key, &search.from);
    } else if (key == "to") {
      read = ExpectString(value, key, &search.to);
    } else if (key == "levels") {
      read = ExpectStrings(value, key, &search.filter.levels);
    } else if (key == "sources") {
      read = ExpectStrings(value, key, &search.filter.sources);
    } else if (key == "sort_by") {
      read = ExpectString(value, key, &search.sort_by);
      if (read.ok() && search.sort_by.empty()) search.sort_by = "timestamp";
    } else if (key == "sort_order") {
      std::string order;
      read = ExpectString(value, key, &order);
      if (read.ok() && order != "asc" && order != "desc") {
        read = Status::InvalidArgument(fmt::format("'sort_order' is asc or desc, not '{}'", order));
      }
      search.descending = order == "desc";
    } else {
      read = Status::InvalidArgument(fmt::format("unknown member '{}'", key));
    }
    if (!read.ok()) return ErrorReplyFor(read);
  }
  return RunSearch(store_, options_, JobsNow(), search, ndjson);
}

ApiReply QueryApi::Analyze(std::string_view body) const {
  Stopwatch timer(observe_, &running_);
  simdjson::dom::parser parser;
  Result<simdjson::dom::object> object = ParseObject(&parser, body);
  if (!object.ok()) return ErrorReplyFor(object.status());
  std::string filter;
  simdjson::dom::object analysis;
  bool has_analysis = false;
  Status read;
  auto read_filter = [&](element value, std::string_view key) {
    std::string text;
    Status status = ExpectString(value, key, &text);
    if (status.ok() && !text.empty()) filter = filter.empty() ? text : "(" + filter + ") (" + text + ")";
    return status;
  };
  for (auto [key, value] : *object) {
    if (key == "filter" || key == "query") {
      read = read_filter(value, key);
    } else if (key == "analysis") {
      if (value.get_object().get(analysis)) {
        read = Status::InvalidArgument("'analysis' must be an object");
      }
      has_analysis = true;
    } else {
      read = Status::InvalidArgument(fmt::format("unknown member '{}'", key));
    }
    if (!read.ok()) return ErrorReplyFor(read);
  }
  if (!has_analysis) return ErrorReply(400, "missing 'analysis'");

  std::string type, group_by, interval = "1h", field, pipe, from, to;
  uint64_t top = 10;
  for (auto [key, value] : analysis) {
    if (key == "type") {
      read = ExpectString(value, "analysis.type", &type);
    } else if (key == "group_by") {
      read = ExpectString(value, "analysis.group_by", &group_by);
      if (read.ok()) read = CheckFieldName(group_by, "analysis.group_by");
    } else if (key == "interval") {
      read = ExpectString(value, "analysis.interval", &interval);
      if (read.ok() && !ParseDuration(interval).ok()) {
        read = Status::InvalidArgument(
            fmt::format("'analysis.interval' is a duration such as 1m or 1h, not '{}'", interval));
      }
    } else if (key == "field") {
      read = ExpectString(value, "analysis.field", &field);
      if (read.ok()) read = CheckFieldName(field, "analysis.field");
    } else if (key == "limit") {
      read = ExpectCount(value, "analysis.limit", &top);
      if (read.ok() && top == 0) read = Status::InvalidArgument("'analysis.limit' must be at least 1");
    } else if (key == "pipe") {
      read = ExpectString(value, "analysis.pipe", &pipe);
    } else if (key == "filter" || key == "query") {
      read = read_filter(value, "analysis.filter");
    } else if (key == "time_range") {
      simdjson::dom::object range;
      if (value.get_object().get(range)) {
        read = Status::InvalidArgument("'analysis.time_range' must be an object");
      } else {
        for (auto [bound, text] : range) {
          if (bound == "from") {
            if (text.type() != element_type::NULL_VALUE) read = ExpectString(text, "time_range.from", &from);
          } else if (bound == "to") {
            if (text.type() != element_type::NULL_VALUE) read = ExpectString(text, "time_range.to", &to);
          } else {
            read = Status::InvalidArgument(fmt::format("unknown member 'time_range.{}'", bound));
          }
          if (!read.ok()) break;
        }
      }
    } else {
      read = Status::InvalidArgument(fmt::format("unknown member 'analysis.{}'", key));
    }
    if (!read.ok()) return ErrorReplyFor(read);
  }

  // Each analysis is written in the query language's pipe syntax and parsed by its parser.
  std::string stage;
  const std::string by = group_by.empty() ? "" : " by " + group_by;
  if (type == "frequency") {
    if (group_by.empty()) return ErrorReply(400, "a frequency analysis needs 'group_by'");
    stage = "count" + by;
  } else if (type == "histogram") {
    stage = "histogram " + interval + by;
  } else if (type == "top") {
    if (field.empty()) return ErrorReply(400, "a top analysis needs 'field'");
    stage = fmt::format("top {} {}", top, field);
  } else if (type == "stats") {
    if (field.empty()) return ErrorReply(400, "a stats analysis needs 'field'");
    stage = fmt::format("stats count() avg({0}) min({0}) max({0}) sum({0}) p50({0}) p95({0}) p99({0}){1}",
                        field, by);
  } else if (type == "pipe") {
    if (pipe.empty()) return ErrorReply(400, "a pipe analysis needs 'pipe', e.g. \"count by source\"");
    stage = pipe;
  } else {
    return ErrorReply(400, fmt::format("unknown analysis type '{}'; expected frequency, histogram, "
                                       "top, stats or pipe", type));
  }
  constexpr std::string_view kBar = "| ";
  Result<engine::Pipeline> pipeline = engine::ParsePipeline(std::string(kBar) + stage);
  if (!pipeline.ok()) {
    // The column is counted in the stage the client wrote (a pipe) or that we wrote from
    // its members; either way without the "| " put before it here.
    std::string message(pipeline.status().message());
    int column = ColumnOf(message);
    if (column > static_cast<int>(kBar.size())) {
      column -= static_cast<int>(kBar.size());
      message = message.substr(0, message.rfind("at column ")) + fmt::format("at column {}", column);
    } else {
      column = 0;
    }
    return ErrorReply(400, fmt::format("invalid analysis: {}", message), type == "pipe" ? column : 0);
  }
  if (!pipeline->analysis || !pipeline->query.empty()) {
    return ErrorReply(400, fmt::format("invalid analysis '{}': not a single analysis stage", stage));
  }
  const Timestamp now = Now();
  Result<std::string> query_text = ComposeQuery(FilterSpec{filter, {}, {}});
  if (!query_text.ok()) return ErrorReplyFor(query_text.status());
  Result<query::Query> compiled = query::Query::Compile(*query_text, now);
  if (!compiled.ok()) return ErrorReplyFor(compiled.status());
  Result<store::TimeRange> range = ParseRange(from, to, now);
  if (!range.ok()) return ErrorReplyFor(range.status());
  Result<std::shared_ptr<const store::StoreSnapshot>> snapshot = store_->Snapshot();
  if (!snapshot.ok()) return ErrorReplyFor(snapshot.status());
  engine::AnalysisRequest request;
  request.scan.query = *compiled;
  request.scan.range = *range;
  request.scan.jobs = JobsNow();
  request.analysis = *pipeline->analysis;
  request.memory_limit = options_.memory_limit;
  engine::Table table;
  engine::ScanStats stats;
  if (Status ran = engine::RunAnalysis(**snapshot, request, &table, &stats); !ran.ok()) {
    return ErrorReplyFor(ran);
  }

  ApiReply reply;
  std::string& out = reply.body;
  if (type == "pipe") {
    out = "{\"type\":\"pipe\",\"columns\":[";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(table.columns[i], &out);
    }
    out += "],\"rows\":[";
    for (size_t r = 0; r < table.rows.size(); ++r) {
      out += r > 0 ? ",[" : "[";
      for (size_t c = 0; c < table.rows[r].size(); ++c) {
        if (c > 0) out += ',';
        AppendCell(table.rows[r][c], &out);
      }
      out += ']';
    }
    out += "]}";
    return reply;
  }
  out = AnswerHead(type, from, to);
  const size_t count_column = table.columns.size() - 1;  // count, where there is one
  if (type == "frequency") {
    // The seed's map: value -> count. Records without the field are not in it, nor in count.
    uint64_t total = 0;
    std::string map;
    for (const auto& row : table.rows) {
      if (row[0].kind == engine::Cell::Kind::kNull) continue;
      uint64_t count = CountCell(row[count_column]);
      total += count;
      map += map.empty() ? "" : ",";
      AppendJsonString(row[0].text, &map);
      map += fmt::format(":{}", count);
    }
    out += fmt::format(",\"count\":{},\"frequency\":{{{}}}}}", total, map);
  } else if (type == "histogram") {
    uint64_t total = 0;
    std::string buckets;
    for (const auto& row : table.rows) {
      uint64_t count = CountCell(row[count_column]);
      total += count;
      buckets += buckets.empty() ? "{\"time\":" : ",{\"time\":";
      AppendCell(row[0], &buckets);
      if (!group_by.empty()) {
        buckets += ",\"group\":";
        AppendCell(row[1], &buckets);
      }
      buckets += fmt::format(",\"count\":{}}}", count);
    }
    out += ",\"interval\":";
    AppendJsonString(interval, &out);
    out += fmt::format(",\"count\":{},\"buckets\":[{}]}}", total, buckets);
  } else if (type == "top") {
    std::string items;
    for (const auto& row : table.rows) {
      uint64_t count = CountCell(row[count_column]);
      items += items.empty() ? "{\"value\":" : ",{\"value\":";
      AppendCell(row[0], &items);
      items += fmt::format(",\"count\":{}}}", count);
    }
    // count is every record selected, not only those in the top N.
    out += ",\"field\":";
    AppendJsonString(field, &out);
    out += fmt::format(",\"count\":{},\"top\":[{}]}}", stats.records_matched, items);
  } else {  // stats: the groups' columns, then count avg min max sum p50 p95 p99
    static constexpr const char* kNames[] = {"count", "avg", "min", "max", "sum", "p50", "p95", "p99"};
    const size_t first = group_by.empty() ? 0 : 1;
    auto append_stats = [&](const std::vector<engine::Cell>& row, std::string* to_text) {
      for (size_t i = 0; i < std::size(kNames); ++i) {
        *to_text += fmt::format("{}\"{}\":", i > 0 ? "," : "", kNames[i]);
        AppendCell(row[first + i], to_text);
      }
    };
    uint64_t total = 0;
    for (const auto& row : table.rows) total += CountCell(row[first]);
    out += ",\"field\":";
    AppendJsonString(field, &out);
    out += fmt::format(",\"count\":{}", total);
    if (group_by.empty()) {
      out += ",\"stats\":{";
      if (!table.rows.empty()) append_stats(table.rows[0], &out);
      out += "}}";
    } else {
      out += ",\"group_by\":";
      AppendJsonString(group_by, &out);
      out += ",\"groups\":[";
      for (size_t r = 0; r < table.rows.size(); ++r) {
        out += r > 0 ? ",{\"group\":" : "{\"group\":";
        AppendCell(table.rows[r][0], &out);
        out += ',';
        append_stats(table.rows[r], &out);
        out += '}';
      }
      out += "]}";
    }
  }
  return reply;
}

ApiReply QueryApi::Sources() const {
  Stopwatch timer(observe_, &running_);
  Result<store::StoreStats> stats = store_->Stats();
  if (!stats.ok()) return ErrorReplyFor(stats.status());
  ApiReply reply;
  reply.body = "[";
  for (const auto& [source, count] : stats->by_source) {
    if (reply.body.size() > 1) reply.body += ',';
    AppendJsonString(source, &reply.body);
  }
  reply.body += "]";
  return reply;
}

ApiReply QueryApi::Stats() const {
  Stopwatch timer(observe_, &running_);
  Result<store::StoreStats> stats = store_->Stats();
  if (!stats.ok()) return ErrorReplyFor(stats.status());
  ApiReply reply;
  reply.body = store::StatsJson(*stats);
  return reply;
}

}  // namespace logstream::logserve
