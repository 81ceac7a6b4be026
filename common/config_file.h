// common/config_file.h -- A tool's section of the shared YAML configuration file.
//
// Every tool reads one top-level section of the same file (logstore `store:`, logquery
// `query:`), and each key of a section is the tool's long option of the same name, with
// underscores for dashes (`memory_limit` is `--memory-limit`): the value goes through the
// option's own parser, so a key and its option cannot drift apart. Options given on the
// command line win over the file.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstream::config {

struct SectionSpec {
  std::string_view name;               // the top-level key: "store"
  std::vector<std::string_view> keys;   // every key the tool knows
  std::vector<std::string_view> lists;  // keys that may also hold a list of values
  std::vector<std::string_view> own = {};  // keys the tool reads itself (nested structure)
};

// Sets option `option` (its long name) to `value`, as the command line would.
using SetOption = std::function<Status(const std::string& option, const std::string& value)>;

// Applies section `spec.name` of `yaml_text` (read from `file_name`): for each key, unless
// `given` (long option names) holds its option, calls `set` once per value. Absent file
// content or section is not an error. Anything wrong is InvalidArgument "FILE:LINE: why":
// invalid YAML, an unknown key ("unknown key 'store.x'"), a mapping or missing value where
// a value belongs, or a value `set` refuses.
Status ApplySection(std::string_view yaml_text, std::string_view file_name, const SectionSpec& spec,
                    const std::vector<std::string>& given, const SetOption& set);

// The top-level sections of the configuration file, one per tool or shared concern
// (config.yaml.example documents each). `filter` and `collect` are kept for logfilter and
// logcollect, so that a file written for them is accepted by the other tools.
inline constexpr std::string_view kSections[] = {"store", "query", "server", "auth",
                                                 "tls",   "filter", "collect"};

// Checks that every top-level key of `yaml_text` is one of kSections, so that a misspelt
// section is an error in every tool rather than silently ignored: InvalidArgument
// "FILE:LINE: unknown section 'sever'". Invalid YAML is reported as ApplySection does.
Status CheckSections(std::string_view yaml_text, std::string_view file_name);

}  // namespace logstream::config
