// tools/logcollect/chunk.cc -- See chunk.h.
#include "tools/logcollect/chunk.h"

#include <cstring>

namespace logstream::logcollect {

void Chunk::Reserve(size_t bytes) {
  if (size + bytes <= capacity) return;
  size_t wanted = std::max(size + bytes, capacity * 2);
  auto grown = std::make_unique<char[]>(wanted + kParsePadding);
  if (size > 0) std::memcpy(grown.get(), storage.get(), size);
  storage = std::move(grown);
  capacity = wanted;
}

void Chunk::Append(std::string_view bytes) {
  Reserve(bytes.size());
  std::memcpy(storage.get() + size, bytes.data(), bytes.size());
  size += bytes.size();
}

void Chunk::AppendEntry(std::string_view entry, uint64_t line) {
  entries.push_back(EntrySpan{static_cast<uint32_t>(size), static_cast<uint32_t>(entry.size()),
                              line});
  Reserve(entry.size() + 1);
  std::memcpy(storage.get() + size, entry.data(), entry.size());
  size += entry.size();
  storage[size++] = '\n';
}

void Chunk::Clear() {
  source = nullptr;
  sequence = 0;
  input_name.clear();
  peer_host.clear();
  size = 0;
  entries.clear();
  first_line = 1;
  has_mark = false;
  mark = CheckpointMark{};
  skipped_lines.clear();
  output.clear();
  output_records = 0;
}

}  // namespace logstream::logcollect
