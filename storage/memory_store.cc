#include "storage/memory_store.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <set>

#include "util/status_macros.h"

namespace tidemark::storage {
namespace {

class VectorSampleIterator final : public SampleIterator {
 public:
  void Reset(std::vector<Sample> samples) {
    samples_ = std::move(samples);
    pos_ = -1;
  }
  bool Next() override { return ++pos_ < static_cast<int64_t>(samples_.size()); }
  bool Seek(int64_t t) override {
    if (pos_ < 0) pos_ = 0;
    while (pos_ < static_cast<int64_t>(samples_.size()) && samples_[pos_].timestamp_ms < t) ++pos_;
    return pos_ < static_cast<int64_t>(samples_.size());
  }
  Sample At() const override { return samples_[pos_]; }
  const Status& status() const override { return status_; }
  std::span<const Sample> InMemory() const override { return samples_; }

 private:
  std::vector<Sample> samples_;
  int64_t pos_ = -1;
  Status status_;
};

// Owns copies of the selected series: the store may change while the set is read.
class VectorSeriesSet final : public SeriesSet {
 public:
  struct Entry {
    Labels labels;
    SeriesRef ref;
    std::vector<Sample> samples;
  };
  explicit VectorSeriesSet(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  bool Next() override {
    if (++pos_ >= static_cast<int64_t>(entries_.size())) return false;
    it_.Reset(std::move(entries_[pos_].samples));
    return true;
  }
  const Labels& labels() const override { return entries_[pos_].labels; }
  Labels TakeLabels() override { return std::move(entries_[pos_].labels); }
  SeriesRef ref() const override { return entries_[pos_].ref; }
  SampleIterator* Samples() override { return &it_; }
  const Status& status() const override { return status_; }

 private:
  std::vector<Entry> entries_;
  int64_t pos_ = -1;
  VectorSampleIterator it_;
  Status status_;
};

}  // namespace

class MemoryStore::MemoryAppender final : public Appender {
 public:
  explicit MemoryAppender(MemoryStore* store) : store_(store) {}

  SeriesRef Add(const Labels& labels, int64_t timestamp_ms, double value) override {
    if (labels.size() == 0) {
      Reject(RejectReason::kInvalidLabels, "empty label set");
      return 0;
    }
    pending_.push_back({labels, timestamp_ms, value});
    // The series exists (without samples, so invisible) from here, so that it has a ref.
    std::unique_lock lock(store_->mu_);
    return store_->RefOfLocked(labels);
  }
  SeriesRef Add(SeriesRef ref, int64_t timestamp_ms, double value) override {
    SeriesRef got = TryAdd(ref, timestamp_ms, value);
    if (got == 0) Reject(RejectReason::kUnknownSeriesRef, "series ref " + std::to_string(ref));
    return got;
  }
  SeriesRef TryAdd(SeriesRef ref, int64_t timestamp_ms, double value) override {
    std::shared_lock lock(store_->mu_);
    if (ref == 0 || ref >= store_->by_ref_.size()) return 0;
    pending_.push_back({*store_->by_ref_[ref], timestamp_ms, value});
    return ref;
  }

  Result<CommitReport> Commit() override {
    CommitReport report = std::move(report_);
    report_ = CommitReport();
    std::unique_lock lock(store_->mu_);
    for (Pending& p : pending_) {
      store_->RefOfLocked(p.labels);
      StoredSeries& s = store_->series_.find(p.labels)->second;
      if (!s.samples.empty() && p.t <= s.samples.back().timestamp_ms) {
        const bool same =
            p.t == s.samples.back().timestamp_ms &&
            std::bit_cast<uint64_t>(p.v) == std::bit_cast<uint64_t>(s.samples.back().value);
        if (same) {
          ++report.accepted;
          continue;
        }
        Reject(&report,
               p.t == s.samples.back().timestamp_ms ? RejectReason::kDuplicateTimestamp
                                                    : RejectReason::kOutOfOrder,
               p.labels.ToString() + " @" + std::to_string(p.t));
        continue;
      }
      s.samples.push_back({p.t, p.v});
      ++report.accepted;
    }
    pending_.clear();
    return report;
  }
  void Rollback() override {
    pending_.clear();
    report_ = CommitReport();
  }

 private:
  struct Pending {
    Labels labels;
    int64_t t;
    double v;
  };
  void Reject(RejectReason reason, const std::string& why) { Reject(&report_, reason, why); }
  static void Reject(CommitReport* report, RejectReason reason, const std::string& why) {
    ++report->rejected;
    ++report->rejected_by_reason[static_cast<int>(reason)];
    if (report->first_rejections.size() < 8)
      report->first_rejections.push_back(std::string(RejectReasonName(reason)) + ": " + why);
  }

