// For the OTLP metrics tests: builders of one metric of each kind (no data points yet) and of
// resources, and a fixture translating into a fresh engine.
#ifndef TIDEMARK_TESTS_INGEST_OTLP_METRICS_TEST_UTIL_H_
#define TIDEMARK_TESTS_INGEST_OTLP_METRICS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "ingest/otlp_metrics.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "tests/storage/test_util.h"

namespace tidemark::ingest::testing {

namespace mpb = opentelemetry::proto::metrics::v1;
using ExportRequest = opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;

// A monotonic cumulative sum: what an SDK's Counter exports.
inline mpb::Metric Counter(const std::string& name, const std::string& unit) {
  mpb::Metric m;
  m.set_name(name);
  m.set_unit(unit);
  m.mutable_sum()->set_is_monotonic(true);
  m.mutable_sum()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  return m;
}

// A non-monotonic cumulative sum: an UpDownCounter.
inline mpb::Metric UpDownCounter(const std::string& name, const std::string& unit) {
  mpb::Metric m = Counter(name, unit);
  m.mutable_sum()->set_is_monotonic(false);
  return m;
}

inline mpb::Metric Gauge(const std::string& name, const std::string& unit) {
  mpb::Metric m;
  m.set_name(name);
  m.set_unit(unit);
  m.mutable_gauge();
  return m;
}

// A cumulative explicit-bucket histogram.
inline mpb::Metric Histogram(const std::string& name, const std::string& unit) {
  mpb::Metric m;
  m.set_name(name);
  m.set_unit(unit);
  m.mutable_histogram()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  return m;
}

// A resource with these string attributes, appended to `req`.
inline mpb::ResourceMetrics* AddResource(
    ExportRequest* req, std::initializer_list<std::pair<const char*, const char*>> attributes) {
  auto* rm = req->add_resource_metrics();
  for (const auto& [key, value] : attributes) {
    auto* a = rm->mutable_resource()->add_attributes();
    a->set_key(key);
    a->mutable_value()->set_string_value(value);
  }
  return rm;
}

// An engine in a temporary directory, and translation into it.
class TranslatorTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenEngine(); }

  // Replaces the engine with an empty one in a new directory.
  void OpenEngine() {
    engine_.reset();
    dir_ = std::make_unique<tidemark::testing::TempDir>();
    auto e = Engine::Open(tidemark::testing::TestOptions(), dir_->path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  MetricsTranslationReport Run(MetricsTranslator& translator, const ExportRequest& req) {
    auto app = engine_->NewAppender();
    auto r = translator.Translate(req, app.get());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : MetricsTranslationReport{};
  }

  std::unique_ptr<tidemark::testing::TempDir> dir_;
  std::unique_ptr<Engine> engine_;  // destroyed before its directory
};

}  // namespace tidemark::ingest::testing

#endif  // TIDEMARK_TESTS_INGEST_OTLP_METRICS_TEST_UTIL_H_
