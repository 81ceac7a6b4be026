// tools/logserve/metrics.cc -- See metrics.h.
#include "tools/logserve/metrics.h"

#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace logstream::logserve {
namespace {

prometheus::MetricFamily Single(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {metric}};
}

}  // namespace

ServerMetrics::ServerMetrics(StoreService* store, const ResultCache* cache)
    : store_(store),
      cache_(cache),
      registry_(std::make_shared<prometheus::Registry>()),
      received_(prometheus::BuildCounter()
                    .Name("logstream_logs_received_total")
                    .Help("Total number of log entries received")
                    .Register(*registry_)),
      processed_(prometheus::BuildCounter()
                     .Name("logstream_logs_processed_total")
                     .Help("Total number of log entries processed")
                     .Register(*registry_)
                     .Add({})),
      ingest_errors_(prometheus::BuildCounter()
                         .Name("logstream_ingest_errors_total")
                         .Help("Ingestion requests refused, by reason")
                         .Register(*registry_)),
      requests_(prometheus::BuildCounter()
                    .Name("logstream_http_requests_total")
                    .Help("HTTP requests answered, by endpoint, method and status")
                    .Register(*registry_)),
      query_duration_(prometheus::BuildHistogram()
                          .Name("logstream_query_duration_seconds")
                          .Help("Time spent executing queries")
                          .Register(*registry_)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                                       10.0})),
      tail_clients_(prometheus::BuildGauge()
                        .Name("logstream_tail_clients")
                        .Help("Live-tail connections open")
                        .Register(*registry_)
                        .Add({})) {}

void ServerMetrics::Received(std::string_view source, uint64_t records) {
  received_.Add({{"source", std::string(source)}}).Increment(static_cast<double>(records));
}

void ServerMetrics::Processed(uint64_t records) { processed_.Increment(static_cast<double>(records)); }

void ServerMetrics::IngestError(std::string_view reason) {
  ingest_errors_.Add({{"reason", std::string(reason)}}).Increment();
}

void ServerMetrics::Request(std::string_view path, std::string_view method, int status) {
  requests_
      .Add({{"path", std::string(path)}, {"method", std::string(method)},
            {"status", std::to_string(status)}})
      .Increment();
}

void ServerMetrics::QueryDuration(double seconds) { query_duration_.Observe(seconds); }

void ServerMetrics::TailClients(int delta) { tail_clients_.Increment(delta); }

std::string ServerMetrics::Render() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  Result<store::StoreStats> stats = store_->Stats();
  if (stats.ok()) {
    families.push_back(Single("logstream_store_size_bytes", "Bytes the store takes on disk",
                              MetricType::Gauge, static_cast<double>(stats->storage_bytes)));
    families.push_back(Single("logstream_store_entries", "Records in the store",
                              MetricType::Gauge, static_cast<double>(stats->total_entries)));
  }
  const store::WriterCounters& c = store_->counters();
  auto value = [](const std::atomic<uint64_t>& v) { return static_cast<double>(v.load()); };
  families.push_back(Single("logstream_store_records_written_total",
                            "Records accepted into the store", MetricType::Counter,
                            value(c.records)));
  families.push_back(Single("logstream_store_segments_sealed_total", "Segments sealed",
                            MetricType::Counter, value(c.segments_sealed)));
  families.push_back(Single("logstream_store_segments_merged_total",
                            "Small segments merged into larger ones", MetricType::Counter,
                            value(c.segments_merged)));
  families.push_back(Single("logstream_store_wal_bytes_total",
                            "Bytes written to the write-ahead log", MetricType::Counter,
                            value(c.wal_bytes)));
  families.push_back(Single("logstream_store_fsyncs_total", "fsync calls", MetricType::Counter,
                            value(c.fsyncs)));
  families.push_back(Single("logstream_store_partitions_dropped_total",
                            "Days dropped by retention or the size limit", MetricType::Counter,
                            value(c.partitions_dropped)));
  families.push_back(Single("logstream_store_segments_dropped_total",
                            "Segments of the newest day dropped by the size limit",
                            MetricType::Counter, value(c.segments_dropped)));
  if (cache_ != nullptr && cache_->enabled()) {
    families.push_back(Single("logstream_query_cache_hits_total",
                              "Searches and analyses answered from the query cache",
                              MetricType::Counter, static_cast<double>(cache_->hits())));
    families.push_back(Single("logstream_query_cache_misses_total",
                              "Searches and analyses the query cache could not answer",
                              MetricType::Counter, static_cast<double>(cache_->misses())));
  }
  families.push_back(Single("logstream_store_healthy",
                            "1 while the store accepts writes, 0 after a write error",
                            MetricType::Gauge, store_->health().ok() ? 1.0 : 0.0));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace logstream::logserve
