// common/store/text_interner.h -- Numbers the distinct strings of a column in the order they
// first appear. Sealing a block interns every value of its dictionary columns (and every
// record's source), so this is an open-addressing table over a fast 64-bit hash rather than
// a std::unordered_map: no node per entry, and one probe in the common case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace logstream::store {

// Not thread-safe. Clear() keeps the memory for the next column.
class TextInterner {
 public:
  static constexpr uint32_t kNoCode = UINT32_MAX;

  TextInterner() : slots_(kMinSlots), mask_(kMinSlots - 1) {}

  // The code of `text`: its index in distinct(). New texts get the next code. `text` is
  // stored as a view: it must outlive the interner's current contents.
  uint32_t Intern(std::string_view text);

  // The code of `text`, or kNoCode.
  uint32_t Find(std::string_view text) const;

  const std::vector<std::string_view>& distinct() const { return distinct_; }
  size_t size() const { return distinct_.size(); }
  void Clear();

 private:
  static constexpr size_t kMinSlots = 64;
  struct Slot {
    uint64_t hash = 0;
    uint32_t code = kNoCode;
  };
  void Grow();

  std::vector<Slot> slots_;
  size_t mask_;
  std::vector<std::string_view> distinct_;
};

}  // namespace logstream::store
