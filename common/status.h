// common/status.h -- The outcome of an operation that can fail: OK, or a code and a message.
// OK holds no allocation (as in LevelDB), so returning OK is free. Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace logstream {

enum class Code : uint8_t {
  kOk,
  kInvalidArgument,   // bad option, bad query, bad configuration value
  kNotFound,
  kCorruption,        // bad input data
  kIOError,
  kUnavailable,       // a peer (plugin, server) is gone
  kResourceExhausted, // a configured limit was reached
  kUnsupported,
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(const Status& other) { *this = other; }
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  // "open 'x': No such file or directory": context first, then strerror(errnum).
  static Status IOError(std::string_view context, int errnum);
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status ResourceExhausted(std::string_view msg) {
    return Status(Code::kResourceExhausted, msg);
  }
  static Status Unsupported(std::string_view msg) { return Status(Code::kUnsupported, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  int errnum() const { return rep_ ? rep_->errnum : 0; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  std::string ToString() const;

  // Returns a copy whose message is "context: message"; OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  struct Rep {
    Code code;
    int errnum;
    std::string message;
  };
  Status(Code code, std::string_view msg, int errnum = 0);

  std::unique_ptr<Rep> rep_;
};

#define LS_CONCAT_INNER(a, b) a##b
#define LS_CONCAT(a, b) LS_CONCAT_INNER(a, b)

#define LS_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::logstream::Status ls_status_ = (expr);     \
    if (!ls_status_.ok()) return ls_status_;     \
  } while (0)

}  // namespace logstream
