// tools/logcollect/chunk_queue.h -- The bounded hand-off between readers, the parsing pool and
// the ordered writer. A fixed number of chunks circulates: a reader that finds none free
// waits, so a fast source or a slow output holds the readers back instead of growing our
// memory (at most max_chunks × (chunk bytes + their NDJSON) are alive).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "tools/logcollect/chunk.h"

namespace logstream::logcollect {

class ChunkQueue {
 public:
  ChunkQueue(size_t max_chunks, size_t chunk_bytes);
  ChunkQueue(const ChunkQueue&) = delete;
  ChunkQueue& operator=(const ChunkQueue&) = delete;

  size_t chunk_bytes() const { return chunk_bytes_; }

  // Readers: an empty chunk to fill, or nullptr when none became free within `timeout`.
  std::unique_ptr<Chunk> Acquire(std::chrono::milliseconds timeout);
  // Readers: hands a filled chunk on; its place in the output order is fixed here. An empty
  // chunk with a mark is fine (it advances a checkpoint); one without is recycled.
  void Submit(std::unique_ptr<Chunk> chunk);
  // Readers: gives back an unused chunk.
  void Release(std::unique_ptr<Chunk> chunk);

  // Parsing pool: the next submitted chunk, or nullptr after `timeout` or once closed and empty.
  std::unique_ptr<Chunk> TakeForParsing(std::chrono::milliseconds timeout);
  // Parsing pool: a chunk whose `output` is ready.
  void Parsed(std::unique_ptr<Chunk> chunk);

  // Writer: the next chunk in submission order once parsed, or nullptr after `timeout`.
  std::unique_ptr<Chunk> TakeForWriting(std::chrono::milliseconds timeout);

  // No more submissions will come: TakeForParsing returns nullptr once all are taken.
  void Close();
  // True when every chunk submitted has been written and given back.
  bool Idle();
  size_t in_flight();

 private:
  size_t chunk_bytes_;
  std::mutex mu_;
  std::condition_variable free_cv_, parse_cv_, write_cv_, idle_cv_;
  std::vector<std::unique_ptr<Chunk>> free_;
  std::deque<std::unique_ptr<Chunk>> to_parse_;
  std::map<uint64_t, std::unique_ptr<Chunk>> parsed_;  // by sequence
  uint64_t next_sequence_ = 0;
  uint64_t next_to_write_ = 0;
  size_t max_chunks_;
  size_t created_ = 0;
  bool closed_ = false;
};

}  // namespace logstream::logcollect
