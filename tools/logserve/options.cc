// tools/logserve/options.cc -- getopt_long over logserve's options, and the `server:`,
// `tls:` and `auth:` sections of the YAML configuration file.
#include "tools/logserve/options.h"

#include <getopt.h>

#include <algorithm>

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include "common/cli.h"
#include "common/config_file.h"
#include "common/timestamp.h"

namespace logstream::logserve {
namespace {

enum LongOnly {
  kHost = 256,
  kConfig,
  kThreads,
  kJobs,
  kMaxBody,
  kMaxRecordBytes,
  kMaxLimit,
  kDefaultLimit,
  kMemoryLimit,
  kQueryCache,
  kQueryCacheTtl,
  kReadTimeout,
  kWriteTimeout,
  kKeepAlive,
  kTailPoll,
  kSync,
  kSyncInterval,
  kRetention,
  kMaxSize,
  kTlsCert,
  kTlsKey,
  kLogRequests,
  kHelp,
  kVersion,
};

const struct option kLongOptions[] = {
    {"host", required_argument, nullptr, kHost},
    {"port", required_argument, nullptr, 'p'},
    {"store", required_argument, nullptr, 's'},
    {"config", required_argument, nullptr, kConfig},
    {"threads", required_argument, nullptr, kThreads},
    {"jobs", required_argument, nullptr, kJobs},
    {"max-body", required_argument, nullptr, kMaxBody},
    {"max-record-bytes", required_argument, nullptr, kMaxRecordBytes},
    {"max-limit", required_argument, nullptr, kMaxLimit},
    {"default-limit", required_argument, nullptr, kDefaultLimit},
    {"memory-limit", required_argument, nullptr, kMemoryLimit},
    {"query-cache", required_argument, nullptr, kQueryCache},
    {"query-cache-ttl", required_argument, nullptr, kQueryCacheTtl},
    {"read-timeout", required_argument, nullptr, kReadTimeout},
    {"write-timeout", required_argument, nullptr, kWriteTimeout},
    {"keep-alive", required_argument, nullptr, kKeepAlive},
    {"tail-poll", required_argument, nullptr, kTailPoll},
    {"sync", required_argument, nullptr, kSync},
    {"sync-interval", required_argument, nullptr, kSyncInterval},
    {"retention", required_argument, nullptr, kRetention},
    {"max-size", required_argument, nullptr, kMaxSize},
    {"tls-cert", required_argument, nullptr, kTlsCert},
    {"tls-key", required_argument, nullptr, kTlsKey},
    {"log-requests", no_argument, nullptr, kLogRequests},
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {nullptr, 0, nullptr, 0},
};

// Sets one option from its long name and text; shared by the command line and the file.
Status SetOption(std::string_view name, std::string_view value, Options* options) {
  if (name == "host") {
    if (value.empty()) return cli::BadOptionValue(name, value, "expected an address such as 127.0.0.1");
    options->host = value;
  } else if (name == "port") {
    LS_ASSIGN_OR_RETURN(uint64_t port, cli::ParseOptionNumber(value, name, 0, 65535));
    options->port = static_cast<uint16_t>(port);
  } else if (name == "store") {
    if (value.empty()) return cli::BadOptionValue(name, value, "expected a directory or mem:");
    options->store = value;
  } else if (name == "config") {
    options->config_file = value;
  } else if (name == "threads") {
    LS_ASSIGN_OR_RETURN(uint64_t n, cli::ParseOptionNumber(value, name, 1, 1024));
    options->threads = static_cast<unsigned>(n);
  } else if (name == "jobs") {
    LS_ASSIGN_OR_RETURN(uint64_t n, cli::ParseOptionNumber(value, name, 1, 256));
    options->jobs = static_cast<unsigned>(n);
  } else if (name == "max-body") {
    LS_ASSIGN_OR_RETURN(options->max_body_bytes, cli::ParseSizeOption(value, name, 1024));
  } else if (name == "max-record-bytes") {
    LS_ASSIGN_OR_RETURN(options->max_record_bytes,
                        cli::ParseOptionNumber(value, name, 16, uint64_t{64} << 20));
  } else if (name == "max-limit") {
    LS_ASSIGN_OR_RETURN(options->max_limit, cli::ParseOptionNumber(value, name, 1, uint64_t{1} << 40));
  } else if (name == "default-limit") {
    LS_ASSIGN_OR_RETURN(options->default_limit,
                        cli::ParseOptionNumber(value, name, 1, uint64_t{1} << 40));
  } else if (name == "memory-limit") {
    LS_ASSIGN_OR_RETURN(options->memory_limit, cli::ParseSizeOption(value, name, 1u << 20));
  } else if (name == "query-cache") {
    Result<uint64_t> size = cli::ParseSize(value);
    if (!size.ok()) return cli::BadOptionValue(name, value, "expected a size such as 64M, or 0 for none");
    options->query_cache_bytes = *size;
  } else if (name == "query-cache-ttl") {
    LS_ASSIGN_OR_RETURN(options->query_cache_ttl_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "read-timeout") {
    LS_ASSIGN_OR_RETURN(options->read_timeout_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "write-timeout") {
    LS_ASSIGN_OR_RETURN(options->write_timeout_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "keep-alive") {
    LS_ASSIGN_OR_RETURN(options->keep_alive_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "tail-poll") {
    LS_ASSIGN_OR_RETURN(options->tail_poll_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "sync") {
    if (value == "always") {
      options->sync = store::SyncMode::kAlways;
    } else if (value == "interval") {
      options->sync = store::SyncMode::kInterval;
    } else if (value == "never") {
      options->sync = store::SyncMode::kNever;
    } else {
      return cli::BadOptionValue(name, value, "expected always, interval or never");
    }
  } else if (name == "sync-interval") {
    LS_ASSIGN_OR_RETURN(options->sync_interval_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "retention") {
    LS_ASSIGN_OR_RETURN(options->retention_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "max-size") {
    LS_ASSIGN_OR_RETURN(options->max_size_bytes, cli::ParseSizeOption(value, name, 1u << 20));
  } else if (name == "tls-cert") {
    options->tls_cert = value;
  } else if (name == "tls-key") {
    options->tls_key = value;
  } else if (name == "log-requests") {
    if (value == "true" || value == "yes") {
      options->log_requests = true;
    } else if (value == "false" || value == "no") {
      options->log_requests = false;
    } else {
      return cli::BadOptionValue(name, value, "expected true or false");
    }
  } else {
    return Status::Internal(fmt::format("unhandled option '{}'", name));
  }
  return Status();
}

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

// auth.tokens: a list of {token | token_file, access: read|write}.
Status ReadAuth(const YAML::Node& auth, std::string_view file, Options* options) {
  if (!auth.IsMap()) {
    return Status::InvalidArgument(fmt::format("{}:{}: 'auth' must be a mapping", file, LineOf(auth)));
  }
  for (const auto& entry : auth) {
    const std::string key = entry.first.as<std::string>();
    if (key != "tokens") {
      return Status::InvalidArgument(
          fmt::format("{}:{}: unknown key 'auth.{}'", file, LineOf(entry.first), key));
    }
    if (!entry.second.IsSequence()) {
      return Status::InvalidArgument(fmt::format(
          "{}:{}: 'auth.tokens' must be a list of {{token, access}}", file, LineOf(entry.first)));
    }
    for (const auto& item : entry.second) {
      if (!item.IsMap()) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: each of 'auth.tokens' must be a mapping", file, LineOf(item)));
      }
      Token token;
      bool access_given = false;
      for (const auto& field : item) {
        const std::string name = field.first.as<std::string>();
        const int line = LineOf(field.first);
        if (!field.second.IsScalar()) {
          return Status::InvalidArgument(
              fmt::format("{}:{}: 'auth.tokens.{}' must be a single value", file, line, name));
        }
        const std::string value = field.second.as<std::string>();
        if (name == "token") {
          token.secret = value;
        } else if (name == "token_file") {
          Result<std::string> text = cli::ReadSmallFile(value);
          if (!text.ok()) {
            return Status::InvalidArgument(fmt::format("{}:{}: {}", file, line, text.status().message()));
          }
          token.secret = *text;
          while (!token.secret.empty() && (token.secret.back() == '\n' || token.secret.back() == '\r')) {
            token.secret.pop_back();
          }
        } else if (name == "access") {
          if (value != "read" && value != "write") {
            return Status::InvalidArgument(fmt::format(
                "{}:{}: 'auth.tokens.access' is read or write, not '{}'", file, line, value));
          }
          token.write = value == "write";
          access_given = true;
        } else {
          return Status::InvalidArgument(
              fmt::format("{}:{}: unknown key 'auth.tokens.{}'", file, line, name));
        }
      }
      if (token.secret.empty()) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: a token needs 'token' or 'token_file' (not empty)", file, LineOf(item)));
      }
      if (!access_given) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: a token needs 'access: read' or 'access: write'", file, LineOf(item)));
      }
      options->tokens.push_back(std::move(token));
    }
  }
  return Status();
}

}  // namespace

Result<Options> ParseArgs(int argc, char** argv) {
  Options options;
  optind = 0;
  opterr = 0;
  for (;;) {
    int long_index = -1;
    int c = getopt_long(argc, argv, "p:s:", kLongOptions, &long_index);
    if (c == -1) break;
    std::string_view name;
    switch (c) {
      case kHelp: options.help = true; return options;
      case kVersion: options.version = true; return options;
      case kLogRequests: options.log_requests = true; options.given.emplace_back("log-requests"); continue;
      case 'p': name = "port"; break;
      case 's': name = "store"; break;
      case '?':
      case ':':
        return cli::GetoptError(c, kLongOptions, argv);
      default: name = kLongOptions[long_index].name; break;
    }
    LS_RETURN_IF_ERROR(SetOption(name, optarg, &options));
    options.given.emplace_back(name);
  }
  if (optind < argc) {
    return Status::InvalidArgument(fmt::format("unexpected operand '{}'", argv[optind]));
  }
  return options;
}

Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options) {
  static const config::SectionSpec kServer{
      "server",
      {"host", "port", "store", "threads", "jobs", "max_body", "max_record_bytes", "max_limit",
       "default_limit", "memory_limit", "query_cache", "query_cache_ttl", "read_timeout", "write_timeout", "keep_alive", "tail_poll",
       "sync", "sync_interval", "retention", "max_size", "tls_cert", "tls_key", "log_requests"},
      {}};
  auto set = [options](const std::string& option, const std::string& value) {
    return SetOption(option, value, options);
  };
  LS_RETURN_IF_ERROR(config::CheckSections(yaml_text, name));
  LS_RETURN_IF_ERROR(config::ApplySection(yaml_text, name, kServer, options->given, set));
  // tls.cert is --tls-cert: the section's keys are the options without their prefix.
  static const config::SectionSpec kTls{"tls", {"cert", "key"}, {}};
  std::vector<std::string> tls_given;
  for (const std::string& option : options->given) {
    if (option.rfind("tls-", 0) == 0) tls_given.push_back(option.substr(4));
  }
  LS_RETURN_IF_ERROR(config::ApplySection(
      yaml_text, name, kTls, tls_given,
      [options](const std::string& option, const std::string& value) {
        return SetOption("tls-" + option, value, options);
      }));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));  // valid: ApplySection parsed it
    if (!root.IsMap() || !root["auth"] || root["auth"].IsNull()) return Status();
    return ReadAuth(root["auth"], name, options);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: {}", name, e.mark.is_null() ? 1 : e.mark.line + 1, e.msg));
  }
}

Status Validate(const Options& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Status::InvalidArgument("TLS needs both --tls-cert and --tls-key");
  }
  if (options.default_limit > options.max_limit) {
    return Status::InvalidArgument(fmt::format("--default-limit {} is above --max-limit {}",
                                               options.default_limit, options.max_limit));
  }
  return Status();
}

