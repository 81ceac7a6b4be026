// common/engine/message_search_test.cc -- The one-pass message search selects exactly the
// rows that testing each message on its own selects.
#include "common/engine/message_search.h"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/query/query.h"

namespace logstream::engine {
namespace {

size_t NaiveFindCaseless(std::string_view text, std::string_view needle) {
  for (size_t at = 0; at + needle.size() <= text.size(); ++at) {
    bool same = true;
    for (size_t i = 0; i < needle.size() && same; ++i) {
      char c = text[at + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == needle[i];
    }
    if (same) return at;
  }
  return std::string_view::npos;
}

TEST_CASE("FindCaseless finds what a byte-by-byte search finds", "[engine]") {
  std::mt19937 rng(7);
  // Bytes that differ from the needle's only in bit 0x20 ('@' and '`', '[' and '{') must not
  // be taken for letters; 0xc1 | 0x20 is 0xe1, a byte of the needle "\xe1".
  const std::string alphabet = "aAbB-_@`[{\n\xc1\xe1 ";
  const std::vector<std::string> needles = {"a", "ab", "ba", "aba", "b-a", "@", "`", "[a",
                                            "\xe1", "a\xe1" "b", "abababababababababab"};
  for (int round = 0; round < 3000; ++round) {
    std::string text(rng() % 70, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    for (const std::string& needle : needles) {
      INFO("text '" << text << "', needle '" << needle << "'");
      REQUIRE(FindCaseless(text, needle) == NaiveFindCaseless(text, needle));
    }
  }
  CHECK(FindCaseless("", "") == 0);
  CHECK(FindCaseless("xyz", "") == 0);
  CHECK(FindCaseless("Connection TIMEOUT after", "timeout") == 11);
}

// Messages built from a few words, so that phrases and regexes hit some and miss others,
// near the start and end of the buffer and of each message.
store::DecodedBlock::MessageText RandomMessages(std::mt19937& rng, size_t count) {
  static const std::vector<std::string> words = {
      "took", "TOOK", "timeout", "Timed", "out", "connection", "refused", "db-01", "k12",
      "a", "", " ", "\n", ",", "timeoutx", "xtimeout", "caf\u00e9"};
  store::DecodedBlock::MessageText messages;
  messages.offsets.push_back(0);
  for (size_t row = 0; row < count; ++row) {
    const size_t length = rng() % 6;
    for (size_t i = 0; i < length; ++i) {
      if (i > 0) messages.text.push_back(' ');
      messages.text += words[rng() % words.size()];
    }
    messages.text.push_back('\n');
    messages.offsets.push_back(static_cast<uint32_t>(messages.text.size()));
  }
  return messages;
}

TEST_CASE("MessageSearch selects the rows a per-message test selects", "[engine]") {
  const std::vector<std::string> queries = {
      "timeout", "TOOK", "\"connection refused\"", "\"timed out\"", "time*", "\"refused db*\"",
      "caf\u00e9", "message:/^took/", "message:/(?i)^took/", "message:/out$/",
      "message:/\\bk[0-9]+$/", "message:/\\Atook/", "message:/(?-m:^took)/",
      "message:/(?-ism)out$/", "message:/x*/", "message:/(?i)timed? ?out/", "message:/^$/",
      "message:/refused\\s+db/", "message:\"took\"", "message:*", "message:took*"};
  std::mt19937 rng(11);
  for (const std::string& text : queries) {
    Result<query::Query> compiled = query::Query::Compile(text);
    INFO("query '" << text << "'");
    REQUIRE(compiled.ok());
    const query::Program& program = compiled->program();
    REQUIRE(program.predicates().size() == 1);
    const query::Predicate& predicate = program.predicate(0);
    REQUIRE(predicate.target == query::Target::kMessage);
    const MessageSearch search(predicate);
    size_t matched = 0;
    for (int round = 0; round < 200; ++round) {
      const auto messages = RandomMessages(rng, 1 + rng() % 60);
      const auto records = static_cast<uint32_t>(messages.offsets.size() - 1);
      // All rows, or a random subset: dense ones are scanned, sparse ones tested row by row.
      Rows in;
      const unsigned keep = round % 3 == 0 ? 1 : 1 + rng() % 8;
      for (uint32_t row = 0; row < records; ++row) {
        if (rng() % keep == 0) in.push_back(row);
      }
      Rows expected;
      for (uint32_t row : in) {
        Record record;
        record.message = messages.message(row);
        if (query::MatchPredicate(predicate, record)) expected.push_back(row);
      }
      Rows got;
      search.Select(messages, in, &got);
      INFO("messages '" << messages.text << "'");
      REQUIRE(got == expected);
      matched += expected.size();
    }
    CHECK(matched > 0);
  }
}

}  // namespace
}  // namespace logstream::engine
