// common/store/block_filter_test.cc -- BlockFilter: the bloom filter as a reader uses it,
// through a real segment file: words and exact field values of the block are found, words
// that are in no record are (almost always) not, and case does not matter for words.
#include <string>

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include "common/record_parser.h"
#include "common/store/segment.h"
#include "common/store/store_reader.h"
#include "tests/temp_dir.h"

namespace logstream::store {
namespace {

TEST_CASE("BlockFilter finds the block's words and field values and prunes others",
          "[store]") {
  testing::TempDir temp;
  const std::string& dir = temp.path();
  {
    Compressor compressor(1);
    SegmentWriter writer(dir + "/tmp.seg", &compressor);
    BlockBuilder builder;
    RecordParser parser;
    Record record;
    std::string why;
    for (int i = 0; i < 1000; ++i) {
      std::string line = fmt::format(
          R"({{"timestamp":"2025-05-13T00:00:{:02}Z","message":"Connection timeout to shard{} after {}ms","fields":{{"host":"db-{}","status":500}}}})",
          i % 60, i, i * 7, i % 10);
      REQUIRE(parser.ParseUnpadded(line, &record, &why));
      builder.Add(record, line.size() + 1);
    }
    REQUIRE(writer.AddBlock(&builder).ok());
    REQUIRE(writer.Seal(SeqRange{1, 1000}, dir + "/seg.lsg", false).ok());
  }
  Result<std::unique_ptr<SegmentReader>> reader = SegmentReader::Open(dir + "/seg.lsg");
  REQUIRE(reader.ok());
  Result<BlockFilter> filter = BlockFilter::Load(**reader, 0);
  REQUIRE(filter.ok());

  CHECK(filter->MayContainWord("connection"));
  CHECK(filter->MayContainWord("TIMEOUT"));
  CHECK(filter->MayContainWord("shard999"));
  CHECK(filter->MayContainWord("6993ms"));
  CHECK(filter->MayContainValue("host", "db-7"));
  // status is a number: numbers are pruned by the block's min/max, not by the filter.
  int false_positives = 0;
  for (int i = 0; i < 10000; ++i) {
    false_positives += filter->MayContainWord(fmt::format("absent{}", i));
  }
  CHECK(false_positives < 200);  // designed for about 1%
  CHECK_FALSE(filter->MayContainValue("host", "db-70"));
  CHECK_FALSE(filter->MayContainValue("hostname", "db-7"));
}

}  // namespace
}  // namespace logstream::store
