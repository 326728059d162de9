// SampleQuerier: the read side of sample storage, the seam the query layers stand on (in the
// spirit of Prometheus' storage.Querier). The PromQL engine runs on this interface only, so it
// runs the same on tidemark::Engine, on the in-memory store its tests use, or on an embedder's
// own storage.
//
// Thread safety: an implementation may be called from any number of threads at once. A SeriesSet
// or SampleIterator is used by one thread at a time.
#ifndef TIDEMARK_QUERIER_H_
#define TIDEMARK_QUERIER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/matcher.h"
#include "tidemark/status.h"

namespace tidemark {

// Identifies a series inside one store for the lifetime of the process; 0 means "none".
using SeriesRef = uint64_t;

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

// The bit pattern Prometheus uses to mark the end of a series; stored bit-exactly.
inline constexpr uint64_t kStaleMarkerBits = 0x7ff0000000000002ULL;
bool IsStaleMarker(double value);
double StaleMarker();

// A window's samples in brief, which a store may give instead of the samples themselves when the
// caller allows it (SelectHints::window_summary).
struct SampleSummary {
  Sample first;        // the oldest sample in range
  Sample last;         // the newest
  uint64_t count = 0;  // samples in range, first and last among them (at least 1)
};

// Pull iterator over the samples of one series, in increasing time order.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; false once exhausted or on error (see status()).
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t (never moves backwards); false if none.
  virtual bool Seek(int64_t t) = 0;
  // The current sample; valid after Next or Seek returned true.
  virtual Sample At() const = 0;
  // OK, or why iteration stopped early (Corruption names the series and time range).
  virtual const Status& status() const = 0;
  // All the samples Next would visit from the start, when the iterator holds them in memory in
  // order (a store that decodes a series whole does); empty otherwise. A reader that walks many
  // samples reads them here rather than through a virtual call or two per sample. Reading them
  // does not move the iterator; status() applies as after iterating. Valid while the iterator is.
  virtual std::span<const Sample> InMemory() const { return {}; }
  // Non-null: the store answered with a summary of the samples in range, as only a selection
  // with SelectHints::window_summary allows. None of them is a stale marker or below the sample
  // before it. The iterator then yields no samples. Valid while the iterator is.
  virtual const SampleSummary* Summary() const { return nullptr; }
};

// Pull iterator over the series that matched a Select, in label order (unless the hints allowed
// any order).
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  virtual const Labels& labels() const = 0;
  // The current series' labels, moved out where the set can (labels() is then empty until the
  // next Next()): a caller that keeps every series' labels saves a copy of each.
  virtual Labels TakeLabels() { return labels(); }
  virtual SeriesRef ref() const = 0;
  // The samples of the current series inside the selected range. The iterator is owned by the
  // SeriesSet and reused: it is valid until the next call to Next().
  virtual SampleIterator* Samples() = 0;
  virtual const Status& status() const = 0;
};

// Per-call options of a read (as LevelDB's ReadOptions).
struct ReadOptions {
  // The read fails with DeadlineExceeded once this has passed when the read starts; iterating a
  // SeriesSet is the caller's to bound (the PromQL engine checks between steps). Default: none.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Raised by another thread to stop the read with Cancelled (e.g. the client went away). The
  // flag must outlive the call. Default: none.
  const std::atomic<bool>* cancelled = nullptr;
  // Series returned at most (0: no limit); Series() cuts its answer there.
  size_t limit = 0;

  // DeadlineExceeded or Cancelled when the read must stop; OK otherwise.
  Status Check() const {
    if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed))
      return Status::Cancelled("read cancelled");
    if (deadline != std::chrono::steady_clock::time_point::max() &&
        std::chrono::steady_clock::now() > deadline) {
      return Status::DeadlineExceeded("read deadline exceeded");
    }
    return Status::OK();
  }
};

// What the caller will do with the selected samples (Prometheus' SelectHints). A store may use
// them to read less; it must return correct data whatever they say.
struct SelectHints {
  int64_t start_ms = 0;   // the evaluation's first timestamp
  int64_t end_ms = 0;     // ... and its last
  int64_t step_ms = 0;    // 0 for an instant evaluation
  int64_t range_ms = 0;   // the range of a range selector; 0 for an instant vector
  std::string_view func;  // the function applied to the selection ("rate"), or ""
  // false: the caller does not need the series in label order (Prometheus' Select with
  // sortSeries=false: rule evaluation, whose results are sets), so a store may save the sort.
  bool sorted = true;
  // false: read the series on the calling thread only. true: a store may read a large
  // selection ahead on helper threads, so that a query someone waits for uses more than one
  // core. Rule evaluation says false: it runs beside ingestion at a lower priority, which
  // helpers shared by all queries would not keep.
  bool read_ahead = true;
  // Set: the caller uses only the labels named in `projection` (sorted, no duplicates), as an
  // aggregation `by` them does (Prometheus' SelectHints Grouping and By). A store may then
  // return label sets holding just those of the names a series has, so that distinct series may
  // carry equal label sets; it may also return every label. Unset: every label.
  bool project_labels = false;
  std::vector<std::string> projection;
  // Set: the caller reads one window per series and needs only its first and last samples and
  // their count whenever no sample is a stale marker or below its predecessor (rate, increase
  // and delta at one timestamp: rules, instant queries). A store may then answer a series whose
  // samples it knows to be such with SampleIterator::Summary() rather than decode them all.
  bool window_summary = false;
};

class SampleQuerier {
 public:
  virtual ~SampleQuerier() = default;

  // Series matching every matcher with at least one sample in [mint_ms, maxt_ms] (inclusive),
  // and their samples in that range. At least one matcher must not match the empty string.
  virtual Result<std::unique_ptr<SeriesSet>> Select(const ReadOptions& options,
                                                    const std::vector<LabelMatcher>& matchers,
                                                    int64_t mint_ms, int64_t maxt_ms,
                                                    const SelectHints& hints) = 0;
  // Label sets of the series matching `matchers` (all series if empty) with data in range, in
  // label order, at most options.limit; no samples are read.
  virtual Result<std::vector<Labels>> Series(const ReadOptions& options,
                                             const std::vector<LabelMatcher>& matchers,
                                             int64_t mint_ms, int64_t maxt_ms) = 0;
  // Sorted label names of the series matching `matchers` (all series if empty) with data in range.
  virtual Result<std::vector<std::string>> LabelNames(const ReadOptions& options,
                                                      const std::vector<LabelMatcher>& matchers,
                                                      int64_t mint_ms, int64_t maxt_ms) = 0;
  // Sorted values of label `name` over the same selection.
  virtual Result<std::vector<std::string>> LabelValues(const ReadOptions& options,
                                                       std::string_view name,
                                                       const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint_ms, int64_t maxt_ms) = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_QUERIER_H_
