// tools/logcollect/metrics.cc -- See metrics.h.
#include "tools/logcollect/metrics.h"

#include <exception>
#include <vector>

#include <fmt/core.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include "common/timestamp.h"

namespace logstream::logcollect {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric Sample(MetricType type, double value, std::string label_name = {},
                    std::string label_value = {}) {
  ClientMetric metric;
  if (!label_name.empty()) {
    metric.label.push_back(ClientMetric::Label{std::move(label_name), std::move(label_value)});
  }
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

class CollectorCollectable : public prometheus::Collectable {
 public:
  CollectorCollectable(Collector* collector, const RejectSink* rejects)
      : collector_(collector), rejects_(rejects) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> families;
    auto per_source = [&](std::string name, std::string help, MetricType type, auto read) {
      MetricFamily family{std::move(name), std::move(help), type, {}};
      for (const auto& source : collector_->sources()) {
        family.metric.push_back(Sample(type, static_cast<double>(read(source->counters())),
                                       "source", source->spec().label()));
      }
      families.push_back(std::move(family));
    };
    per_source("logcollect_records_total", "Records written, by source.", MetricType::Counter,
               [](const SourceCounters& c) { return c.records.load(); });
    per_source("logcollect_bytes_read_total", "Raw bytes read, by source.", MetricType::Counter,
               [](const SourceCounters& c) { return c.bytes.load(); });
    per_source("logcollect_parse_errors_total", "Entries rejected, by source.",
               MetricType::Counter, [](const SourceCounters& c) { return c.parse_errors.load(); });
    per_source("logcollect_files_watched", "Files being read, by source.", MetricType::Gauge,
               [](const SourceCounters& c) { return c.files_watched.load(); });
    per_source("logcollect_rotations_total", "Rotations seen (rename or truncation), by source.",
               MetricType::Counter, [](const SourceCounters& c) { return c.rotations.load(); });
    per_source("logcollect_connections_total", "Connections accepted, by source.",
               MetricType::Counter, [](const SourceCounters& c) { return c.connections.load(); });
    const OutputCounters& out = collector_->output().counters();
    auto single = [&](std::string name, std::string help, MetricType type, double value) {
      families.push_back(MetricFamily{std::move(name), std::move(help), type,
                                      {Sample(type, value)}});
    };
    single("logcollect_output_bytes_total", "NDJSON bytes delivered to the output.",
           MetricType::Counter, static_cast<double>(out.bytes_written.load()));
    single("logcollect_output_reconnects_total", "Reconnections to the output.",
           MetricType::Counter, static_cast<double>(out.reconnects.load()));
    single("logcollect_output_buffered_bytes", "Bytes held in memory for the output.",
           MetricType::Gauge, static_cast<double>(out.buffered_bytes.load()));
    single("logcollect_output_spooled_bytes", "Bytes in the spool.", MetricType::Gauge,
           static_cast<double>(out.spooled_bytes.load()));
    single("logcollect_chunks_in_flight", "Chunks between the readers and the output.",
           MetricType::Gauge, static_cast<double>(collector_->chunks_in_flight()));
    if (const Checkpoints* state = collector_->checkpoints()) {
      int64_t saved = state->last_saved_ns();
      double lag = saved == 0 ? 0 : static_cast<double>(Now().ns - saved) / 1e9;
      single("logcollect_checkpoint_lag_seconds",
             "Age of the newest position saved in the state directory.", MetricType::Gauge, lag);
    }
    MetricFamily rejected{"logcollect_rejected_total", "Entries rejected, by reason.",
                          MetricType::Counter, {}};
    for (const auto& [reason, count] : rejects_->counts_by_reason()) {
      rejected.metric.push_back(
          Sample(MetricType::Counter, static_cast<double>(count), "reason", reason));
    }
    families.push_back(std::move(rejected));
    return families;
  }

 private:
  Collector* collector_;
  const RejectSink* rejects_;
};

}  // namespace

struct MetricsServer::Impl {
  std::shared_ptr<CollectorCollectable> collectable;
  std::unique_ptr<prometheus::Exposer> exposer;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() = default;

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                            Collector* collector,
                                                            const RejectSink* rejects) {
  std::string bind = address.find(':') == std::string::npos ? "127.0.0.1:" + address : address;
  auto impl = std::make_unique<Impl>();
  impl->collectable = std::make_shared<CollectorCollectable>(collector, rejects);
  try {
    impl->exposer = std::make_unique<prometheus::Exposer>(bind, 1);
  } catch (const std::exception& e) {
    return Status::Unavailable(fmt::format("--metrics '{}': cannot listen: {}", address, e.what()));
  }
  impl->exposer->RegisterCollectable(impl->collectable);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

}  // namespace logstream::logcollect
