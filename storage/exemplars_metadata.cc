// Exemplars, metric metadata and head cardinality statistics of DbEngine.
//
// Exemplars live in their own column family, keyed partition | series id | timestamp, so that a
// series' exemplars in a time range are one seek and retention drops them with the partitions
// (docs/format/column-families.md). Metadata is one key per metric family in the default column
// family, cached in memory so that a sender repeating unchanged metadata costs no write.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "storage/db_engine.h"
#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "storage/matcher_eval.h"
#include "storage/partition_scan.h"
#include "storage/rocks_status.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "util/utf8.h"

namespace tidemark::storage {
namespace {

// OpenMetrics: the combined length of an exemplar's label names and values is at most 128 runes.
constexpr size_t kMaxExemplarLabelRunes = 128;
constexpr size_t kMaxReportedRejections = 5;

template <typename Map>
std::vector<std::pair<std::string, uint64_t>> TopEntries(const Map& counts, size_t limit) {
  std::vector<std::pair<std::string, uint64_t>> out(counts.begin(), counts.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (limit != 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace

Result<ExemplarAppendReport> DbEngine::AppendExemplars(const std::vector<ExemplarWrite>& batch) {
  if (closing_) return Status::Unavailable("engine is closing");
  ExemplarAppendReport report;
  auto reject = [&](const ExemplarWrite& w, std::string why) {
    ++report.rejected;
    if (report.first_rejections.size() < kMaxReportedRejections)
      report.first_rejections.push_back(
          util::Abbreviate("exemplar of " + w.series.ToString() + " at " +
                               std::to_string(w.exemplar.timestamp_ms) + ": " + why,
                           util::kMaxRejectionMessageBytes));
  };
  const int64_t min_valid = std::max(VisibleMinTime(), MinStorableTime(partition_duration_ms_));
  const int64_t max_valid = MaxValidTime();
  rocksdb::WriteBatch wb;
  for (const ExemplarWrite& w : batch) {
    size_t runes = 0;
    for (const Label& l : w.exemplar.labels)
      runes += util::Utf8RuneCount(l.name) + util::Utf8RuneCount(l.value);
    if (runes > kMaxExemplarLabelRunes) {
      reject(w, "exemplar labels have " + std::to_string(runes) + " characters, more than " +
                    std::to_string(kMaxExemplarLabelRunes));
      continue;
    }
    if (w.exemplar.timestamp_ms > max_valid) {
      reject(w, "more than max_future=" + std::to_string(options_.max_future_ms) +
                    "ms after now; timestamps are Unix milliseconds");
      continue;
    }
    if (w.exemplar.timestamp_ms < min_valid) {
      reject(w, "outside the retention window");
      continue;
    }
    auto series = index_.Find(w.series, HashLabels(w.series));
    if (!series) {
      reject(w, "the series has no samples");
      continue;
    }
    wb.Put(exemplars_cf_,
           ExemplarKey(PartitionOf(w.exemplar.timestamp_ms, partition_duration_ms_), series->id,
                       w.exemplar.timestamp_ms),
           EncodeExemplarValue(w.exemplar));
    ++report.accepted;
  }
  if (wb.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_policy != SyncPolicy::kNone;
    TM_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "write exemplars"));
  }
  exemplars_appended_ += report.accepted;
  exemplars_rejected_ += report.rejected;
  return report;
}

Result<std::vector<SeriesExemplars>> DbEngine::SelectExemplars(
    const std::vector<LabelMatcher>& matchers, int64_t mint, int64_t maxt) {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  mint = std::max(mint, VisibleMinTime());
  std::vector<SeriesExemplars> out;
  if (mint > maxt) return out;
  auto series = index_.Select(*compiled);
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, exemplars_cf_));
  TM_ASSIGN_OR_RETURN(
      const std::vector<int32_t> partitions,
      PartitionsWithKeys(db_, exemplars_cf_, PartitionOf(mint, partition_duration_ms_),
                         PartitionOf(maxt, partition_duration_ms_)));
  for (const auto& s : series) {
    SeriesExemplars se;
    for (const int32_t partition : partitions) {
      const std::string end = ExemplarKey(partition, s->id, maxt);
      for (it->Seek(ExemplarKey(partition, s->id, mint));
           it->Valid() && it->key().compare(end) <= 0; it->Next()) {
        Exemplar e;
        const rocksdb::Slice k = it->key();
        e.timestamp_ms = util::DecodeOrderedInt64(k.data() + 12);
        if (!DecodeExemplarValue(std::string_view(it->value().data(), it->value().size()), &e))
          return Status::Corruption("exemplar of " + s->ToLabels().ToString() + " at " +
                                    std::to_string(e.timestamp_ms) + " does not decode");
        se.exemplars.push_back(std::move(e));
      }
      TM_RETURN_IF_ERROR(FromRocks(it->status(), "read exemplars"));
    }
    if (se.exemplars.empty()) continue;
    se.series = s->ToLabels();
    out.push_back(std::move(se));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesExemplars& a, const SeriesExemplars& b) { return a.series < b.series; });
  return out;
}

