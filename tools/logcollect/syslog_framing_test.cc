// tools/logcollect/syslog_framing_test.cc -- RFC 6587 framing: octet counted, delimited, mixed,
// split across reads at every byte, and oversize messages.
#include "tools/logcollect/syslog_framing.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logcollect {
namespace {

// What a framer made of a stream: frames as strings, "<too long>" for each dropped message,
// and "<end:...>" for what Finish() returned.
std::vector<std::string> Drain(SyslogFramer* framer) {
  std::vector<std::string> out;
  std::string_view frame;
  while (true) {
    SyslogFramer::Event event = framer->Next(&frame);
    if (event == SyslogFramer::Event::kNeedMore) return out;
    out.push_back(event == SyslogFramer::Event::kFrame ? std::string(frame) : "<too long>");
  }
}

std::vector<std::string> FrameInPieces(std::string_view stream, size_t piece,
                                       size_t max_frame = 1024) {
  SyslogFramer framer(max_frame);
  std::vector<std::string> out;
  for (size_t i = 0; i < stream.size(); i += piece) {
    framer.Feed(stream.substr(i, piece));
    for (std::string& frame : Drain(&framer)) out.push_back(std::move(frame));
  }
  std::string_view rest;
  if (framer.Finish(&rest)) out.push_back("<end:" + std::string(rest) + ">");
  return out;
}

std::vector<std::string> Frame(std::string_view stream, size_t max_frame = 1024) {
  return FrameInPieces(stream, stream.size() == 0 ? 1 : stream.size(), max_frame);
}

using Frames = std::vector<std::string>;

// "<length> <message>", RFC 6587's octet counting.
std::string Counted(std::string_view message) {
  return std::to_string(message.size()) + " " + std::string(message);
}

TEST_CASE("SyslogFramer: octet-counted messages", "[collect_framing]") {
  CHECK(Frame("11 <13>hello a8 <13>bye\nxx") == Frames{"<13>hello a", "<13>bye", "<end:xx>"});
  // The count covers bytes, so a message may hold newlines and NULs.
  CHECK(Frame(Counted(std::string("<13>two\nlines\0!", 16)) + "<13>next\n") ==
        Frames{std::string("<13>two\nlines\0!", 16), "<13>next"});
}

TEST_CASE("SyslogFramer: an octet count may include the sender's line end", "[collect_framing]") {
  CHECK(Frame("8 <13>one\n8 <13>two\n") == Frames{"<13>one", "<13>two"});
  CHECK(Frame("9 <13>one\r\n") == Frames{"<13>one"});
}

TEST_CASE("SyslogFramer: newline and NUL delimited messages", "[collect_framing]") {
  CHECK(Frame("<13>one\n<13>two\r\n") == Frames{"<13>one", "<13>two"});
  CHECK(Frame(std::string("<13>one\0<13>two\0", 16)) == Frames{"<13>one", "<13>two"});
  // Empty lines between messages are not messages.
  CHECK(Frame("\n\n<13>one\n\r\n\n<13>two\n") == Frames{"<13>one", "<13>two"});
}

TEST_CASE("SyslogFramer: a last message without its delimiter comes from Finish",
          "[collect_framing]") {
  SyslogFramer framer(100);
  framer.Feed("<13>one\n<13>tw");
  CHECK(Drain(&framer) == Frames{"<13>one"});
  std::string_view rest;
  REQUIRE(framer.Finish(&rest));
  CHECK(rest == "<13>tw");
  CHECK_FALSE(framer.truncated());
  CHECK_FALSE(framer.Finish(&rest));
}

TEST_CASE("SyslogFramer: an octet-counted message cut short is kept and marked truncated",
          "[collect_framing]") {
  SyslogFramer framer(100);
  framer.Feed("20 <13>only part");
  CHECK(Drain(&framer).empty());
  std::string_view rest;
  REQUIRE(framer.Finish(&rest));
  CHECK(rest == "<13>only part");
  CHECK(framer.truncated());
}

TEST_CASE("SyslogFramer: lines that start with digits are delimited", "[collect_framing]") {
  CHECK(Frame("2024-05-01 12:00:00 started\n12345\n") ==
        Frames{"2024-05-01 12:00:00 started", "12345"});
  // More digits than any count: text, not a count (and not a huge frame to skip).
  CHECK(Frame("12345678901 x\n") == Frames{"12345678901 x"});
  CHECK(Frame("123456789012 x\n") == Frames{"123456789012 x"});
}

TEST_CASE("SyslogFramer: octet-counted and delimited messages mixed", "[collect_framing]") {
  std::string stream = "<13>first\n" + Counted("<13>2nd") + "<13>third\n" + Counted("<13>4th");
  CHECK(Frame(stream) == Frames{"<13>first", "<13>2nd", "<13>third", "<13>4th"});
}

TEST_CASE("SyslogFramer: messages split across reads at every point", "[collect_framing]") {
  std::string stream = Counted("<13>one") + "<13>two\n" + Counted("<13>three\n") + "\n" +
                       "<13>four" + std::string(1, '\0') + Counted("<13>5");
  const Frames expected{"<13>one", "<13>two", "<13>three", "<13>four", "<13>5"};
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    INFO("piece size " << piece);
    REQUIRE(FrameInPieces(stream, piece) == expected);
  }
  // Every split into two reads, too.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("cut at " << cut);
    SyslogFramer framer(1024);
    framer.Feed(std::string_view(stream).substr(0, cut));
    Frames got = Drain(&framer);
    framer.Feed(std::string_view(stream).substr(cut));
    for (std::string& frame : Drain(&framer)) got.push_back(std::move(frame));
    REQUIRE(got == expected);
  }
}

TEST_CASE("SyslogFramer: oversize octet-counted messages are skipped and reported",
          "[collect_framing]") {
  std::string big(50, 'x');
  std::string stream = "50 " + big + "5 <13>a" + "\n<13>b\n";
  for (size_t piece : {size_t{1}, size_t{7}, stream.size()}) {
    INFO("piece size " << piece);
    CHECK(FrameInPieces(stream, piece, 10) == Frames{"<too long>", "<13>a", "<13>b"});
  }
  // A message of exactly the limit fits; one byte more does not.
  CHECK(Frame("10 0123456789", 10) == Frames{"0123456789"});
  CHECK(Frame("11 0123456789a<13>next\n", 10) == Frames{"<too long>", "<13>next"});
}

TEST_CASE("SyslogFramer: oversize delimited messages are skipped and the buffer stays bounded",
          "[collect_framing]") {
  SyslogFramer framer(16);
  framer.Feed("<13>ok\n<13>");
  CHECK(Drain(&framer) == Frames{"<13>ok"});
  Frames got;
  for (int i = 0; i < 1000; ++i) {
    framer.Feed(std::string(100, 'y'));
    for (std::string& frame : Drain(&framer)) got.push_back(std::move(frame));
    CHECK(framer.buffered() <= 200);
  }
  framer.Feed("tail\n<13>after\n");
  for (std::string& frame : Drain(&framer)) got.push_back(std::move(frame));
  CHECK(got == Frames{"<too long>", "<13>after"});

  // A long line that arrives whole is reported too; a line of exactly the limit fits.
  CHECK(Frame(std::string(17, 'z') + "\n" + std::string(16, 'w') + "\n", 16) ==
        Frames{"<too long>", std::string(16, 'w')});
  // An unfinished oversize line is not returned by Finish.
  CHECK(Frame(std::string(40, 'z'), 16) == Frames{"<too long>"});
}

}  // namespace
}  // namespace logstream::logcollect
