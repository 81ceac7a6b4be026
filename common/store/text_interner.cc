// common/store/text_interner.cc -- See text_interner.h.
#include "common/store/text_interner.h"

#include "common/store/bloom.h"

namespace logstream::store {

uint32_t TextInterner::Find(std::string_view text) const {
  const uint64_t hash = HashText(text);
  for (size_t i = static_cast<size_t>(hash) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.code == kNoCode) return kNoCode;
    if (slot.hash == hash && distinct_[slot.code] == text) return slot.code;
  }
}

uint32_t TextInterner::Intern(std::string_view text) {
  const uint64_t hash = HashText(text);
  size_t i = static_cast<size_t>(hash) & mask_;
  for (;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.code == kNoCode) break;
    if (slot.hash == hash && distinct_[slot.code] == text) return slot.code;
  }
  const auto code = static_cast<uint32_t>(distinct_.size());
  slots_[i] = Slot{hash, code};
  distinct_.push_back(text);
  // At most half full, so that probe runs stay short.
  if (distinct_.size() * 2 > slots_.size()) Grow();
  return code;
}

void TextInterner::Grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.code == kNoCode) continue;
    size_t i = static_cast<size_t>(slot.hash) & mask_;
    while (slots_[i].code != kNoCode) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

void TextInterner::Clear() {
  if (distinct_.empty()) return;
  // A table grown for one large column is cleared in full; its size stays for the next.
  for (Slot& slot : slots_) slot = Slot();
  distinct_.clear();
}

}  // namespace logstream::store
