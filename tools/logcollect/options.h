// tools/logcollect/options.h -- logcollect's command line and the `collect:` section of the
// configuration file: the Options struct (defaults in the struct) and pure parsers that
// Catch2 can test. Per-source options are the same on the command line (applying to every
// source given there) and in each entry of `collect: sources:`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "tools/logcollect/collector.h"
#include "tools/logcollect/output.h"
#include "tools/logcollect/source_spec.h"

namespace logstream::logcollect {

struct Options {
  std::vector<std::string> source_urls;  // --sources a,b and operands
  std::vector<SourceSpec> sources;       // resolved: command-line URLs, then the config's
  SourceSpec source_defaults;            // per-source options given on the command line
  std::string config_file;               // --config FILE.yaml
  std::string state_dir;                 // --state DIR
  std::string metrics;                   // --metrics [HOST:]PORT
  std::string dead_letter;               // --dead-letter FILE
  OutputOptions output;                  // --output, --buffer, --spool, --spool-max
  CollectorOptions collector;            // --threads, --queue-chunks, --once, ...
  bool stats = false;                    // --stats: a summary on stderr at the end
  bool quiet = false;                    // -q: no per-line reports
  bool help = false;
  bool version = false;
  std::vector<std::string> given;        // long options the command line set
};

Result<Options> ParseArgs(int argc, char** argv);

// Applies the `collect:` section of a YAML file under the command line's options; its
// `sources:` list is added to options->sources. Errors name the file and line.
Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options);

// Turns the URLs of the command line into specs carrying the command line's per-source
// options, and checks the whole: at least one source, at most one stdin, formats compiled.
Status ResolveSources(Options* options);

// One per-source option by its long name ("format", "read-from", "multiline-start", ...) as
// the command line and the config's source entries write it. Unknown names: NotFound.
Status SetSourceOption(std::string_view name, std::string_view value, SourceSpec* spec);

const char* HelpText();

}  // namespace logstream::logcollect
