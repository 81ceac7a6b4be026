// tools/logcollect/syslog_framing.cc -- See syslog_framing.h.
#include "tools/logcollect/syslog_framing.h"

#include <algorithm>

namespace logstream::logcollect {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsDelimiter(char c) { return c == '\n' || c == '\0'; }

}  // namespace

std::string_view SyslogFramer::TrimLineEnd(std::string_view frame) {
  if (!frame.empty() && frame.back() == '\n') frame.remove_suffix(1);
  if (!frame.empty() && frame.back() == '\r') frame.remove_suffix(1);
  return frame;
}

void SyslogFramer::Feed(std::string_view bytes) {
  // Drop what has been consumed, keeping the start of an unfinished message, so the buffer
  // holds at most one message (bounded by the limit) plus one read.
  size_t keep = pos_;
  if (state_ == State::kCount || state_ == State::kLine || state_ == State::kOctetBody) {
    keep = frame_start_;
  }
  if (keep > 0) {
    buffer_.erase(0, keep);
    pos_ -= keep;
    frame_start_ -= keep;
  }
  buffer_.append(bytes);
}

SyslogFramer::Event SyslogFramer::Next(std::string_view* frame) {
  const size_t end = buffer_.size();
  while (true) {
    switch (state_) {
      case State::kFrameStart:
        while (pos_ < end && (IsDelimiter(buffer_[pos_]) || buffer_[pos_] == '\r')) ++pos_;
        if (pos_ == end) return Event::kNeedMore;
        frame_start_ = pos_;
        if (IsDigit(buffer_[pos_])) {
          state_ = State::kCount;
          count_ = 0;
          digits_ = 0;
        } else {
          state_ = State::kLine;
        }
        break;

      case State::kCount:
        while (pos_ < end && IsDigit(buffer_[pos_]) && digits_ <= kMaxCountDigits) {
          count_ = count_ * 10 + static_cast<uint64_t>(buffer_[pos_] - '0');
          ++digits_;
          ++pos_;
        }
        if (pos_ == end) return Event::kNeedMore;
        if (buffer_[pos_] != ' ' || digits_ > kMaxCountDigits) {
          state_ = State::kLine;  // not a count: the digits begin a delimited message
          break;
        }
        ++pos_;  // the space after the count
        if (count_ > max_frame_bytes_) {
          state_ = State::kOctetSkip;
          remaining_ = count_;
          return Event::kTooLong;
        }
        state_ = State::kOctetBody;
        frame_start_ = pos_;
        break;

      case State::kOctetBody:
        if (end - frame_start_ < count_) {
          pos_ = end;
          return Event::kNeedMore;
        }
        pos_ = frame_start_ + count_;
        state_ = State::kFrameStart;
        // Some senders count the line end they append; the entry is written as a line anyway.
        *frame = TrimLineEnd(std::string_view(buffer_).substr(frame_start_, count_));
        if (frame->empty()) break;
        return Event::kFrame;

      case State::kOctetSkip: {
        size_t skip = static_cast<size_t>(std::min<uint64_t>(remaining_, end - pos_));
        pos_ += skip;
        remaining_ -= skip;
        if (remaining_ > 0) return Event::kNeedMore;
        state_ = State::kFrameStart;
        break;
      }

      case State::kLine: {
        while (pos_ < end && !IsDelimiter(buffer_[pos_])) ++pos_;
        size_t length = pos_ - frame_start_;
        if (pos_ == end) {
          if (length <= max_frame_bytes_) return Event::kNeedMore;
          state_ = State::kLineSkip;
          return Event::kTooLong;
        }
        ++pos_;  // the delimiter
        state_ = State::kFrameStart;
        if (length > max_frame_bytes_) return Event::kTooLong;
        *frame = TrimLineEnd(std::string_view(buffer_).substr(frame_start_, length));
        if (frame->empty()) break;
        return Event::kFrame;
      }

      case State::kLineSkip:
        while (pos_ < end && !IsDelimiter(buffer_[pos_])) ++pos_;
        if (pos_ == end) return Event::kNeedMore;
        ++pos_;
        state_ = State::kFrameStart;
        break;
    }
  }
}

bool SyslogFramer::Finish(std::string_view* frame) {
  truncated_ = false;
  const size_t end = buffer_.size();
  std::string_view rest;
  switch (state_) {
    case State::kCount:
    case State::kLine:
      if (end - frame_start_ > max_frame_bytes_) break;
      rest = std::string_view(buffer_).substr(frame_start_);
      break;
    case State::kOctetBody:
      rest = std::string_view(buffer_).substr(frame_start_);
      truncated_ = true;
      break;
    case State::kFrameStart:
    case State::kOctetSkip:
    case State::kLineSkip:
      break;
  }
  state_ = State::kFrameStart;
  pos_ = end;
  *frame = TrimLineEnd(rest);
  return !frame->empty();
}

}  // namespace logstream::logcollect
