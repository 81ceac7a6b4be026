// tools/logquery/options.h -- logquery's command line and the `query:` section of the
// configuration file: the Options struct (defaults in the struct) and pure parsers that
// Catch2 can test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace logstream::logquery {

enum class OutputFormat { kAuto, kNdjson, kText, kLogfmt, kCsv, kTsv, kTable };
enum class ColorMode { kAuto, kAlways, kNever };

struct Options {
  std::string query;                 // the operand or -e: query text, optionally "| analysis"
  bool query_given = false;          // -e/--query
  std::string store;                 // --store DIR, else $LOGSTREAM_STORE, else config
  std::string config_file;           // --config FILE.yaml
  std::string server;                // --server URL: a remote logserve instead of a store
  std::string from;                  // --from / --since TIME
  std::string to;                    // --to/--until TIME
  bool limit_given = false;
  uint64_t limit = 0;                // --limit N (0: none)
  std::string sort = "timestamp";    // --sort KEY
  bool descending = false;           // --order desc
  bool order_given = false;
  OutputFormat output = OutputFormat::kAuto;  // -o
  std::vector<std::string> fields;   // --fields a,b,c
  ColorMode color = ColorMode::kAuto;
  unsigned jobs = 0;                 // -j (0: the number of CPUs)
  uint64_t memory_limit = uint64_t{1} << 30;  // --memory-limit SIZE
  bool explain = false;              // --explain
  bool follow = false;               // -f/--follow
  int64_t poll_interval_ns = 250'000'000;  // --poll-interval (follow)
  bool help = false;
  bool version = false;
  std::vector<std::string> given;    // long names of the options the command line set
};

// Parses argv. Pure: no I/O, no environment.
Result<Options> ParseArgs(int argc, char** argv);

// Applies the `query:` section of a YAML configuration (text already read) to `options`,
// without overriding what the command line gave. Unknown keys are an error naming the key
// and its line. `name` is the file name for messages.
Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options);

const char* HelpText();

}  // namespace logstream::logquery
