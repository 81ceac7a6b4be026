// tools/logserve/options.h -- logserve's command line and its sections of the configuration
// file (`server:`, `tls:`, `auth:`): the Options struct (defaults in the struct) and pure
// parsers that Catch2 can test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/store/store_writer.h"

namespace logstream::logserve {

// A bearer token and what it may do (auth.tokens in the configuration file).
struct Token {
  std::string secret;
  bool write = false;  // write tokens may also read
};

struct Options {
  std::string host = "127.0.0.1";            // --host
  uint16_t port = 8000;                      // --port (0: any free port)
  std::string store = "var/store";           // --store DIR, or "mem:"
  std::string config_file;                   // --config FILE.yaml
  unsigned threads = 32;                     // --threads: requests served at once
  unsigned jobs = 2;                         // --jobs: threads one query may use
  uint64_t max_body_bytes = 16u << 20;       // --max-body
  uint64_t max_record_bytes = 1u << 20;      // --max-record-bytes
  uint64_t max_limit = 10000;                // --max-limit
  uint64_t default_limit = 100;              // --default-limit
  uint64_t memory_limit = 256u << 20;        // --memory-limit, per query
  uint64_t query_cache_bytes = 64u << 20;    // --query-cache (0: off)
  int64_t query_cache_ttl_ns = 1'000'000'000;  // --query-cache-ttl
  int64_t read_timeout_ns = 30'000'000'000;  // --read-timeout
  int64_t write_timeout_ns = 30'000'000'000; // --write-timeout
  int64_t keep_alive_ns = 5'000'000'000;     // --keep-alive
  int64_t tail_poll_ns = 250'000'000;        // --tail-poll
  store::SyncMode sync = store::SyncMode::kInterval;  // --sync
  int64_t sync_interval_ns = 1'000'000'000;  // --sync-interval
  int64_t retention_ns = 0;                  // --retention
  uint64_t max_size_bytes = 0;               // --max-size (0: none; mem: 256M)
  std::string tls_cert;                      // --tls-cert
  std::string tls_key;                       // --tls-key
  bool log_requests = false;                 // --log-requests
  std::vector<Token> tokens;                 // auth.tokens (configuration file only)
  bool help = false;
  bool version = false;
  std::vector<std::string> given;            // long names of the options the command line set

  bool in_memory() const { return store == "mem:"; }
};

// The bound of a `--store mem:` store when --max-size does not give one.
inline constexpr uint64_t kDefaultMemoryStoreBytes = 256u << 20;

// Parses argv. Pure: no I/O, no environment.
Result<Options> ParseArgs(int argc, char** argv);

// Applies the `server:`, `tls:` and `auth:` sections of a YAML configuration (text already
// read) to `options`, without overriding what the command line gave. Unknown keys are an
// error naming the key and its line; `name` is the file name for messages. A token_file is
// read here (relative to the working directory).
Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options);

// Checks what only the whole set of options can tell (a TLS key without a certificate).
Status Validate(const Options& options);

const char* HelpText();

}  // namespace logstream::logserve
