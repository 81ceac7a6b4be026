// common/status.cc -- Status construction and formatting.
#include "common/status.h"

#include <cstring>

namespace logstream {

Status::Status(Code code, std::string_view msg, int errnum)
    : rep_(new Rep{code, errnum, std::string(msg)}) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

Status Status::IOError(std::string_view context, int errnum) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(errnum);
  return Status(Code::kIOError, msg, errnum);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return rep_->message;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  std::string msg(context);
  msg += ": ";
  msg += rep_->message;
  return Status(rep_->code, msg, rep_->errnum);
}

}  // namespace logstream
