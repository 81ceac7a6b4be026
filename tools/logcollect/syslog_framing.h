// tools/logcollect/syslog_framing.h -- Cuts a syslog TCP stream into messages the way RFC 6587
// describes: octet counting ("<len> <msg>") or a delimiter (LF, and NUL as some senders use),
// decided per message by its first byte. Frames longer than the limit are dropped and reported.
// See docs/collect-listeners.md "Syslog over TCP".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace logstream::logcollect {

// Incremental: Feed() the bytes as they arrive, then call Next() until it says kNeedMore.
// A frame split across reads comes out whole. Frames are views into this object, valid until
// the next Feed(). Not thread-safe: one per connection.
//
// How a message's framing is decided (RFC 6587 section 3.4): a frame that starts with a digit
// and continues "<digits> " is octet counted; anything else (syslog messages start with '<')
// runs to the next LF or NUL. A digit run that is not followed by a space (a plain line such
// as "2024-05-01 ...") is a delimited frame, so mixed and non-syslog senders still work.
class SyslogFramer {
 public:
  enum class Event : uint8_t {
    kNeedMore,  // everything fed so far has been consumed
    kFrame,     // `*frame` holds the next message (a trailing CR/LF removed)
    kTooLong,   // a message longer than the limit was dropped (its bytes are skipped)
  };

  explicit SyslogFramer(size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  void Feed(std::string_view bytes);
  Event Next(std::string_view* frame);
  // The stream ended: returns true with what remains of an unfinished message (a last line
  // without its delimiter, or the received part of an octet-counted message cut short).
  bool Finish(std::string_view* frame);
  // True when the last unfinished message Finish() returned was octet counted and cut short.
  bool truncated() const { return truncated_; }

  // Bytes held for an unfinished message (for tests: the buffer stays bounded).
  size_t buffered() const { return buffer_.size(); }

 private:
  enum class State : uint8_t {
    kFrameStart,  // between messages: stray delimiters are skipped
    kCount,       // reading the digits of an octet count
    kOctetBody,   // reading `remaining_` bytes of an octet-counted message
    kOctetSkip,   // discarding `remaining_` bytes of an oversize octet-counted message
    kLine,        // reading a delimited message
    kLineSkip,    // discarding an oversize delimited message up to its delimiter
  };
  // Largest count accepted as a count at all: longer digit runs are text.
  static constexpr int kMaxCountDigits = 10;

  static std::string_view TrimLineEnd(std::string_view frame);

  size_t max_frame_bytes_;
  std::string buffer_;
  size_t pos_ = 0;          // next byte of buffer_ to examine
  size_t frame_start_ = 0;  // kCount, kLine: where the message began; kOctetBody: its body
  State state_ = State::kFrameStart;
  uint64_t count_ = 0;
  int digits_ = 0;
  uint64_t remaining_ = 0;
  bool truncated_ = false;
};

}  // namespace logstream::logcollect
