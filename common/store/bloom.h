// common/store/bloom.h -- The token bloom filter of a store block, and the token hashes it holds.
// A block's filter answers "might this block contain word W (or field=value)?" so that a query
// skips blocks that cannot match. A false positive only costs a block read; a false negative
// would silently drop matches, so every doubt (an empty, damaged or unknown filter) answers yes.
// The hash functions and the serialized layout are part of the store's file format: changing
// either makes the filters of existing files lie. Words are those of common/tokenizer.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace logstream {

// 64-bit hash of a word, ASCII-lowercased first, so that "Error" and "error" hash equal (word
// matching is ASCII case-insensitive; bytes >= 0x80 are kept as they are).
uint64_t HashWord(std::string_view word);

// Combines a field name (case-sensitive, as field names are) with a HashWord, so that the word
// db1 inside field host differs from the word db1 anywhere else.
uint64_t HashKeyed(std::string_view key, uint64_t word_hash);

// Hash of a whole field value, lowercased, qualified by its field name (case-sensitive): the
// token of an exact field=value match. Distinct from HashKeyed(key, HashWord(value)) even when
// the value is a single word.
uint64_t HashWholeValue(std::string_view key, std::string_view value);
// The same in two steps, for many values of one field: HashWholeValue(key, value) ==
// HashWholeValueWithSeed(WholeValueSeed(key), value).
uint64_t WholeValueSeed(std::string_view key);
uint64_t HashWholeValueWithSeed(uint64_t key_seed, std::string_view value);

// 64-bit hash of the bytes of `text` as they are, for in-memory tables. Not stored in any file.
uint64_t HashText(std::string_view text);

// Collects the distinct token hashes of one block, then serializes a filter sized for them.
// Not thread-safe. Reusable: Finish() empties it but keeps its memory.
class BloomBuilder {
 public:
  BloomBuilder() : slots_(kMinSlots, 0), mask_(kMinSlots - 1) {}

  // Records `hash`. Callers add the same token over and over (every record repeats most of its
  // words), so a repeat is a lookup in an open-addressing set and stores nothing; the filter is
  // then sized by the distinct count, not by the number of Adds.
  void Add(uint64_t hash) {
    if (hash == 0) {  // 0 marks an empty slot
      has_zero_ = true;
      return;
    }
    size_t i = static_cast<size_t>(hash) & mask_;
    while (slots_[i] != 0) {
      if (slots_[i] == hash) return;
      i = (i + 1) & mask_;
    }
    if (2 * (size_ + 1) > slots_.size()) {  // keep the load at most 1/2: probes stay short
      Grow();
      i = static_cast<size_t>(hash) & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
    }
    slots_[i] = hash;
    ++size_;
  }

  // Number of distinct hashes added since the last Finish().
  size_t distinct() const { return size_ + (has_zero_ ? 1 : 0); }

  // Returns the filter of the distinct hashes: max(64, distinct * bits_per_key) bits rounded up
  // to a multiple of 64, as little-endian 64-bit words, then one byte holding the probe count k
  // (bits_per_key * ln 2, in [1, 30]). 10 bits per key gives about 0.8% false positives. Resets
  // the builder.
  std::string Finish(int bits_per_key = 10);

 private:
  static constexpr size_t kMinSlots = 256;

  void Grow();

  std::vector<uint64_t> slots_;  // 0 = empty; power-of-two size
  size_t mask_;
  size_t size_ = 0;  // non-zero hashes stored
  bool has_zero_ = false;
};

// Reads a serialized filter in place; `data` must outlive it. Cheap to construct and copy.
class BloomFilter {
 public:
  // True if `data` has the layout Finish() writes: a positive whole number of 64-bit words and
  // a probe count in [1, 30].
  static bool Valid(std::string_view data);

  explicit BloomFilter(std::string_view data);

  // False only if `hash` was certainly never added. Always true for an invalid filter.
  bool MayContain(uint64_t hash) const {
    if (k_ == 0) return true;
    uint64_t h = hash;
    const uint64_t delta = ProbeDelta(hash);
    for (int i = 0; i < k_; ++i) {
      const uint64_t bit = BitIndex(h, num_bits_);
      if ((bits_[bit >> 3] & (1u << (bit & 7))) == 0) return false;
      h += delta;
    }
    return true;
  }

 private:
  friend class BloomBuilder;

  // Kirsch-Mitzenmacher double hashing: probe i is h + i * delta, which does as well as k
  // independent hashes. delta is odd, so it never degenerates to a single repeated bit.
  static uint64_t ProbeDelta(uint64_t hash) { return ((hash >> 32) | (hash << 32)) | 1; }

  // Maps h onto [0, num_bits) with a multiply instead of a division (Lemire's reduction): the
  // high 64 bits of h * num_bits.
  static uint64_t BitIndex(uint64_t h, uint64_t num_bits) {
    __extension__ typedef unsigned __int128 U128;
    return static_cast<uint64_t>((static_cast<U128>(h) * num_bits) >> 64);
  }

  const unsigned char* bits_ = nullptr;
  uint64_t num_bits_ = 0;
  int k_ = 0;  // 0: invalid filter, matches everything
};

}  // namespace logstream
