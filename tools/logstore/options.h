// tools/logstore/options.h -- logstore's command line and configuration file: the Options
// struct (defaults in the struct) and pure parsers that Catch2 can test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/store/store_writer.h"

namespace logstream::logstore {

enum class Command { kIngest, kStats, kVerify, kCompact, kExport };

struct Options {
  Command command = Command::kIngest;
  std::string dir;                       // the store directory (operand)
  std::string config_file;               // --config FILE.yaml
  std::vector<std::string> listen;       // --listen tcp://HOST:PORT | unix:PATH
  std::string metrics;                   // --metrics [HOST:]PORT (host default 127.0.0.1)
  store::SyncMode sync = store::SyncMode::kInterval;  // --sync
  int64_t sync_interval_ns = 1'000'000'000;           // --sync-interval
  int64_t retention_ns = 0;              // --retention DURATION (0: keep everything)
  uint64_t max_size_bytes = 0;           // --max-size SIZE (0: no limit)
  int compression_level = 1;             // --compression-level 1..19
  uint64_t memtable_bytes = 64u << 20;   // --memtable-size SIZE
  uint64_t max_line_bytes = 1 << 20;     // --max-line-bytes
  unsigned max_connections = 64;         // --max-connections (with --listen)
  std::string dead_letter;               // --dead-letter FILE
  std::string from;                      // export: --from TIME
  std::string to;                        // export: --to TIME
  bool stats = false;                    // --stats: a summary on stderr at the end
  bool quiet = false;                    // -q
  bool help = false;
  bool version = false;
  // Which options the command line set, so that the config file fills in only the others.
  std::vector<std::string> given;
};

// Parses argv. Pure: no I/O. The first operand may name a command (stats, verify, compact,
// export, ingest); otherwise it is the store directory and the command is ingest.
Result<Options> ParseArgs(int argc, char** argv);

// Applies the `store:` section of a YAML configuration (text already read) to `options`,
// without overriding what the command line gave. Unknown keys are an error naming the key
// and its line. `name` is the file name for messages.
Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options);

// "50G", "512M", "64KiB", "1000": bytes (K/M/G/T are powers of 1024).
Result<uint64_t> ParseSize(std::string_view text);

const char* HelpText();

}  // namespace logstream::logstore
