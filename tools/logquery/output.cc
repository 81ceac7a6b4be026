// tools/logquery/output.cc -- Record and table formatting.
#include "tools/logquery/output.h"

#include <algorithm>

#include <fmt/core.h>

#include "common/json_writer.h"
#include "common/timestamp.h"

namespace logstream::logquery {
namespace {

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kBold = "\x1b[1m";

std::string_view LevelColor(std::string_view level) {
  if (level == "fatal" || level == "error") return "\x1b[1;31m";
  if (level == "warn") return "\x1b[33m";
  if (level == "debug" || level == "trace") return kDim;
  return "";
}

// The value of one --fields name in a record; false when the record has none.
bool Lookup(const Record& record, std::string_view name, Value* out, std::string* scratch) {
  if (name == "timestamp") {
    *scratch = FormatRfc3339(record.timestamp);
    *out = Value::String(*scratch);
    return true;
  }
  if (name == "source") {
    *out = Value::String(record.source);
    return true;
  }
  if (name == "level") {
    *out = Value::String(record.level);
    return true;
  }
  if (name == "message") {
    *out = Value::String(record.message);
    return true;
  }
  if (name.size() > 7 && name.substr(0, 7) == "fields.") name.remove_prefix(7);
  const Value* value = record.Find(name);
  if (value == nullptr) return false;
  *out = *value;
  return true;
}

bool NeedsLogfmtQuotes(std::string_view text) {
  if (text.empty()) return true;
  for (unsigned char c : text) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendLogfmtValue(std::string_view text, std::string* out) {
  if (!NeedsLogfmtQuotes(text)) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out->append(fmt::format("\\u{:04x}", c));
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// One line of text: control bytes would break the one-line-per-record promise.
void AppendOneLine(std::string_view text, std::string* out) {
  for (unsigned char c : text) {
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c < 0x20 && c != '\t') {
      out->append(fmt::format("\\x{:02x}", c));
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

void AppendCsvValue(std::string_view text, std::string* out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendTsvValue(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\\': out->append("\\\\"); break;
      default: out->push_back(c);
    }
  }
}

const std::vector<std::string>& DefaultColumns() {
  static const std::vector<std::string> kColumns = {"timestamp", "source", "level", "message"};
  return kColumns;
}

void RenderText(const RecordStyle& style, const Record& record, std::string* out) {
  char time[kMaxRfc3339Bytes];
  char* end = FormatRfc3339(record.timestamp, time);
  if (style.color) out->append(kDim);
  out->append(time, end);
  if (style.color) out->append(kReset);
  std::string scratch;
  if (!style.fields.empty()) {
    // The time, then the chosen keys as key=value.
    Value value;
    for (const std::string& name : style.fields) {
      if (name == "timestamp" || !Lookup(record, name, &value, &scratch)) continue;
      out->push_back(' ');
      out->append(name);
      out->push_back('=');
      AppendLogfmtValue(value.text, out);
    }
    out->push_back('\n');
    return;
  }
  out->push_back(' ');
  AppendOneLine(record.source.empty() ? std::string_view("-") : record.source, out);
  out->push_back(' ');
  // An unknown level keeps its input text: it is escaped like the rest of the line.
  std::string upper(record.level);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string level;
  AppendOneLine(upper, &level);
  std::string_view color = style.color ? LevelColor(record.level) : "";
  out->append(color);
  out->append(fmt::format("{:<5}", level));
  if (!color.empty()) out->append(kReset);
  out->push_back(' ');
  AppendOneLine(record.message, out);
  for (const Field& field : record.fields) {
    out->push_back(' ');
    if (style.color) out->append(kDim);
    AppendOneLine(field.key, out);
    out->push_back('=');
    if (style.color) out->append(kReset);
    AppendLogfmtValue(field.value.text, out);
  }
  out->push_back('\n');
}

void RenderLogfmt(const RecordStyle& style, const Record& record, std::string* out) {
  const std::vector<std::string>& names = style.fields.empty() ? DefaultColumns() : style.fields;
  Value value;
  std::string scratch;
  bool first = true;
  auto pair = [&](std::string_view key, std::string_view text) {
    if (!first) out->push_back(' ');
    first = false;
    AppendLogfmtValue(key, out);
    out->push_back('=');
    AppendLogfmtValue(text, out);
  };
  for (const std::string& name : names) {
    if (Lookup(record, name, &value, &scratch)) pair(name, value.text);
  }
  if (style.fields.empty()) {
    for (const Field& field : record.fields) pair(field.key, field.value.text);
  }
  out->push_back('\n');
}

void RenderSeparated(const RecordStyle& style, const Record& record, std::string* out) {
  const std::vector<std::string>& names = style.fields.empty() ? DefaultColumns() : style.fields;
  const bool csv = style.format == OutputFormat::kCsv;
  Value value;
  std::string scratch;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out->push_back(csv ? ',' : '\t');
    if (!Lookup(record, names[i], &value, &scratch)) continue;
    if (csv) {
      AppendCsvValue(value.text, out);
    } else {
      AppendTsvValue(value.text, out);
    }
  }
  out->push_back('\n');
}

void RenderNdjson(const RecordStyle& style, const Record& record, std::string* out) {
  if (style.fields.empty()) {
    AppendRecord(record, out);
    return;
  }
  Value value;
  std::string scratch;
  out->push_back('{');
  for (size_t i = 0; i < style.fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(style.fields[i], out);
    out->push_back(':');
    if (Lookup(record, style.fields[i], &value, &scratch)) {
      AppendJsonValue(value, out);
    } else {
      out->append("null");
    }
  }
  out->append("}\n");
}

void AppendCellJson(const engine::Cell& cell, std::string* out) {
  if (cell.kind == engine::Cell::Kind::kString) {
    AppendJsonString(cell.text, out);
  } else {
    out->append(cell.text);
  }
}

// Display width: UTF-8 continuation bytes take no column.
size_t Width(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

}  // namespace

engine::RecordRenderer MakeRecordRenderer(const RecordStyle& style) {
  switch (style.format) {
    case OutputFormat::kText:
      return [style](const Record& record, std::string* out) { RenderText(style, record, out); };
    case OutputFormat::kLogfmt:
      return [style](const Record& record, std::string* out) { RenderLogfmt(style, record, out); };
    case OutputFormat::kCsv:
    case OutputFormat::kTsv:
      return [style](const Record& record, std::string* out) {
        RenderSeparated(style, record, out);
      };
    default:
      return [style](const Record& record, std::string* out) { RenderNdjson(style, record, out); };
  }
}

std::string RecordHeader(const RecordStyle& style) {
  if (style.format != OutputFormat::kCsv && style.format != OutputFormat::kTsv) return "";
  const std::vector<std::string>& names = style.fields.empty() ? DefaultColumns() : style.fields;
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(style.format == OutputFormat::kCsv ? ',' : '\t');
    if (style.format == OutputFormat::kCsv) {
      AppendCsvValue(names[i], &out);
    } else {
      AppendTsvValue(names[i], &out);
    }
  }
  out.push_back('\n');
  return out;
}

void WriteTable(const engine::Table& table, OutputFormat format, bool color, std::string* out) {
  const size_t columns = table.columns.size();
  if (format == OutputFormat::kNdjson) {
    for (const std::vector<engine::Cell>& row : table.rows) {
      out->push_back('{');
      for (size_t i = 0; i < columns && i < row.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonString(table.columns[i], out);
        out->push_back(':');
        AppendCellJson(row[i], out);
      }
      out->append("}\n");
    }
    return;
  }
  if (format == OutputFormat::kCsv || format == OutputFormat::kTsv) {
    const bool csv = format == OutputFormat::kCsv;
    auto line = [&](auto cell_text, size_t n) {
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) out->push_back(csv ? ',' : '\t');
        std::string_view text = cell_text(i);
        if (csv) {
          AppendCsvValue(text, out);
        } else {
          AppendTsvValue(text, out);
        }
      }
      out->push_back('\n');
    };
    line([&](size_t i) -> std::string_view { return table.columns[i]; }, columns);
    for (const auto& row : table.rows) {
      line([&](size_t i) -> std::string_view {
        return row[i].kind == engine::Cell::Kind::kNull ? std::string_view() : row[i].text;
      }, std::min(columns, row.size()));
    }
    return;
  }
  // An aligned table: numbers to the right, text to the left, a missing value as "-".
  auto shown = [](const engine::Cell& cell) -> std::string {
    if (cell.kind == engine::Cell::Kind::kNull) return "-";
    std::string text;
    AppendOneLine(cell.text, &text);
    // A tab would jump to the terminal's next tab stop and shift the columns after it.
    for (size_t at = 0; (at = text.find('\t', at)) != std::string::npos; at += 2) {
      text.replace(at, 1, "\\t");
    }
    return text;
  };
  std::vector<size_t> widths(columns);
  for (size_t i = 0; i < columns; ++i) widths[i] = Width(table.columns[i]);
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < columns && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Width(shown(row[i])));
    }
  }
  auto pad = [&](std::string_view text, size_t width, bool right) {
    size_t fill = width > Width(text) ? width - Width(text) : 0;
    if (right) out->append(fill, ' ');
    out->append(text);
    if (!right) out->append(fill, ' ');
  };
  std::vector<bool> numeric(columns, true);
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < columns && i < row.size(); ++i) {
      if (row[i].kind != engine::Cell::Kind::kNumber && row[i].kind != engine::Cell::Kind::kNull) {
        numeric[i] = false;
      }
    }
  }
  if (color) out->append(kBold);
  for (size_t i = 0; i < columns; ++i) {
    if (i > 0) out->append("  ");
    pad(table.columns[i], i + 1 == columns && !numeric[i] ? 0 : widths[i], numeric[i]);
  }
  if (color) out->append(kReset);
  out->push_back('\n');
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < columns && i < row.size(); ++i) {
      if (i > 0) out->append("  ");
      pad(shown(row[i]), i + 1 == columns && !numeric[i] ? 0 : widths[i], numeric[i]);
    }
    out->push_back('\n');
  }
}

}  // namespace logstream::logquery
