// The read path: Select resolves matchers to series through the in-memory postings, then reads
// each series' samples from stored blocks and head chunks on demand.
#include <algorithm>
#include <climits>
#include <set>

#include "storage/block_codec.h"
#include "storage/db_engine.h"
#include "storage/kv_layout.h"

namespace tidemark::storage {
namespace {

class VectorSampleIterator final : public SampleIterator {
 public:
  void Reset(const std::vector<Sample>* samples, Status status) {
    samples_ = samples;
    pos_ = -1;
    status_ = std::move(status);
  }
  bool Next() override {
    if (pos_ + 1 >= static_cast<ptrdiff_t>(samples_->size())) {
      pos_ = static_cast<ptrdiff_t>(samples_->size());
      return false;
    }
    ++pos_;
    return true;
  }
  bool Seek(int64_t t) override {
    if (pos_ < 0) pos_ = 0;
    if (pos_ < static_cast<ptrdiff_t>(samples_->size()) && (*samples_)[pos_].timestamp_ms >= t) return true;
    auto it = std::lower_bound(samples_->begin() + pos_, samples_->end(), t,
                               [](const Sample& s, int64_t v) { return s.timestamp_ms < v; });
    pos_ = it - samples_->begin();
    return it != samples_->end();
  }
  Sample At() const override { return (*samples_)[pos_]; }
  const Status& status() const override { return status_; }

 private:
  const std::vector<Sample>* samples_ = nullptr;
  ptrdiff_t pos_ = -1;
  Status status_;
};

bool LabelsLess(const MemSeries& a, const MemSeries& b) {
  const size_t n = std::min(a.labels.size(), b.labels.size());
  for (size_t i = 0; i < n; ++i) {
    const InternedLabel* x = a.labels[i];
    const InternedLabel* y = b.labels[i];
    if (x == y) continue;  // the same interned pair
    if (x->name != y->name) return x->name < y->name;
    if (x->value != y->value) return x->value < y->value;
  }
  return a.labels.size() < b.labels.size();
}

class DbSeriesSet final : public SeriesSet {
 public:
  DbSeriesSet(DbEngine* engine, std::vector<std::shared_ptr<MemSeries>> series, int64_t mint, int64_t maxt)
      : engine_(engine), series_(std::move(series)), mint_(mint), maxt_(maxt) {}

  bool Next() override {
    while (pos_ < series_.size()) {
      const MemSeries& s = *series_[pos_++];
      if (!it_) it_.reset(engine_->NewChunkIterator());
      samples_.clear();
      Status st = engine_->ReadSeries(s, mint_, maxt_, it_.get(), &samples_);
      if (!st.ok()) {
        // The series is returned with what could be read and the error on its iterator; the
        // error names the series so a caller can report it.
        status_ = st;
      }
      if (samples_.empty() && st.ok()) continue;
      labels_ = s.ToLabels();
      ref_ = s.id;
      iterator_.Reset(&samples_, std::move(st));
      return true;
    }
    return false;
  }
  const Labels& labels() const override { return labels_; }
  SeriesRef ref() const override { return ref_; }
  SampleIterator* Samples() override { return &iterator_; }
  const Status& status() const override { return status_; }

