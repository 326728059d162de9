// The read path: Select resolves matchers to series through the in-memory postings, then reads
// each series' samples from stored blocks and head chunks on demand.
#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>
#include <set>

#include "storage/block_codec.h"
#include "storage/db_engine.h"
#include "storage/db_series_set.h"
#include "storage/kv_layout.h"
#include "storage/partition_scan.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace tidemark::storage {
namespace {

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

// How many series ahead ReadSeriesBatch asks for the chunk bytes it will read, and twice that
// for the series' records.
constexpr size_t kPrefetchSeriesAhead = 4;

// The cache lines of a series a read looks at: its lock, time bounds and open chunk's state.
void PrefetchSeries(const MemSeries& s) {
  const char* p = reinterpret_cast<const char*>(&s);
  for (size_t offset = 0; offset < sizeof(MemSeries); offset += 64) __builtin_prefetch(p + offset);
}

void AppendChunkSamples(const HeadChunk& chunk, int64_t mint, int64_t maxt,
                        std::vector<Sample>* out, Status* st) {
  if (chunk.num_samples() == 0 || chunk.max_time() < mint || chunk.min_time() > maxt) return;
  // Room for the samples in range, in proportion to the part of the chunk's span it covers:
  // growing the vector a sample at a time reallocated it about six times per series read.
  const int64_t span = chunk.max_time() - chunk.min_time();
  if (span > 0) {
    const double covered =
        static_cast<double>(std::min(maxt, chunk.max_time()) - std::max(mint, chunk.min_time())) /
        static_cast<double>(span);
    const size_t want = out->size() + static_cast<size_t>(covered * chunk.num_samples()) + 2;
    if (want > out->capacity()) out->reserve(std::max(want, 2 * out->capacity()));
  }
  HeadChunkIterator it;
  it.ResetFrom(chunk, mint);
  while (it.Next()) {
    if (it.t() < mint) continue;
    if (it.t() > maxt) break;
    out->push_back({it.t(), it.v()});
  }
  if (!it.status().ok() && st->ok()) *st = it.status();
}

// Positions `it` at the first key at or after `target` (a chunk key prefix), as Seek does. The
// next selected series' blocks usually lie a few keys ahead in the same partition and metric
// group (past the blocks of the group's series not selected, or the rest of the previous
// series'), and stepping there is much cheaper than a seek through the index. Only a walk that
// starts before `target` in its group is tried: then the first key reached at or past it is the
// one Seek would find. A target not reached within kMaxSteps (a sparse selection within a
// metric) is sought after all; either way the iterator ends where Seek would put it.
void SeekForward(rocksdb::Iterator* it, const rocksdb::Slice& target) {
  constexpr int kMaxSteps = 8;
  if (it->Valid() && it->key().size() >= kChunkKeyGroupPrefixBytes &&
      target.size() >= kChunkKeyGroupPrefixBytes &&
      std::memcmp(it->key().data(), target.data(), kChunkKeyGroupPrefixBytes) == 0 &&
      it->key().compare(target) < 0) {
    for (int step = 0; step < kMaxSteps; ++step) {
      it->Next();
      if (!it->Valid()) break;
      if (it->key().compare(target) >= 0) return;
    }
  }
  it->Seek(target);
}

// The samples of `chunk` estimated to lie in [from, to], in proportion to the part of its span
// the range covers.
double SamplesWithin(const HeadChunk& chunk, int64_t from, int64_t to) {
  if (chunk.num_samples() == 0 || chunk.max_time() < from || chunk.min_time() > to) return 0;
  const int64_t span = chunk.max_time() - chunk.min_time();
  if (span == 0) return chunk.num_samples();
  const int64_t covered = std::min(to, chunk.max_time()) - std::max(from, chunk.min_time());
  return static_cast<double>(covered) / static_cast<double>(span) * chunk.num_samples();
}

// Head samples a read takes at least from stored blocks instead, when it may (below).
constexpr double kMinSamplesFromBlocks = 64;

// Under the series' lock: whether a read of [mint, maxt] takes the samples the head holds up to
// stored_through from stored blocks (which decode several times faster than head chunks) and
// decodes the head only after them. A checkpoint stores a chunk it keeps open and marks its end
// (HeadChunk::MarkEnd), so that decoding starts there. Worth it for the long ranges of
// dashboards, not for rules' windows of a few minutes, whose summaries (`summarize`) the head
// gives without decoding.
bool ReadStoredPartFromBlocks(const MemSeries& s, int64_t mint, int64_t maxt, bool summarize) {
  const int64_t through = s.stored_through;
  if (summarize || through == INT64_MIN || mint > through) return false;
  double samples = SamplesWithin(s.head, mint, std::min(maxt, through));
  for (const auto& c : s.closed) samples += SamplesWithin(*c, mint, std::min(maxt, through));
  if (samples < kMinSamplesFromBlocks) return false;
  // The chunk holding the first sample after them must have a checkpoint there or close before:
  // from its start, the head's decoding would not shrink.
  auto resumable = [&](const HeadChunk& c) {
    return c.num_samples() == 0 || c.max_time() <= through || c.min_time() > through ||
           c.CheckpointBefore(through + 1) != nullptr;
  };
  return resumable(s.head) && std::all_of(s.closed.begin(), s.closed.end(),
                                          [&](const auto& c) { return resumable(*c); });
}

}  // namespace