const char* HelpText() {
  return R"(Usage: logserve [OPTION]...
Serve a LogStream store over HTTP: the REST API (ingestion, queries, analyses, a live
tail) and Prometheus metrics at /metrics.

      --host=ADDR          address to listen on (default 127.0.0.1)
  -p, --port=N             TCP port (default 8000; 0: any free port)
  -s, --store=DIR          the store directory, created if needed (default var/store);
                           mem: keeps the store in memory only, bounded by --max-size
      --config=FILE        read the server:, tls: and auth: sections of a YAML file
      --threads=N          requests served at once (default 32)
      --jobs=N             threads one query may use (default 2)
      --max-body=SIZE      largest request body, after decompression (default 16M)
      --max-record-bytes=N largest record in a request (default 1048576)
      --default-limit=N    records a query returns when it gives no limit (default 100)
      --max-limit=N        largest limit a query may ask for (default 10000)
      --memory-limit=SIZE  most one query may hold for sorting or analysis (default 256M)
      --query-cache=SIZE   answers kept for repeated searches and analyses while
                           the store is unchanged (default 64M; 0: none)
      --query-cache-ttl=DUR  longest an answer is reused (default 1s)
      --read-timeout=DUR   time to read a request (default 30s)
      --write-timeout=DUR  time to write a response (default 30s)
      --keep-alive=DUR     idle connections are closed after DUR (default 5s)
      --tail-poll=DUR      how often the live tail looks for new records (default 250ms)
      --sync=MODE          always, interval (default) or never; see logstore(1)
      --sync-interval=DUR  how often --sync=interval syncs (default 1s)
      --retention=DUR      drop days older than DUR (e.g. 30d)
      --max-size=SIZE      drop the oldest days while the store is larger (mem: 256M)
      --tls-cert=FILE      serve HTTPS with this certificate (PEM) ...
      --tls-key=FILE       ... and this private key
      --log-requests       one line per request on standard error
      --help               display this help and exit
      --version            output version information and exit

Bearer tokens are configured in the auth: section of --config. SIGTERM or SIGINT
finishes the requests in flight, seals the store and exits 0.
Full documentation: logserve(1), docs/rest-api.md.
)";
}

}  // namespace logstream::logserve
