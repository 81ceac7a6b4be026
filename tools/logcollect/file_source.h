// tools/logcollect/file_source.h -- file:///path and file:///dir/*.log: tails every matching
// file with one reader thread, across rotation by rename and by copytruncate, picking up new
// files as the glob matches them and releasing deleted ones. Files are known by a fingerprint
// of their first line (up to 256 bytes), so a checkpoint follows a renamed file and a reused
// inode is not mistaken for an old file. See docs/collect-state.md.
#pragma once

#include <memory>

#include "common/result.h"
#include "tools/logcollect/source.h"

namespace logstream::logcollect {

// The glob is expanded again every spec.scan_interval_ns, at once after a rotation and on
// SIGHUP; idle files are polled for new data every 100 ms.
Result<std::unique_ptr<Source>> CreateFileSource(const SourceSpec& spec);

// The fingerprint of a file's content: FNV-1a 64 over its first line, at most 256 bytes, as
// "file:<16 hex digits>". Empty when `head` holds neither a newline nor 256 bytes and
// `complete` is false (the file is too young to be told apart).
std::string FingerprintKey(std::string_view head, bool complete);

}  // namespace logstream::logcollect
