// tools/logcollect/socket_output.h -- The output to a `logstore --listen` socket (tcp://HOST:PORT
// or unix:PATH): a bounded memory buffer filled by the writer and emptied by a sender thread
// that reconnects with back-off, plus an optional spool on disk for when the store is away.
// See docs/collect-output.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "tools/logcollect/output.h"

namespace logstream::logcollect {

// Where a socket output connects: tcp://HOST:PORT ([v6] hosts in brackets) or unix:PATH.
struct SocketAddress {
  bool unix_socket = false;
  std::string host;  // tcp
  std::string port;  // tcp
  std::string path;  // unix
};
Result<SocketAddress> ParseSocketAddress(std::string_view address);

// What is delivered (DeliveredThrough()): a chunk whose bytes were all accepted by the socket,
// or appended to the spool and fsynced.
//
// Lines are never split across connections. After a failure, sending resumes at the start of
// the line that was being sent: a line cut by the failure may reach the store twice, once cut
// short (the store rejects it as invalid JSON) and once whole — at most one line per failure.
// A store that stops cleanly half-closes first (logstore does): the sender stops writing
// on seeing that and closes, so the store reads everything written before its stop; bytes
// written to a store killed outright can still be lost (TCP does not say what was read).
//
// The spool (spool_dir set) is used when the store is unreachable and the memory buffer is
// more than half full, and at shutdown for what could not be sent in time (Drain()): the
// buffered chunks move to the spool in order, and are delivered once fsynced. The spool is
// sent, oldest first, before anything newer, and a spool left by a previous run is sent first.
//
// Thread-safety: Write() from one thread (the writer); DeliveredThrough(), Drain(), Stop()
// and counters() from any.
Result<std::unique_ptr<Output>> CreateSocketOutput(const OutputOptions& options);

}  // namespace logstream::logcollect
