// tools/logcollect/message_packer.h -- Packs messages that arrive whole (UDP datagrams, syslog
// frames from a TCP stream) into chunks, one entry per message, for inputs that are not a
// stream of lines. The line-oriented counterpart is EntryBuilder.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tools/logcollect/chunk.h"

namespace logstream::logcollect {

class ChunkQueue;
class Source;

// A message may hold newlines (an octet-counted syslog message): each is one entry all the
// same. Messages are numbered per input (1, 2, ...) and that number is the entry's "line" in
// reports. Chunks carry no checkpoint mark: what was in flight from a network peer cannot be
// asked for again. Not thread-safe: one per reader thread; `queue` must outlive it.
class MessagePacker {
 public:
  // `skip_reason` (a static string) is how dropped messages are reported: "frame too long".
  MessagePacker(Source* source, ChunkQueue* queue, const char* skip_reason)
      : source_(source), queue_(queue), skip_reason_(skip_reason) {}
  ~MessagePacker();
  MessagePacker(const MessagePacker&) = delete;
  MessagePacker& operator=(const MessagePacker&) = delete;

  // Names the input the next messages come from. Messages of one chunk share an input name
  // and peer host, so a different sender submits the chunk in progress first (false: `stop`
  // became true while waiting for the pipeline, and the input was not switched).
  bool SetInput(std::string_view input_name, std::string_view peer_host,
                const std::atomic<bool>& stop);
  // Adds the next message of the input. Waits for a free chunk while the pipeline is full and
  // returns false if `stop` became true meanwhile (the message is then not taken).
  bool Add(std::string_view message, const std::atomic<bool>& stop);
  // The next message of the input was dropped (too long): its number is reported, in order,
  // through the next chunk's skipped_lines.
  void Skip();
  // Submits the chunk in progress (an idle input, a sender that left).
  bool Flush(const std::atomic<bool>& stop);

  // How long the chunk in progress has held messages; 0 when there is none.
  int64_t pending_since_ns() const { return pending_since_ns_; }
  uint64_t messages() const { return number_; }

 private:
  bool EnsureChunk(const std::atomic<bool>& stop);

  Source* source_;
  ChunkQueue* queue_;
  const char* skip_reason_;
  std::string input_name_;
  std::string peer_host_;
  std::unique_ptr<Chunk> chunk_;
  uint64_t number_ = 0;  // messages of the input seen so far, skipped ones included
  std::vector<uint64_t> skipped_;
  int64_t pending_since_ns_ = 0;
};

}  // namespace logstream::logcollect
