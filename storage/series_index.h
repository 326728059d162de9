// SeriesIndex: the in-memory series index. Maps label sets to series, series ids to series, and
// label pairs to sorted postings lists of series ids for matcher evaluation. Label names and
// values are interned once.
//
// Thread safety: all methods are thread-safe (one reader-writer lock).
#ifndef TIDEMARK_STORAGE_SERIES_INDEX_H_
#define TIDEMARK_STORAGE_SERIES_INDEX_H_

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_set.h>
#include <absl/hash/hash.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "storage/matcher_eval.h"
#include "storage/mem_series.h"
#include "storage/series_table.h"
#include "tidemark/labels.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"

namespace tidemark::storage {

uint64_t HashLabels(const Labels& labels);

// Hashing and equality of interned pairs, with lookups by (name, value) views.
struct LabelPairHash {
  using is_transparent = void;
  size_t operator()(const InternedLabel& l) const {
    return (*this)(std::pair<std::string_view, std::string_view>(l.name, l.value));
  }
  size_t operator()(std::pair<std::string_view, std::string_view> p) const {
    return absl::HashOf(p.first, p.second);
  }
};
struct LabelPairEq {
  using is_transparent = void;
  static std::pair<std::string_view, std::string_view> View(const InternedLabel& l) {
    return {l.name, l.value};
  }
  static std::pair<std::string_view, std::string_view> View(
      std::pair<std::string_view, std::string_view> p) {
    return p;
  }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return View(a) == View(b);
  }
};

class SeriesIndex {
 public:
  // Selections are remembered by matcher set, up to `selection_cache_bytes` (0: none); see
  // Select.
  explicit SeriesIndex(size_t selection_cache_bytes = 0)
      : selection_cache_limit_(selection_cache_bytes) {}

  // The series with these labels, or null.
  std::shared_ptr<MemSeries> Find(const Labels& labels, uint64_t hash) const;
  std::shared_ptr<MemSeries> FindById(uint64_t id) const;

  // Returns the series with these labels, creating it with `new_id()` as its id if absent and
  // fewer than `max_series` (0 = unlimited) exist; null if the limit stops it.
  template <typename NewId>
  std::shared_ptr<MemSeries> GetOrCreate(const Labels& labels, uint64_t hash, uint64_t max_series,
                                         NewId new_id, bool* created);

  // Adds a series with a known id (load and replay). Returns the existing one if present.
  std::shared_ptr<MemSeries> Insert(uint64_t id, const Labels& labels);
  void Remove(uint64_t id);

  // Series matching all matchers, ordered by id. An empty matcher list selects every series.
  // With `options`, the loops over label values and candidates check its deadline and
  // cancellation every few thousand steps; when they end it, `*stopped` says why and nothing is
  // returned.
  //
  // The ids a matcher set selects are remembered (VictoriaMetrics' tag filters cache): a rule
  // evaluates the same selectors every interval over the same series, and intersecting postings
  // was a tenth of its work. A later Select of the same set intersects only the postings of
  // series created since (ids only grow); removing a series, or inserting one below the largest
  // id (replay), forgets every selection. When the remembered ids would pass
  // `selection_cache_bytes`, all are forgotten.
  std::vector<std::shared_ptr<MemSeries>> Select(const std::vector<CompiledMatcher>& matchers,
                                                 const ReadOptions* options = nullptr,
                                                 Status* stopped = nullptr) const;
  struct SelectionCacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t bytes = 0;
  };
  SelectionCacheStats selection_cache_stats() const;
  std::vector<std::shared_ptr<MemSeries>> All() const;

  size_t size() const;
  size_t MemoryBytes() const;

 private:
  std::shared_ptr<MemSeries> FindLocked(const Labels& labels, uint64_t hash) const;
  std::shared_ptr<MemSeries> InsertLocked(uint64_t id, uint64_t hash, const Labels& labels);
  const InternedLabel* Intern(const Label& label);
  // Ids of series having label `name` with a value for which `pred(value)` holds, sorted.
  // `check` (may be null) is called every few thousand values; false ends the union early.
  template <typename Pred>
  std::vector<uint64_t> UnionPostings(const std::string& name, Pred pred, uint64_t min_id,
                                      const std::function<bool()>& check) const;
  // The ids of series matching `matchers` with id >= min_id, ascending; under mu_.
  std::vector<uint64_t> SelectIdsLocked(const std::vector<CompiledMatcher>& matchers,
                                        uint64_t min_id, const std::function<bool()>& check,
                                        Status* stopped) const;

  struct CachedSelection {
    std::vector<uint64_t> ids;
    uint64_t through_id = 0;  // ids up to this one were looked at
    uint64_t epoch = 0;       // epoch_ when they were
  };
  const size_t selection_cache_limit_;
  mutable std::mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, CachedSelection> selection_cache_;  // cache_mu_
  mutable size_t selection_cache_bytes_ = 0;                                   // cache_mu_
  mutable SelectionCacheStats selection_cache_counts_;                         // cache_mu_
  uint64_t max_id_ = 0;  // guarded by mu_: the largest id inserted
  uint64_t epoch_ = 0;   // guarded by mu_: raised when remembered selections may be wrong

  mutable std::shared_mutex mu_;
  absl::node_hash_set<InternedLabel, LabelPairHash, LabelPairEq> symbols_;  // guarded by mu_
  SeriesTable by_id_;                                                       // guarded by mu_
  absl::flat_hash_map<uint64_t, MemSeries*> by_hash_;                       // guarded by mu_
  // name -> value -> ids ascending; guarded by mu_.
  absl::flat_hash_map<std::string_view,
                      absl::flat_hash_map<std::string_view, std::vector<uint64_t>>>
      postings_;
  size_t symbol_bytes_ = 0;  // guarded by mu_
};

template <typename NewId>
std::shared_ptr<MemSeries> SeriesIndex::GetOrCreate(const Labels& labels, uint64_t hash,
                                                    uint64_t max_series, NewId new_id,
                                                    bool* created) {
  *created = false;
  {
    std::shared_lock lock(mu_);
    if (auto s = FindLocked(labels, hash)) return s;
  }
  std::unique_lock lock(mu_);
  if (auto s = FindLocked(labels, hash)) return s;
  if (max_series != 0 && by_id_.size() >= max_series) return nullptr;
  *created = true;
  return InsertLocked(new_id(), hash, labels);
}

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SERIES_INDEX_H_