rocksdb::Iterator* DbEngine::NewChunkIterator() {
  rocksdb::ReadOptions ro;
  // Reads move from one series' prefix to the next with Next(); that is only correct in total
  // order (prefix mode may skip files whose bloom filter excluded the first prefix).
  ro.total_order_seek = true;
  return db_->NewIterator(ro, chunks_cf_);
}

void DbEngine::ReadSeriesBatch(std::vector<SeriesRead*>& batch, int64_t mint, int64_t maxt,
                               std::unique_ptr<rocksdb::Iterator>* iterator, bool summarize) {
  mint = std::max(mint, VisibleMinTime());
  if (mint > maxt) return;

  // A read of recent data (rules, dashboards' last minutes) finds everything in the head: it is
  // decoded straight into the result under the series' lock, which costs less than copying the
  // open chunk out. A read that also needs stored blocks snapshots the head chunks in range under
  // the lock and decodes them after the blocks, outside it.
  struct Plan {
    SeriesRead* read;
    std::vector<std::shared_ptr<const HeadChunk>> chunks;
    // A copy of the open chunk, when in range; empty otherwise, so that a plan answered from the
    // head under the lock (every rule's read) never builds one.
    std::optional<HeadChunk> open;
    bool head_decoded = false;
    int64_t stored_min = 0, stored_max = -1;  // the range to read from stored blocks, if any
    int64_t head_from = 0;                    // the head chunks are read from here to maxt
  };
  auto in_range = [&](const HeadChunk& c) {
    return c.num_samples() > 0 && c.max_time() >= mint && c.min_time() <= maxt;
  };
  std::vector<Plan> plans(batch.size());
  int32_t first_partition = INT32_MAX, last_partition = INT32_MIN;
  for (size_t i = 0; i < batch.size(); ++i) {
    // Reading a few recent samples of each of a few hundred series among many (rules,
    // dashboards' last minutes) waits on memory: each series' record and chunk bytes are cold.
    // Ask for them a few series ahead: the records first, then, once a record has arrived, the
    // bytes where its read will start.
    if (i + 2 * kPrefetchSeriesAhead < batch.size()) {
      PrefetchSeries(*batch[i + 2 * kPrefetchSeriesAhead]->series);
    }
    if (i + kPrefetchSeriesAhead < batch.size()) {
      const MemSeries& ahead = *batch[i + kPrefetchSeriesAhead]->series;
      const char* start;
      {
        std::lock_guard lock(ahead.mu);
        start = ahead.head.DecodeStartFor(mint);
      }
      if (start != nullptr) __builtin_prefetch(start);
      // And its label array, which the set copies out (in part) when it hands the series out.
      __builtin_prefetch(ahead.labels.data());
    }
    Plan& plan = plans[i];
    plan.read = batch[i];
    SeriesRead& r = *plan.read;
    const MemSeries& s = *r.series;
    int64_t series_min, series_max;
    {
      std::lock_guard lock(s.mu);
      series_min = s.min_time;
      series_max = s.max_time;
      // The head's oldest sample: stored blocks hold everything before it.
      int64_t head_min = s.head.num_samples() > 0 ? s.head.min_time() : INT64_MAX;
      if (!s.closed.empty()) head_min = std::min(head_min, s.closed.front()->min_time());
      plan.stored_min = std::max(mint, series_min);
      plan.head_from = mint;
      // Everything from the head's oldest sample on is in the head; stored blocks may hold some
      // of it too (an open chunk a checkpoint stored and kept), which is not read twice: it is
      // taken from one or the other.
      plan.stored_max =
          std::min({maxt, series_max, head_min == INT64_MAX ? INT64_MAX : head_min - 1});
      if (head_min != INT64_MAX && head_min <= s.stored_through &&
          ReadStoredPartFromBlocks(s, mint, maxt, summarize)) {
        plan.stored_max = std::min({maxt, series_max, s.stored_through});
        plan.head_from = s.stored_through + 1;
      }
      if (series_max < mint || series_min > maxt || plan.stored_min > plan.stored_max) {
        plan.stored_max = plan.stored_min - 1;
        plan.head_decoded = true;
        // Rules' rates: the window lies in the open chunk, and its newest sample is the chunk's.
        if (summarize && in_range(s.head) && s.head.max_time() <= maxt &&
            std::none_of(s.closed.begin(), s.closed.end(),
                         [&](const auto& c) { return in_range(*c); }) &&
            s.head.SummarizeFrom(mint, &r.summary)) {
          r.summarized = true;
          continue;
        }
        for (const auto& c : s.closed) {
          if (in_range(*c)) AppendChunkSamples(*c, mint, maxt, &r.samples, &r.status);
        }
        if (in_range(s.head)) AppendChunkSamples(s.head, mint, maxt, &r.samples, &r.status);
        continue;
      }
      auto head_in_range = [&](const HeadChunk& c) {
        return c.num_samples() > 0 && c.max_time() >= plan.head_from && c.min_time() <= maxt;
      };
      for (const auto& c : s.closed) {
        if (head_in_range(*c)) plan.chunks.push_back(c);
      }
      if (head_in_range(s.head)) plan.open.emplace(s.head);
    }
    first_partition =
        std::min(first_partition, PartitionOf(plan.stored_min, partition_duration_ms_));
    last_partition = std::max(last_partition, PartitionOf(plan.stored_max, partition_duration_ms_));
  }

  // Stored blocks, partition by partition, series in key order (metric group, then id): the
  // series of a selection are usually of one metric and their blocks adjacent keys, so the
  // iterator is already where the next series starts, or a few steps before it.
  std::vector<Plan*> by_key;
  for (Plan& plan : plans) {
    if (plan.stored_min <= plan.stored_max) by_key.push_back(&plan);
  }
  std::sort(by_key.begin(), by_key.end(), [](const Plan* a, const Plan* b) {
    const MemSeries& x = *a->read->series;
    const MemSeries& y = *b->read->series;
    return x.metric_group != y.metric_group ? x.metric_group < y.metric_group : x.id < y.id;
  });
  Result<std::vector<int32_t>> partitions = std::vector<int32_t>();
  if (!by_key.empty()) {
    partitions = PartitionsWithKeys(
        db_, chunks_cf_, std::max(first_partition, dropped_below_.load()), last_partition);
  }
  if (!partitions.ok()) {
    for (Plan* plan : by_key) plan->read->status = partitions.status();
    partitions = std::vector<int32_t>();
  }
  // The iterator must see every block stored before the head was read above: a checkpoint
  // stores a series' chunks, then drops them from the head, so a view older than the head read
  // could miss them. Refreshing an iterator with nothing new written costs little.
  if (!partitions->empty()) {
    if (*iterator == nullptr || !(*iterator)->Refresh().ok()) iterator->reset(NewChunkIterator());
  }
  rocksdb::Iterator* it = iterator->get();
  for (const int32_t p : *partitions) {
    for (Plan* plan : by_key) {
      SeriesRead& r = *plan->read;
      if (!r.status.ok() || p < PartitionOf(plan->stored_min, partition_duration_ms_) ||
          p > PartitionOf(plan->stored_max, partition_duration_ms_)) {
        continue;
      }
      const uint64_t id = r.series->id;
      const std::string prefix = ChunkKeyPrefix(p, r.series->metric_group, id);
      if (!it->Valid() || !it->key().starts_with(prefix)) SeekForward(it, prefix);
      for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
        ChunkKeyParts parts;
        ParseChunkKey(std::string_view(it->key().data(), it->key().size()), &parts);
        if (parts.min_time > plan->stored_max) break;
        const std::string_view value(it->value().data(), it->value().size());
        BlockHeader header;
        // Decode straight into the result, then trim to the range.
        const size_t base = r.samples.size();
        Status bs = DecodeBlock(value, &header, &r.samples);
        if (bs.ok() && (header.series_id != id || header.min_time != parts.min_time)) {
          bs = Status::Corruption("block under key of series " + std::to_string(id) + " @" +
                                  std::to_string(parts.min_time) + " describes series " +
                                  std::to_string(header.series_id) + " @" +
                                  std::to_string(header.min_time));
        }
        if (!bs.ok()) {
          r.status = Status::Corruption("series " + r.series->ToLabels().ToString() + " in [" +
                                        std::to_string(parts.min_time) + ", ...] partition " +
                                        std::to_string(p) + ": " + bs.message());
          r.samples.clear();  // nothing of a damaged series is returned
          break;
        }
        auto lo = r.samples.begin() + static_cast<ptrdiff_t>(base), hi = r.samples.end();
        // Merged blocks may reach into what the head holds: up to stored_max only.
        if (header.max_time > plan->stored_max) {
          hi = std::upper_bound(lo, hi, plan->stored_max,
                                [](int64_t t, const Sample& a) { return t < a.timestamp_ms; });
          r.samples.erase(hi, r.samples.end());
        }
        if (header.min_time < mint) {
          lo = r.samples.begin() + static_cast<ptrdiff_t>(base);
          r.samples.erase(
              lo, std::lower_bound(lo, r.samples.end(), mint,
                                   [](const Sample& a, int64_t t) { return a.timestamp_ms < t; }));
        }
      }
      if (r.status.ok() && !it->status().ok())
        r.status = Status::IOError("read chunks: " + it->status().ToString());
    }
  }

  for (Plan& plan : plans) {
    SeriesRead& r = *plan.read;
    if (!r.status.ok()) continue;
    if (!plan.head_decoded) {
      for (const auto& c : plan.chunks) {
        AppendChunkSamples(*c, plan.head_from, maxt, &r.samples, &r.status);
      }
      if (plan.open) AppendChunkSamples(*plan.open, plan.head_from, maxt, &r.samples, &r.status);
    }
    // Sources are each sorted; a chunk being checkpointed may be read from both the head and the
    // store, so merge duplicates away when order is broken.
    std::vector<Sample>& out = r.samples;
    bool sorted = true;
    for (size_t i = 1; i < out.size() && sorted; ++i)
      sorted = out[i - 1].timestamp_ms < out[i].timestamp_ms;
    if (!sorted) {
      std::stable_sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) {
        return a.timestamp_ms < b.timestamp_ms;
      });
      out.erase(std::unique(out.begin(), out.end(),
                            [](const Sample& a, const Sample& b) {
                              return a.timestamp_ms == b.timestamp_ms;
                            }),
                out.end());
    }
  }
}

