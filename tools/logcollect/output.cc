// tools/logcollect/output.cc -- Standard output, and CreateOutput, which picks the output.
#include "tools/logcollect/output.h"

#include <unistd.h>

#include "common/io.h"
#include "tools/logcollect/socket_output.h"

namespace logstream::logcollect {
namespace {

// Writes go straight to fd 1: the writer already hands over chunks of about a megabyte, and a
// chunk written is a chunk delivered, so checkpoints follow the pipe exactly.
class StdoutOutput : public Output {
 public:
  Status Write(uint64_t sequence, std::string_view ndjson) override {
    if (!ndjson.empty()) {
      Status written = WriteAll(STDOUT_FILENO, ndjson, "standard output");
      // Worded as every tool words it (cli::Finish): "error writing 'standard output': ...".
      if (!written.ok()) return Status::IOError("error writing 'standard output'", written.errnum());
      counters_.bytes_written.fetch_add(ndjson.size(), std::memory_order_relaxed);
    }
    delivered_ = static_cast<int64_t>(sequence);
    return Status();
  }
  int64_t DeliveredThrough() override { return delivered_; }
  bool Drain(int64_t) override { return true; }
  const OutputCounters& counters() const override { return counters_; }

 private:
  int64_t delivered_ = -1;
  OutputCounters counters_;
};

}  // namespace

Result<std::unique_ptr<Output>> CreateOutput(const OutputOptions& options) {
  if (options.address.empty() || options.address == "-") {
    auto output = std::make_unique<StdoutOutput>();
    return std::unique_ptr<Output>(std::move(output));
  }
  return CreateSocketOutput(options);
}

}  // namespace logstream::logcollect
