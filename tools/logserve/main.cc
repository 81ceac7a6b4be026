// tools/logserve/main.cc -- logserve: the REST API and Prometheus metrics over a store.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <thread>

#include <fmt/core.h>

#include "common/cli.h"
#include "tools/logserve/metrics.h"
#include "tools/logserve/options.h"
#include "tools/logserve/result_cache.h"
#include "tools/logserve/server.h"
#include "tools/logserve/store_service.h"

namespace {

namespace cli = logstream::cli;
namespace logserve = logstream::logserve;
using logstream::Code;
using logstream::Status;

int OpenFailure(const Status& status) {
  cli::Error("{}", status.message());
  switch (status.code()) {
    case Code::kResourceExhausted: return cli::kExitTempFail;  // another writer holds it
    case Code::kUnsupported:
    case Code::kCorruption: return cli::kExitDataErr;
    default: return cli::kExitCantCreate;
  }
}

int Serve(const logserve::Options& options) {
  // Signals are taken by one thread with sigwait(); every other thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  logserve::StoreServiceOptions store_options;
  store_options.dir = options.store;
  store_options.open_jobs = options.jobs;
  store_options.writer.sync = options.sync;
  store_options.writer.sync_interval_ns = options.sync_interval_ns;
  store_options.writer.retention_ns = options.retention_ns;
  store_options.writer.max_size_bytes = options.max_size_bytes;
  if (options.in_memory() && store_options.writer.max_size_bytes == 0) {
    store_options.writer.max_size_bytes = logserve::kDefaultMemoryStoreBytes;
  }
  store_options.writer.warn = [](std::string_view message) { cli::Error("{}", message); };
  logstream::Result<std::unique_ptr<logserve::StoreService>> store =
      logserve::StoreService::Open(store_options);
  if (!store.ok()) return OpenFailure(store.status());

  logserve::ResultCache cache(options.query_cache_bytes,
                              std::chrono::nanoseconds(options.query_cache_ttl_ns));
  logserve::ServerMetrics metrics(store->get(), &cache);
  logstream::Result<std::unique_ptr<logserve::ApiServer>> server =
      logserve::ApiServer::Create(options, store->get(), &metrics, &cache);
  if (!server.ok()) {
    cli::Error("{}", server.status().message());
    (void)(*store)->Close();
    return cli::kExitConfig;
  }
  logstream::Result<int> port = (*server)->Bind();
  if (!port.ok()) {
    cli::Error("{}", port.status().message());
    (void)(*store)->Close();
    return cli::kExitUnavailable;
  }
  std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  cli::Error("listening on {}://{}:{} (store {})", options.tls_cert.empty() ? "http" : "https",
             host, *port, (*store)->display_name());

  std::thread waiter([&server, stop_signals] {
    int signo = 0;
    sigwait(&stop_signals, &signo);
    (*server)->Stop();
  });
  (*server)->Run();
  // Run() also returns when the listening socket fails; wake the waiter either way.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  server->reset();
  Status closed = (*store)->Close();
  if (!closed.ok()) {
    cli::Error("{}", closed.message());
    return cli::kExitIoErr;
  }
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Init("logserve");
  try {
    auto options = logserve::ParseArgs(argc, argv);
    if (!options.ok()) return cli::UsageError(options.status());
    if (options->help) {
      fmt::print("{}", logserve::HelpText());
      return cli::Finish(cli::kExitOk);
    }
    if (options->version) {
      fmt::print("logserve (LogStream) {}\n", LOGSTREAM_VERSION);
      return cli::Finish(cli::kExitOk);
    }
    if (!options->config_file.empty()) {
      logstream::Result<std::string> text = cli::ReadSmallFile(options->config_file);
      if (!text.ok()) {
        cli::Error("{}", text.status().message());
        return cli::kExitNoInput;
      }
      Status applied = logserve::ApplyConfig(*text, options->config_file, &*options);
      if (!applied.ok()) {
        cli::Error("{}", applied.message());
        return cli::kExitConfig;
      }
    }
    if (Status valid = logserve::Validate(*options); !valid.ok()) return cli::UsageError(valid);
    return Serve(*options);
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
