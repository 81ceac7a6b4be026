// common/cli.h -- What every LogStream command shares: the program name, diagnostics on
// stderr, exit codes (sysexits, with grep's 0/1 for selection) and the end of a run.
// See man/logstream.1 "EXIT STATUS" and ../docs/architecture.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "common/result.h"
#include "common/status.h"

struct option;  // <getopt.h>

namespace logstream::cli {

// Exit statuses shared by all tools; each man page lists them.
inline constexpr int kExitOk = 0;            // success; selection tools: something selected
inline constexpr int kExitNoMatch = 1;       // selection tools: nothing selected
inline constexpr int kExitUsage = 64;        // bad option or argument, query syntax error
inline constexpr int kExitDataErr = 65;      // at least one input line was rejected
inline constexpr int kExitNoInput = 66;      // an input file could not be opened
inline constexpr int kExitUnavailable = 69;  // a plugin or remote peer failed
inline constexpr int kExitSoftware = 70;     // internal error
inline constexpr int kExitCantCreate = 73;   // cannot create an output or dead-letter file
inline constexpr int kExitIoErr = 74;        // read or write error, stdout included
inline constexpr int kExitTempFail = 75;     // resource busy (store locked), try again
inline constexpr int kExitConfig = 78;       // invalid configuration or rules file

// Records the program name for diagnostics, restores SIGPIPE's default action (so that
// `| head` ends a CLI quietly, as it ends coreutils) and leaves the C locale in force.
void Init(std::string_view program_name);
std::string_view ProgramName();

// "prog: message\n" on stderr, written in one write(2) so that lines from threads do not mix.
void PrintError(std::string_view message);

template <typename... Args>
void Error(fmt::format_string<Args...> format, Args&&... args) {
  PrintError(fmt::format(format, std::forward<Args>(args)...));
}

// Prints "prog: <status>\nTry 'prog --help' for more information." and returns kExitUsage.
int UsageError(const Status& status);

// The exit status that a failed Status maps to (kIOError → 74, kInvalidArgument → 64, ...).
int ExitCodeFor(const Status& status);

// Flushes and closes stdout; on failure prints "error writing 'standard output': ..." and
// returns kExitIoErr, otherwise returns rc.
int Finish(int rc);

// ---- Option parsing, shared by the tools' getopt_long loops ----

// "invalid argument 'x' for '--limit': expected a whole number from 0 to 10".
Status BadOptionValue(std::string_view option, std::string_view value, std::string_view expected);

// A whole number in [min, max], or BadOptionValue naming --option.
Result<uint64_t> ParseOptionNumber(std::string_view text, std::string_view option, uint64_t min,
                                   uint64_t max);

// The InvalidArgument for a getopt_long call that returned '?' or ':' (`c`), worded as GNU
// tools word it: "unrecognized option '--x'", "option '--limit' requires an argument",
// "option '--explain' doesn't allow an argument". Reads getopt's optopt and optind.
Status GetoptError(int c, const struct ::option* long_options, char* const* argv);

// "50G", "512M", "64KiB", "1000": bytes (K/M/G/T are powers of 1024).
Result<uint64_t> ParseSize(std::string_view text);

// A duration above zero ("30s", "250ms", "7d") in nanoseconds, or BadOptionValue naming --option.
Result<int64_t> ParsePositiveDuration(std::string_view text, std::string_view option);

// A size of at least `min` bytes ("16M"), or BadOptionValue naming --option.
Result<uint64_t> ParseSizeOption(std::string_view text, std::string_view option, uint64_t min);

// The whole content of a (configuration) file; errors name the path.
Result<std::string> ReadSmallFile(const std::string& path);

// True when stderr is a terminal (progress output is shown only then).
bool StderrIsTerminal();

}  // namespace logstream::cli