Result<std::unique_ptr<SeriesSet>> DbEngine::Select(const std::vector<LabelMatcher>& matchers,
                                                    int64_t mint, int64_t maxt) {
  return SelectSeries(ReadOptions(), matchers, mint, maxt, /*sorted=*/true, /*read_ahead=*/true);
}

Result<std::vector<std::shared_ptr<MemSeries>>> DbEngine::SelectFromIndex(
    const ReadOptions& options, const std::vector<LabelMatcher>& matchers) const {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  Status stopped;
  auto series = index_.Select(*compiled, &options, &stopped);  // in id order
  if (!stopped.ok()) return stopped;
  return series;
}

Result<std::unique_ptr<SeriesSet>> DbEngine::SelectSeries(
    const ReadOptions& options, const std::vector<LabelMatcher>& matchers, int64_t mint,
    int64_t maxt, bool sorted, bool read_ahead, const std::vector<std::string>* projection,
    bool summarize) {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  if (std::all_of(compiled->begin(), compiled->end(),
                  [](const CompiledMatcher& m) { return m.MatchesEmpty(); })) {
    return Status::InvalidArgument(
        "a selector needs at least one matcher that does not match the empty string");
  }
  TM_ASSIGN_OR_RETURN(auto series, SelectFromIndex(options, matchers));
  if (sorted) {
    std::sort(series.begin(), series.end(),
              [](const auto& a, const auto& b) { return LabelsLess(*a, *b); });
  }
  return NewDbSeriesSet(this, std::move(series), mint, maxt,
                        read_ahead ? read_pool_.get() : nullptr, projection, summarize);
}

