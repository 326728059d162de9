// A remote_write 1.0 sender for tests: samples into a server (tidemark or Prometheus).
#ifndef TIDEMARK_TESTS_SERVER_REMOTE_WRITE_CLIENT_H_
#define TIDEMARK_TESTS_SERVER_REMOTE_WRITE_CLIENT_H_

#include <snappy.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/remote.pb.h"
#include "tests/server/server_process.h"

namespace tidemark::testing {

using SeriesLabels = std::vector<std::pair<std::string, std::string>>;
using SeriesSamples = std::vector<std::pair<int64_t, double>>;

// Sends samples over remote_write 1.0; the HTTP status.
inline int RemoteWrite(uint16_t port,
                       const std::vector<std::pair<SeriesLabels, SeriesSamples>>& series,
                       const std::map<std::string, std::string>& extra_headers = {}) {
  prometheus::WriteRequest req;
  for (const auto& [labels, samples] : series) {
    auto* ts = req.add_timeseries();
    for (const auto& [name, value] : labels) {
      auto* l = ts->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
    for (const auto& [t, v] : samples) {
      auto* s = ts->add_samples();
      s->set_timestamp(t);
      s->set_value(v);
    }
  }
  std::string body;
  snappy::Compress(req.SerializeAsString().data(), req.ByteSizeLong(), &body);
  std::map<std::string, std::string> headers = {{"Content-Type", "application/x-protobuf"},
                                                {"Content-Encoding", "snappy"},
                                                {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  headers.insert(extra_headers.begin(), extra_headers.end());
  return HttpCall(port, "POST", "/api/v1/write", body, headers).status;
}

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_SERVER_REMOTE_WRITE_CLIENT_H_
