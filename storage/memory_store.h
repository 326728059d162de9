// MemoryStore: samples in memory behind the SampleQuerier interface, with an Appender that
// validates like the engine's (per series in time order; an equal timestamp with the same value
// is ignored, with another value rejected). The PromQL tests that need no persistence run on it,
// and it shows an embedder what implementing the interface for their own storage takes.
//
// Thread safety: thread-safe; an Appender is used by one thread at a time.
#ifndef TIDEMARK_STORAGE_MEMORY_STORE_H_
#define TIDEMARK_STORAGE_MEMORY_STORE_H_

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "tidemark/engine.h"
#include "tidemark/querier.h"

namespace tidemark::storage {

class MemoryStore final : public SampleQuerier {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // Samples become visible at Commit. The store must outlive its appenders.
  std::unique_ptr<Appender> NewAppender();

  Result<std::unique_ptr<SeriesSet>> Select(const ReadOptions& options,
                                            const std::vector<LabelMatcher>& matchers,
                                            int64_t mint_ms, int64_t maxt_ms,
                                            const SelectHints& hints) override;
  Result<std::vector<Labels>> Series(const ReadOptions& options,
                                     const std::vector<LabelMatcher>& matchers, int64_t mint_ms,
                                     int64_t maxt_ms) override;
  Result<std::vector<std::string>> LabelNames(const ReadOptions& options,
                                              const std::vector<LabelMatcher>& matchers,
                                              int64_t mint_ms, int64_t maxt_ms) override;
  Result<std::vector<std::string>> LabelValues(const ReadOptions& options, std::string_view name,
                                               const std::vector<LabelMatcher>& matchers,
                                               int64_t mint_ms, int64_t maxt_ms) override;

 private:
  class MemoryAppender;
  struct StoredSeries {
    SeriesRef ref = 0;
    std::vector<Sample> samples;  // by time
  };
  // The series matching every matcher (all when `matchers` is empty) with a sample in range,
  // in label order. Caller holds mu_.
  Result<std::vector<std::pair<const Labels*, const StoredSeries*>>> MatchLocked(
      const std::vector<LabelMatcher>& matchers, int64_t mint_ms, int64_t maxt_ms) const;

  // The ref of `labels`, creating the series (with no samples) if new. Caller holds mu_.
  SeriesRef RefOfLocked(const Labels& labels);

  mutable std::shared_mutex mu_;
  std::map<Labels, StoredSeries> series_;          // guarded by mu_
  std::vector<const Labels*> by_ref_ = {nullptr};  // guarded by mu_: ref -> labels
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_MEMORY_STORE_H_