namespace {

bool Overlaps(const MemSeries& s, int64_t mint, int64_t maxt) {
  std::lock_guard lock(s.mu);
  return s.max_time >= mint && s.min_time <= maxt;
}

}  // namespace

Result<std::vector<Labels>> DbEngine::SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                                   int64_t mint, int64_t maxt, size_t limit) {
  return SeriesLabelsWith(ReadOptions(), matchers, mint, maxt, limit);
}

Result<std::vector<Labels>> DbEngine::SeriesLabelsWith(const ReadOptions& options,
                                                       const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint, int64_t maxt, size_t limit) {
  TM_ASSIGN_OR_RETURN(auto series, SelectFromIndex(options, matchers));
  mint = std::max(mint, VisibleMinTime());
  std::vector<Labels> out;
  for (const auto& s : series) {
    if (Overlaps(*s, mint, maxt)) out.push_back(s->ToLabels());
  }
  std::sort(out.begin(), out.end());
  if (limit != 0 && out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<std::string>> DbEngine::LabelNames(const std::vector<LabelMatcher>& matchers,
                                                      int64_t mint, int64_t maxt) {
  return LabelNamesWith(ReadOptions(), matchers, mint, maxt);
}

Result<std::vector<std::string>> DbEngine::LabelNamesWith(const ReadOptions& options,
                                                          const std::vector<LabelMatcher>& matchers,
                                                          int64_t mint, int64_t maxt) {
  TM_ASSIGN_OR_RETURN(auto series, SelectFromIndex(options, matchers));
  mint = std::max(mint, VisibleMinTime());
  std::set<std::string_view> names;
  for (const auto& s : series) {
    if (!Overlaps(*s, mint, maxt)) continue;
    for (const InternedLabel* l : s->labels) names.insert(l->name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> DbEngine::LabelValues(std::string_view name,
                                                       const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint, int64_t maxt) {
  return LabelValuesWith(ReadOptions(), name, matchers, mint, maxt);
}

Result<std::vector<std::string>> DbEngine::LabelValuesWith(
    const ReadOptions& options, std::string_view name, const std::vector<LabelMatcher>& matchers,
    int64_t mint, int64_t maxt) {
  TM_ASSIGN_OR_RETURN(auto series, SelectFromIndex(options, matchers));
  mint = std::max(mint, VisibleMinTime());
  std::set<std::string_view> values;
  for (const auto& s : series) {
    if (!Overlaps(*s, mint, maxt)) continue;
    for (const InternedLabel* l : s->labels) {
      if (l->name == name) values.insert(l->value);
    }
  }
  return std::vector<std::string>(values.begin(), values.end());
}

// --- SampleQuerier: the reads above with per-call options ---

Result<std::unique_ptr<SeriesSet>> DbEngine::Select(const ReadOptions& options,
                                                    const std::vector<LabelMatcher>& matchers,
                                                    int64_t mint_ms, int64_t maxt_ms,
                                                    const SelectHints& hints) {
  TM_RETURN_IF_ERROR(options.Check());
  return SelectSeries(options, matchers, mint_ms, maxt_ms, hints.sorted, hints.read_ahead,
                      hints.project_labels ? &hints.projection : nullptr, hints.window_summary);
}

Result<std::vector<Labels>> DbEngine::Series(const ReadOptions& options,
                                             const std::vector<LabelMatcher>& matchers,
                                             int64_t mint_ms, int64_t maxt_ms) {
  TM_RETURN_IF_ERROR(options.Check());
  return SeriesLabelsWith(options, matchers, mint_ms, maxt_ms, options.limit);
}

Result<std::vector<std::string>> DbEngine::LabelNames(const ReadOptions& options,
                                                      const std::vector<LabelMatcher>& matchers,
                                                      int64_t mint_ms, int64_t maxt_ms) {
  TM_RETURN_IF_ERROR(options.Check());
  return LabelNamesWith(options, matchers, mint_ms, maxt_ms);
}

Result<std::vector<std::string>> DbEngine::LabelValues(const ReadOptions& options,
                                                       std::string_view name,
                                                       const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint_ms, int64_t maxt_ms) {
  TM_RETURN_IF_ERROR(options.Check());
  return LabelValuesWith(options, name, matchers, mint_ms, maxt_ms);
}

}  // namespace tidemark::storage