Status DbEngine::DropExemplarsBelow(int32_t partition) {
  const std::string begin = EncodeOrderedInt32(INT32_MIN);
  const std::string end = EncodeOrderedInt32(partition);
  return FromRocks(db_->DeleteRange(rocksdb::WriteOptions(), exemplars_cf_, begin, end),
                   "drop expired exemplars");
}

Status DbEngine::SetMetricMetadata(std::string_view metric, const MetricMetadata& metadata) {
  if (metric.empty()) return Status::InvalidArgument("metadata without a metric family name");
  std::lock_guard lock(metadata_mu_);
  TM_RETURN_IF_ERROR(LoadMetadataLocked());
  auto it = metadata_.find(metric);
  if (it != metadata_.end() && it->second == metadata) return Status::OK();
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_policy != SyncPolicy::kNone;
  TM_RETURN_IF_ERROR(FromRocks(db_->Put(wo, meta_cf_, std::string(kMetadataKeyPrefix) += metric,
                                        EncodeMetricMetadata(metadata)),
                               "write metric metadata"));
  metadata_[std::string(metric)] = metadata;
  return Status::OK();
}

Status DbEngine::LoadMetadataLocked() {
  if (metadata_loaded_) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_cf_));
  const std::string_view prefix = kMetadataKeyPrefix;
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    MetricMetadata m;
    if (!DecodeMetricMetadata(std::string_view(it->value().data(), it->value().size()), &m))
      return Status::Corruption("metadata of " + std::string(key.substr(prefix.size())) +
                                " does not decode");
    metadata_[std::string(key.substr(prefix.size()))] = std::move(m);
  }
  TM_RETURN_IF_ERROR(FromRocks(it->status(), "read metric metadata"));
  metadata_loaded_ = true;
  return Status::OK();
}

Result<std::vector<std::pair<std::string, MetricMetadata>>> DbEngine::GetMetricMetadata(
    std::string_view metric, size_t limit) {
  std::lock_guard lock(metadata_mu_);
  TM_RETURN_IF_ERROR(LoadMetadataLocked());
  std::vector<std::pair<std::string, MetricMetadata>> out;
  if (!metric.empty()) {
    auto it = metadata_.find(metric);
    if (it != metadata_.end()) out.emplace_back(it->first, it->second);
    return out;
  }
  for (const auto& [name, m] : metadata_) {
    if (limit != 0 && out.size() >= limit) break;
    out.emplace_back(name, m);
  }
  return out;
}

Result<HeadCardinality> DbEngine::HeadStats(size_t limit) {
  HeadCardinality hc;
  std::map<std::string, uint64_t, std::less<>> by_metric, values_by_name, bytes_by_name, by_pair;
  std::set<const InternedLabel*> pairs;
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  for (const auto& s : index_.All()) {
    ++hc.num_series;
    {
      std::lock_guard lock(s->mu);
      hc.chunk_count += s->closed.size() + (s->head.num_samples() > 0 ? 1 : 0);
      if (s->min_time <= s->max_time) {
        mint = std::min(mint, s->min_time);
        maxt = std::max(maxt, s->max_time);
      }
    }
    for (const InternedLabel* l : s->labels) {
      if (l->name == kMetricNameLabel) ++by_metric[l->value];
      std::string pair = l->name;
      pair += '=';
      pair += l->value;
      ++by_pair[pair];
      if (pairs.insert(l).second) {
        ++values_by_name[l->name];
        bytes_by_name[l->name] += l->value.size();
      }
    }
  }
  hc.num_label_pairs = pairs.size();
  if (mint <= maxt) {
    hc.min_time_ms = mint;
    hc.max_time_ms = maxt;
  }
  hc.series_count_by_metric_name = TopEntries(by_metric, limit);
  hc.label_value_count_by_label_name = TopEntries(values_by_name, limit);
  hc.memory_in_bytes_by_label_name = TopEntries(bytes_by_name, limit);
  hc.series_count_by_label_value_pair = TopEntries(by_pair, limit);
  return hc;
}

}  // namespace tidemark::storage
