// tools/logfilter/rule.h -- A transform rule: one step that changes or drops a record.
// Rules come from a YAML file (--rules, see man/logfilter.1 "RULES") and from command-line
// flags (--set, --rename, ...), and run in order; each may carry a `when:` query.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.h"
#include "common/result.h"

namespace logstream::logfilter {

class Rule {
 public:
  virtual ~Rule() = default;

  // Applies the rule to `record` (skipping it when a `when:` query does not match); returns
  // false when the record is to be dropped. Strings the rule creates go into record->Own().
  // Thread-safety: a stateless rule is shared by all worker threads, so Apply() must not
  // touch shared mutable state; a stateful rule is called from one thread only, in input
  // order.
  virtual bool Apply(Record* record) = 0;

  // True for rules whose outcome depends on earlier records (dedup, rate_limit): the
  // pipeline runs them, and every rule after them, in input order on one thread.
  virtual bool stateful() const { return false; }

  // The rule's name for --stats ("drop-debug", or "rule 3 (set)" when unnamed).
  virtual const std::string& name() const = 0;
};

using RuleList = std::vector<std::unique_ptr<Rule>>;

// Loads a rules file. Errors carry the file and line: "rules.yaml:3: unknown action 'sett'".
Result<RuleList> LoadRulesFile(const std::string& path);

// Parses rules from YAML text; `name` is used in error messages.
Result<RuleList> ParseRules(std::string_view yaml_text, std::string_view name);

// Builds one rule from a command-line flag: `action` is the flag without dashes ("set",
// "rename", ...), `argument` its value. See man/logfilter.1 "TRANSFORM OPTIONS".
Result<std::unique_ptr<Rule>> RuleFromFlag(std::string_view action, std::string_view argument);

}  // namespace logstream::logfilter
