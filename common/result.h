// common/result.h -- Result<T>: a value of T or a non-OK Status.
// Method names follow std::expected (value(), ok() ~ has_value()) so that a move to C++23 is
// mechanical. Thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "common/status.h"

namespace logstream {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {     // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }

  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

#define LS_ASSIGN_OR_RETURN(lhs, expr)                                  \
  auto LS_CONCAT(ls_result_, __LINE__) = (expr);                        \
  if (!LS_CONCAT(ls_result_, __LINE__).ok())                            \
    return LS_CONCAT(ls_result_, __LINE__).status();                    \
  lhs = std::move(LS_CONCAT(ls_result_, __LINE__)).value()

}  // namespace logstream
