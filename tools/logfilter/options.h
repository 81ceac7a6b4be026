// tools/logfilter/options.h -- logfilter's command line: the Options struct (defaults in the
// struct, LevelDB options.h style) and a pure parser that Catch2 can test.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace logstream::logfilter {

struct SharedObjectPluginSpec {
  std::string path;
  std::string config_json = "{}";
};

struct Options {
  std::string query;                 // empty: every record
  std::vector<std::string> files;    // empty or "-": standard input
  bool invert = false;               // -v: keep the records the query does not match
  bool count = false;                // -c: print the number of records instead
  uint64_t limit = 0;                // -n: stop after this many records (0: no limit)
  unsigned jobs = 0;                 // -j: worker threads (0: one per core)
  bool unordered = false;            // --unordered: output in completion order
  std::string rules_file;            // --rules FILE.yaml
  // Transform flags in command-line order: {"set", "env=prod"}, {"rename", "a=b"}, ...
  std::vector<std::pair<std::string, std::string>> rule_flags;
  std::vector<SharedObjectPluginSpec> plugins;  // --plugin PATH [--plugin-config JSON]
  std::string exec_plugin;           // --exec 'COMMAND': run through /bin/sh -c
  std::string dead_letter;           // --dead-letter FILE
  bool stats = false;                // --stats: a summary on stderr at the end
  bool quiet = false;                // -q: no per-line rejection messages
  uint64_t max_line_bytes = 1 << 20; // --max-line-bytes
  bool help = false;
  bool version = false;
};

// Parses argv. Pure: no I/O, no exit. The first operand is the query unless -e/--query gave
// one; the rest are files. Errors are InvalidArgument with the message to print.
Result<Options> ParseArgs(int argc, char** argv);

// The --help text.
const char* HelpText();

}  // namespace logstream::logfilter