 private:
  DbEngine* engine_;
  std::vector<std::shared_ptr<MemSeries>> series_;
  const int64_t mint_, maxt_;
  size_t pos_ = 0;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::vector<Sample> samples_;
  Labels labels_;
  SeriesRef ref_ = 0;
  VectorSampleIterator iterator_;
  Status status_;
};

void AppendChunkSamples(const HeadChunk& chunk, int64_t mint, int64_t maxt, std::vector<Sample>* out, Status* st) {
  if (chunk.num_samples() == 0 || chunk.max_time() < mint || chunk.min_time() > maxt) return;
  HeadChunkIterator it(chunk.bytes(), chunk.num_samples());
  while (it.Next()) {
    if (it.t() < mint) continue;
    if (it.t() > maxt) break;
    out->push_back({it.t(), it.v()});
  }
  if (!it.status().ok() && st->ok()) *st = it.status();
}

}  // namespace

rocksdb::Iterator* DbEngine::NewChunkIterator() {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = false;  // seeks stay inside one (partition, series) prefix: bloom filters apply
  return db_->NewIterator(ro, chunks_cf_);
}

Status DbEngine::ReadSeries(const MemSeries& s, int64_t mint, int64_t maxt, rocksdb::Iterator* it,
                            std::vector<Sample>* out) {
  mint = std::max(mint, VisibleMinTime());
  if (mint > maxt) return Status::OK();
  // Snapshot the head under the series lock; decode outside it.
  std::vector<std::shared_ptr<const HeadChunk>> chunks;
  HeadChunk open;
  int64_t series_min, series_max;
  {
    std::lock_guard lock(s.mu);
    series_min = s.min_time;
    series_max = s.max_time;
    chunks = s.closed;
    if (s.head.num_samples() > 0 && s.head.max_time() >= mint && s.head.min_time() <= maxt) open = s.head;
  }
  if (series_max < mint || series_min > maxt) return Status::OK();
  int64_t head_min = open.num_samples() > 0 ? open.min_time() : INT64_MAX;
  if (!chunks.empty()) head_min = std::min(head_min, chunks.front()->min_time());

  Status status;
  // Stored blocks hold everything older than the head; skip them when the head covers the range.
  const int64_t stored_max = std::min(maxt, series_max);
  const int64_t stored_min = std::max(mint, series_min);
  if (head_min > mint && stored_min <= stored_max) {
    std::vector<Sample> block;
    const int32_t first = PartitionOf(stored_min, partition_duration_ms_);
    const int32_t last = PartitionOf(std::min(stored_max, head_min == INT64_MAX ? stored_max : head_min), partition_duration_ms_);
    for (int32_t p = std::max(first, dropped_below_.load()); p <= last && status.ok(); ++p) {
      const std::string prefix = ChunkKeyPrefix(p, s.id);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        ChunkKeyParts parts;
        ParseChunkKey(std::string_view(it->key().data(), it->key().size()), &parts);
        if (parts.min_time > maxt) break;
        const std::string_view value(it->value().data(), it->value().size());
        auto peek = DecodeBlockHeader(value);
        if (peek.ok() && peek->max_time < mint) continue;  // wholly before the range
        BlockHeader header;
        block.clear();
        Status bs = DecodeBlock(std::string_view(it->value().data(), it->value().size()), &header, &block);
        if (bs.ok() && (header.series_id != s.id || header.min_time != parts.min_time)) {
          bs = Status::Corruption("block under key of series " + std::to_string(s.id) + " @" +
                                  std::to_string(parts.min_time) + " describes series " +
                                  std::to_string(header.series_id) + " @" + std::to_string(header.min_time));
        }
        if (!bs.ok()) {
          status = Status::Corruption("series " + s.ToLabels().ToString() + " in [" +
                                      std::to_string(parts.min_time) + ", ...] partition " + std::to_string(p) +
                                      ": " + bs.message());
          break;
        }
        for (const Sample& smp : block) {
          if (smp.timestamp_ms >= mint && smp.timestamp_ms <= maxt) out->push_back(smp);
        }
      }
      if (status.ok() && !it->status().ok()) status = Status::IOError("read chunks: " + it->status().ToString());
    }
  }
  for (const auto& c : chunks) AppendChunkSamples(*c, mint, maxt, out, &status);
  AppendChunkSamples(open, mint, maxt, out, &status);

  // Sources are each sorted; a chunk being checkpointed may be read from both the head and the
  // store, so merge duplicates away when order is broken.
  bool sorted = true;
  for (size_t i = 1; i < out->size() && sorted; ++i) sorted = (*out)[i - 1].timestamp_ms < (*out)[i].timestamp_ms;
  if (!sorted) {
    std::stable_sort(out->begin(), out->end(),
                     [](const Sample& a, const Sample& b) { return a.timestamp_ms < b.timestamp_ms; });
    out->erase(std::unique(out->begin(), out->end(),
                           [](const Sample& a, const Sample& b) { return a.timestamp_ms == b.timestamp_ms; }),
               out->end());
  }
  return status;
}

Result<std::unique_ptr<SeriesSet>> DbEngine::Select(const std::vector<LabelMatcher>& matchers, int64_t mint,
                                                    int64_t maxt) {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  if (std::all_of(compiled->begin(), compiled->end(), [](const CompiledMatcher& m) { return m.MatchesEmpty(); })) {
    return Status::InvalidArgument("a selector needs at least one matcher that does not match the empty string");
  }
  auto series = index_.Select(*compiled);
  std::sort(series.begin(), series.end(), [](const auto& a, const auto& b) { return LabelsLess(*a, *b); });
  return std::unique_ptr<SeriesSet>(new DbSeriesSet(this, std::move(series), mint, maxt));
}

namespace {

bool Overlaps(const MemSeries& s, int64_t mint, int64_t maxt) {
  std::lock_guard lock(s.mu);
  return s.max_time >= mint && s.min_time <= maxt;
}

}  // namespace

Result<std::vector<std::string>> DbEngine::LabelNames(const std::vector<LabelMatcher>& matchers, int64_t mint,
                                                      int64_t maxt) {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  mint = std::max(mint, VisibleMinTime());
  std::set<std::string_view> names;
  auto series = index_.Select(*compiled);
  for (const auto& s : series) {
    if (!Overlaps(*s, mint, maxt)) continue;
    for (const InternedLabel* l : s->labels) names.insert(l->name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> DbEngine::LabelValues(std::string_view name, const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint, int64_t maxt) {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  mint = std::max(mint, VisibleMinTime());
  std::set<std::string_view> values;
  auto series = index_.Select(*compiled);
  for (const auto& s : series) {
    if (!Overlaps(*s, mint, maxt)) continue;
    for (const InternedLabel* l : s->labels) {
      if (l->name == name) values.insert(l->value);
    }
  }
  return std::vector<std::string>(values.begin(), values.end());
}

}  // namespace tidemark::storage
