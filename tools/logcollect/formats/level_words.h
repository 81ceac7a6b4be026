// tools/logcollect/formats/level_words.h -- Finding a record's level in free text ("ERROR",
// "[warn]", "level=debug") and reading the level names of log layouts ParseLevel does not know
// (logcat's one-letter V D I W E F A). See docs/collect-formats.md "Level detection".
#pragma once

#include <optional>
#include <string_view>

#include "common/level.h"

namespace logstream::logcollect {

// Scans `text` from the start; the first of these wins:
//   - the first word in any case when a ':' follows it: "error: ...", "Warning: ...";
//   - a whole upper-case word ERROR ERR WARN WARNING FATAL CRITICAL CRIT PANIC INFO DEBUG TRACE
//     (a word: neighbours are not letters, digits or '_');
//   - any of those words in any case right inside brackets: [error] (Warn) <info>;
//   - the value after level= lvl= severity= (or ':' instead of '='), in any case, quoted or not.
// nullopt when none occurs. Elsewhere, words in mixed case are not levels: in prose they are
// too often ordinary words ("Errors are retried", "an error: 3 retries").
std::optional<Level> DetectLevel(std::string_view text);

// A level as a layout writes it: whatever ParseLevel accepts, else logcat's single letters
// (V verbose → trace, D, I, W, E, F and A assert → fatal). nullopt when unknown.
std::optional<Level> LevelFromText(std::string_view text);

}  // namespace logstream::logcollect
