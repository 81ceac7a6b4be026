// common/config_file.cc -- See config_file.h.
#include "common/config_file.h"

#include <algorithm>

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

namespace logstream::config {
namespace {

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

bool Contains(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Status ApplyEntries(const YAML::Node& section, std::string_view file_name, const SectionSpec& spec,
                    const std::vector<std::string>& given, const SetOption& set) {
  for (const auto& entry : section) {
    const std::string key = entry.first.as<std::string>();
    if (Contains(spec.own, key)) continue;
    if (!Contains(spec.keys, key)) {
      return Status::InvalidArgument(fmt::format("{}:{}: unknown key '{}.{}'", file_name,
                                                 LineOf(entry.first), spec.name, key));
    }
    std::string option = key;
    std::replace(option.begin(), option.end(), '_', '-');
    if (std::find(given.begin(), given.end(), option) != given.end()) {
      continue;  // the command line wins
    }
    std::vector<std::string> values;
    if (entry.second.IsSequence() && Contains(spec.lists, key)) {
      for (const auto& item : entry.second) values.push_back(item.as<std::string>());
    } else if (entry.second.IsScalar()) {
      values.push_back(entry.second.as<std::string>());
    } else {
      // yaml-cpp places an empty value where the next token starts: name the key's line.
      const YAML::Node& at = entry.second.IsNull() ? entry.first : entry.second;
      return Status::InvalidArgument(fmt::format("{}:{}: '{}.{}' must be a single value",
                                                 file_name, LineOf(at), spec.name, key));
    }
    for (const std::string& value : values) {
      Status status = set(option, value);
      if (!status.ok()) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: {}", file_name, LineOf(entry.second), status.message()));
      }
    }
  }
  return Status();
}

}  // namespace

Status CheckSections(std::string_view yaml_text, std::string_view file_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
    if (!root || root.IsNull()) return Status();
    if (!root.IsMap()) {
      return Status::InvalidArgument(fmt::format("{}:1: expected a mapping", file_name));
    }
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      if (std::find(std::begin(kSections), std::end(kSections), key) == std::end(kSections)) {
        std::string known;
        for (std::string_view section : kSections) known += fmt::format("{}{}", known.empty() ? "" : ", ", section);
        return Status::InvalidArgument(fmt::format("{}:{}: unknown section '{}' (known: {})", file_name,
                                                   LineOf(entry.first), key, known));
      }
    }
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return Status::InvalidArgument(fmt::format("{}:{}: invalid YAML: {}", file_name, line, e.msg));
  }
  return Status();
}

Status ApplySection(std::string_view yaml_text, std::string_view file_name, const SectionSpec& spec,
                    const std::vector<std::string>& given, const SetOption& set) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return Status::InvalidArgument(fmt::format("{}:{}: invalid YAML: {}", file_name, line, e.msg));
  }
  if (!root || root.IsNull()) return Status();
  if (!root.IsMap()) {
    return Status::InvalidArgument(fmt::format("{}:1: expected a mapping", file_name));
  }
  YAML::Node section = root[std::string(spec.name)];
  if (!section || section.IsNull()) return Status();
  if (!section.IsMap()) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: '{}' must be a mapping", file_name, LineOf(section), spec.name));
  }
  try {
    return ApplyEntries(section, file_name, spec, given, set);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? LineOf(section) : e.mark.line + 1;
    return Status::InvalidArgument(fmt::format("{}:{}: {}", file_name, line, e.msg));
  }
}

}  // namespace logstream::config