  MemoryStore* store_;
  std::vector<Pending> pending_;
  CommitReport report_;
};

SeriesRef MemoryStore::RefOfLocked(const Labels& labels) {
  auto [it, created] = series_.try_emplace(labels);
  if (created) {
    it->second.ref = by_ref_.size();
    by_ref_.push_back(&it->first);
  }
  return it->second.ref;
}

std::unique_ptr<Appender> MemoryStore::NewAppender() {
  return std::make_unique<MemoryAppender>(this);
}

Result<std::vector<std::pair<const Labels*, const MemoryStore::StoredSeries*>>>
MemoryStore::MatchLocked(const std::vector<LabelMatcher>& matchers, int64_t mint_ms,
                         int64_t maxt_ms) const {
  TM_ASSIGN_OR_RETURN(std::vector<CompiledMatcher> compiled, CompileMatchers(matchers));
  std::vector<std::pair<const Labels*, const StoredSeries*>> out;
  for (const auto& entry : series_) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const Labels& labels = entry.first;
    const StoredSeries& series = entry.second;
    const bool matches = std::all_of(compiled.begin(), compiled.end(), [&](const auto& m) {
      return m.Matches(labels.Get(m.matcher().name));
    });
    if (!matches) continue;
    auto first = std::lower_bound(series.samples.begin(), series.samples.end(), mint_ms,
                                  [](const Sample& s, int64_t t) { return s.timestamp_ms < t; });
    if (first == series.samples.end() || first->timestamp_ms > maxt_ms) continue;
    out.push_back({&labels, &series});
  }
  return out;
}

Result<std::unique_ptr<SeriesSet>> MemoryStore::Select(const ReadOptions& options,
                                                       const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint_ms, int64_t maxt_ms,
                                                       const SelectHints& hints) {
  TM_RETURN_IF_ERROR(options.Check());
  TM_ASSIGN_OR_RETURN(std::vector<CompiledMatcher> compiled, CompileMatchers(matchers));
  if (std::all_of(compiled.begin(), compiled.end(),
                  [](const CompiledMatcher& m) { return m.MatchesEmpty(); })) {
    return Status::InvalidArgument(
        "a selector needs at least one matcher that does not match the empty string");
  }
  std::shared_lock lock(mu_);
  TM_ASSIGN_OR_RETURN(auto matched, MatchLocked(matchers, mint_ms, maxt_ms));
  std::vector<VectorSeriesSet::Entry> entries;
  for (const auto& [labels, series] : matched) {
    VectorSeriesSet::Entry e{*labels, series->ref, {}};
    if (hints.project_labels) {
      // As the Engine does, so that PromQL's tests on this store cover partial label sets.
      std::vector<Label> kept;
      for (const Label& l : *labels) {
        if (std::binary_search(hints.projection.begin(), hints.projection.end(), l.name)) {
          kept.push_back(l);
        }
      }
      e.labels = Labels(std::move(kept));
    }
    for (const Sample& s : series->samples) {
      if (s.timestamp_ms >= mint_ms && s.timestamp_ms <= maxt_ms) e.samples.push_back(s);
    }
    entries.push_back(std::move(e));
  }
  return std::unique_ptr<SeriesSet>(new VectorSeriesSet(std::move(entries)));
}

Result<std::vector<Labels>> MemoryStore::Series(const ReadOptions& options,
                                                const std::vector<LabelMatcher>& matchers,
                                                int64_t mint_ms, int64_t maxt_ms) {
  TM_RETURN_IF_ERROR(options.Check());
  std::shared_lock lock(mu_);
  TM_ASSIGN_OR_RETURN(auto matched, MatchLocked(matchers, mint_ms, maxt_ms));
  std::vector<Labels> out;
  for (const auto& [labels, series] : matched) {
    if (options.limit != 0 && out.size() == options.limit) break;
    out.push_back(*labels);
  }
  return out;
}

Result<std::vector<std::string>> MemoryStore::LabelNames(const ReadOptions& options,
                                                         const std::vector<LabelMatcher>& matchers,
                                                         int64_t mint_ms, int64_t maxt_ms) {
  TM_RETURN_IF_ERROR(options.Check());
  std::shared_lock lock(mu_);
  TM_ASSIGN_OR_RETURN(auto matched, MatchLocked(matchers, mint_ms, maxt_ms));
  std::set<std::string> names;
  for (const auto& [labels, series] : matched) {
    for (const Label& l : labels->items()) names.insert(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> MemoryStore::LabelValues(const ReadOptions& options,
                                                          std::string_view name,
                                                          const std::vector<LabelMatcher>& matchers,
                                                          int64_t mint_ms, int64_t maxt_ms) {
  TM_RETURN_IF_ERROR(options.Check());
  std::shared_lock lock(mu_);
  TM_ASSIGN_OR_RETURN(auto matched, MatchLocked(matchers, mint_ms, maxt_ms));
  std::set<std::string> values;
  for (const auto& [labels, series] : matched) {
    const std::string_view v = labels->Get(name);
    if (!v.empty()) values.emplace(v);
  }
  return std::vector<std::string>(values.begin(), values.end());
}

}  // namespace tidemark::storage
