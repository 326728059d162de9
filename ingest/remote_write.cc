#include "ingest/remote_write.h"

#include <snappy.h>

#include <algorithm>

namespace tidemark::ingest {

Status DecodeRemoteWrite(std::string_view body, size_t max_decoded_bytes,
                         prometheus::WriteRequest* request) {
  size_t decoded_len = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &decoded_len)) {
    return Status::InvalidArgument("body is not snappy block-compressed");
  }
  if (decoded_len > max_decoded_bytes) {
    return Status::ResourceExhausted("decoded body of " + std::to_string(decoded_len) +
                                     " bytes over the limit of " +
                                     std::to_string(max_decoded_bytes));
  }
  std::string decoded;
  if (!snappy::Uncompress(body.data(), body.size(), &decoded)) {
    return Status::InvalidArgument("snappy data is corrupt");
  }
  if (!request->ParseFromString(decoded))
    return Status::InvalidArgument("body is not a protobuf WriteRequest");
  return Status::OK();
}

Result<RemoteWriteReport> AppendRemoteWrite(const prometheus::WriteRequest& request,
                                            Engine& engine) {
  std::vector<Labels> series;
  series.reserve(request.timeseries_size());
  for (int i = 0; i < request.timeseries_size(); ++i) {
    const auto& ts = request.timeseries(i);
    std::vector<Label> labels;
    labels.reserve(ts.labels_size());
    bool has_name = false;
    for (const auto& l : ts.labels()) {
      if (l.name().empty())
        return Status::InvalidArgument("series " + std::to_string(i) + ": empty label name");
      if (l.name() == "__name__" && !l.value().empty()) has_name = true;
      labels.push_back({l.name(), l.value()});
    }
    Labels set(std::move(labels));
    for (size_t k = 1; k < set.size(); ++k) {
      if (set.items()[k].name == set.items()[k - 1].name) {
        return Status::InvalidArgument("series " + set.ToString() + ": duplicate label name \"" +
                                       set.items()[k].name + "\"");
      }
    }
    if (!has_name)
      return Status::InvalidArgument("series " + set.ToString() + " has no metric name (__name__)");
    series.push_back(std::move(set));
  }
  RemoteWriteReport report;
  auto appender = engine.NewAppender();
  for (int i = 0; i < request.timeseries_size(); ++i) {
    const auto& ts = request.timeseries(i);
    SeriesRef ref = 0;
    for (const auto& s : ts.samples()) {
      ref = ref != 0 ? appender->Add(ref, s.timestamp(), s.value())
                     : appender->Add(series[i], s.timestamp(), s.value());
      ++report.samples;
    }
    report.exemplars_ignored += ts.exemplars_size();
  }
  auto committed = appender->Commit();
  if (!committed.ok()) return committed.status();
  report.commit = std::move(committed).value();
  return report;
}

}  // namespace tidemark::ingest
