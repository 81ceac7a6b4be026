// common/engine/message_search.cc -- Searching a block's messages in one pass.
#include "common/engine/message_search.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logstream::engine {

using query::Predicate;
using query::Test;

namespace {

bool IsLowerLetter(char c) { return c >= 'a' && c <= 'z'; }

// Setting bit 0x20 maps an ASCII capital to its lowercase letter and a lowercase letter to
// itself, so (byte | fold) == needle byte compares a letter in either case.
char FoldFor(char needle_byte) { return IsLowerLetter(needle_byte) ? 0x20 : 0; }

bool EqualCaseless(const char* text, std::string_view needle) {
  for (size_t i = 0; i < needle.size(); ++i) {
    if (static_cast<char>(text[i] | FoldFor(needle[i])) != needle[i]) return false;
  }
  return true;
}

// True when a flag group of the pattern, such as (?-m) or (?i-sm:...), turns multi-line mode
// off. It may err towards true (a "(?" inside a character class): that only costs speed.
bool TurnsMultiLineOff(std::string_view pattern) {
  for (size_t at = pattern.find("(?"); at != std::string_view::npos;
       at = pattern.find("(?", at + 2)) {
    bool negated = false;
    for (size_t k = at + 2; k < pattern.size() && pattern[k] != ')' && pattern[k] != ':'; ++k) {
      if (pattern[k] == '-') negated = true;
      if (pattern[k] == 'm' && negated) return true;
    }
  }
  return false;
}

// A regex that may start a match anywhere in a text of several messages finds every match
// that it finds in one message alone, provided ^ and $ also match at the newlines between
// messages: multi-line mode. \A, \z and a flag group that turns multi-line off would still
// see only the buffer's ends; such patterns are tested message by message.
std::unique_ptr<RE2> MultiLineRegex(const RE2& regex) {
  const std::string& pattern = regex.pattern();
  const RE2::Options& options = regex.options();
  if (options.literal() || options.never_nl() || options.posix_syntax() ||
      pattern.find("\\A") != std::string::npos || pattern.find("\\z") != std::string::npos ||
      TurnsMultiLineOff(pattern)) {
    return nullptr;
  }
  auto block_regex = std::make_unique<RE2>("(?m)" + pattern, options);
  if (!block_regex->ok()) return nullptr;
  return block_regex;
}

}  // namespace

size_t FindCaseless(std::string_view text, std::string_view needle) {
  constexpr size_t kNone = std::string_view::npos;
  const size_t n = needle.size();
  if (n == 0) return 0;
  if (text.size() < n) return kNone;
  const size_t last_start = text.size() - n;
  const char first = needle[0];
  const char final = needle[n - 1];
  const char first_fold = FoldFor(first);
  const char final_fold = FoldFor(final);
  size_t at = 0;
#if defined(__SSE2__)
  // Sixteen candidate starts at a time: those whose first and last bytes both fit.
  const __m128i first_byte = _mm_set1_epi8(first);
  const __m128i final_byte = _mm_set1_epi8(final);
  const __m128i first_mask = _mm_set1_epi8(first_fold);
  const __m128i final_mask = _mm_set1_epi8(final_fold);
  for (; at + 16 <= last_start + 1; at += 16) {
    __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at + n - 1));
    __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(head, first_mask), first_byte),
                                _mm_cmpeq_epi8(_mm_or_si128(tail, final_mask), final_byte));
    auto bits = static_cast<unsigned>(_mm_movemask_epi8(hit));
    while (bits != 0) {
      size_t start = at + static_cast<size_t>(__builtin_ctz(bits));
      if (EqualCaseless(text.data() + start, needle)) return start;
      bits &= bits - 1;
    }
  }
#endif
  for (; at <= last_start; ++at) {
    if (static_cast<char>(text[at] | first_fold) == first &&
        static_cast<char>(text[at + n - 1] | final_fold) == final &&
        EqualCaseless(text.data() + at, needle)) {
      return at;
    }
  }
  return kNone;
}

MessageSearch::MessageSearch(const Predicate& predicate) : predicate_(predicate) {
  if (predicate.test == Test::kWords) {
    for (const std::string& word : predicate.words) {
      if (word.size() > anchor_.size()) anchor_ = word;
    }
  } else if (predicate.test == Test::kRegex && predicate.regex != nullptr) {
    block_regex_ = MultiLineRegex(*predicate.regex);
  }
}

bool MessageSearch::MatchesRow(std::string_view message) const {
  switch (predicate_.test) {
    case Test::kWords:
      return query::FindPhrase(message, predicate_.words, predicate_.last_is_prefix);
    case Test::kPresent:
      return !message.empty();
    default:
      return query::MatchValue(predicate_, Value::String(message));
  }
}

size_t MessageSearch::NextCandidate(std::string_view text, size_t from, size_t end) const {
  if (!anchor_.empty()) {
    size_t at = FindCaseless(text.substr(from, end - from), anchor_);
    return at == std::string_view::npos ? at : from + at;
  }
  re2::StringPiece match;
  // The whole buffer is the context, so ^ and \b at `from` see the newline before it.
  if (!block_regex_->Match(re2::StringPiece(text.data(), text.size()), from, end,
                           RE2::UNANCHORED, &match, 1)) {
    return std::string_view::npos;
  }
  return static_cast<size_t>(match.data() - text.data());
}

void MessageSearch::Select(const store::DecodedBlock::MessageText& messages, const Rows& in,
                           Rows* out) const {
  if (in.empty()) return;
  const std::vector<uint32_t>& offsets = messages.offsets;
  // A scan of the whole stretch pays when the rows in question fill most of it; a few rows
  // left by a cheaper test (level:error) are tested one by one.
  const bool scan = (!anchor_.empty() || block_regex_ != nullptr) &&
                    size_t{in.back() - in.front() + 1} <= in.size() * 4;
  if (!scan) {
    for (uint32_t row : in) {
      if (MatchesRow(messages.message(row))) out->push_back(row);
    }
    return;
  }
  const std::string_view text = messages.text;
  const size_t end = offsets[in.back() + 1];
  size_t i = 0;
  while (i < in.size()) {
    size_t at = NextCandidate(text, offsets[in[i]], end);
    if (at == std::string_view::npos) break;
    // The row the candidate is in, or the first row of `in` after it.
    while (i < in.size() && offsets[in[i] + 1] <= at) ++i;
    if (i == in.size()) break;
    if (offsets[in[i]] <= at) {
      if (MatchesRow(messages.message(in[i]))) out->push_back(in[i]);
      ++i;
    }
  }
}

}  // namespace logstream::engine
