// tools/logstore/metrics.cc -- See metrics.h. Metric names: man/logstore.1 "METRICS".
#include "tools/logstore/metrics.h"

#include <exception>
#include <vector>

#include <fmt/core.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

namespace logstream::logstore {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {metric}};
}

class StoreCollectable : public prometheus::Collectable {
 public:
  StoreCollectable(const store::StoreWriter* writer, const RejectSink* rejects,
                   const IngestGauges* ingest)
      : writer_(writer), rejects_(rejects), ingest_(ingest) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    const store::WriterCounters& c = writer_->counters();
    auto counter = [](const std::atomic<uint64_t>& v) { return static_cast<double>(v.load()); };
    std::vector<prometheus::MetricFamily> families;
    families.push_back(Family("logstream_store_lines_read_total", "Input lines read.",
                              MetricType::Counter, counter(ingest_->lines)));
    families.push_back(Family("logstream_store_input_bytes_total", "Input bytes read.",
                              MetricType::Counter, counter(ingest_->bytes)));
    families.push_back(Family("logstream_store_records_written_total",
                              "Records accepted into the store.", MetricType::Counter,
                              counter(c.records)));
    families.push_back(Family("logstream_store_bytes_written_total",
                              "NDJSON bytes of the records accepted.", MetricType::Counter,
                              counter(c.raw_bytes)));
    families.push_back(Family("logstream_store_blocks_encoded_total", "Blocks encoded.",
                              MetricType::Counter, counter(c.blocks_encoded)));
    families.push_back(Family("logstream_store_segments_sealed_total", "Segments sealed.",
                              MetricType::Counter, counter(c.segments_sealed)));
    families.push_back(Family("logstream_store_segments_merged_total",
                              "Small segments merged into larger ones.", MetricType::Counter,
                              counter(c.segments_merged)));
    families.push_back(Family("logstream_store_wal_bytes_total",
                              "Bytes written to the write-ahead log.", MetricType::Counter,
                              counter(c.wal_bytes)));
    families.push_back(Family("logstream_store_fsyncs_total", "fsync calls.",
                              MetricType::Counter, counter(c.fsyncs)));
    families.push_back(Family("logstream_store_fsync_seconds_total",
                              "Time spent in fsync; divided by fsyncs_total it is the mean "
                              "fsync latency.",
                              MetricType::Counter, static_cast<double>(c.fsync_nanos.load()) / 1e9));
    families.push_back(Family("logstream_store_partitions_dropped_total",
                              "Day partitions removed by retention.", MetricType::Counter,
                              counter(c.partitions_dropped)));
    families.push_back(Family("logstream_store_segments_dropped_total",
                              "Segments of the newest day removed by the size limit.",
                              MetricType::Counter, counter(c.segments_dropped)));
    Result<uint64_t> size = writer_->dir().DiskUsage();
    families.push_back(Family("logstream_store_size_bytes", "Bytes the store takes on disk.",
                              MetricType::Gauge, size.ok() ? static_cast<double>(*size) : 0));
    prometheus::MetricFamily rejected{"logstream_store_rejected_lines_total",
                                      "Input lines rejected, by reason.",
                                      MetricType::Counter,
                                      {}};
    for (const auto& [reason, count] : rejects_->counts_by_reason()) {
      prometheus::ClientMetric metric;
      metric.label.push_back(prometheus::ClientMetric::Label{"reason", reason});
      metric.counter.value = static_cast<double>(count);
      rejected.metric.push_back(std::move(metric));
    }
    families.push_back(std::move(rejected));
    return families;
  }

 private:
  const store::StoreWriter* writer_;
  const RejectSink* rejects_;
  const IngestGauges* ingest_;
};

}  // namespace

struct MetricsServer::Impl {
  std::shared_ptr<StoreCollectable> collectable;
  std::unique_ptr<prometheus::Exposer> exposer;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() = default;

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                            const store::StoreWriter* writer,
                                                            const RejectSink* rejects,
                                                            const IngestGauges* ingest) {
  auto impl = std::make_unique<Impl>();
  impl->collectable = std::make_shared<StoreCollectable>(writer, rejects, ingest);
  try {
    // One serving thread: a scrape is small, and metrics must not compete with ingest.
    impl->exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    return Status::Unavailable(fmt::format("--metrics '{}': cannot listen: {}", address, e.what()));
  }
  impl->exposer->RegisterCollectable(impl->collectable);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

}  // namespace logstream::logstore
