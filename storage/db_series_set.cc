#include "storage/db_series_set.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "storage/db_engine.h"
#include "util/thread_pool.h"

namespace tidemark::storage {
namespace {

using SeriesRead = DbEngine::SeriesRead;

class VectorSampleIterator final : public SampleIterator {
 public:
  void Reset(const std::vector<Sample>* samples, Status status, const SampleSummary* summary) {
    samples_ = samples;
    pos_ = -1;
    status_ = std::move(status);
    summary_ = summary;
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
    if (pos_ < static_cast<ptrdiff_t>(samples_->size()) && (*samples_)[pos_].timestamp_ms >= t)
      return true;
    auto it = std::lower_bound(samples_->begin() + pos_, samples_->end(), t,
                               [](const Sample& s, int64_t v) { return s.timestamp_ms < v; });
    pos_ = it - samples_->begin();
    return it != samples_->end();
  }
  Sample At() const override { return (*samples_)[pos_]; }
  const Status& status() const override { return status_; }
  std::span<const Sample> InMemory() const override { return *samples_; }
  const SampleSummary* Summary() const override { return summary_; }

 private:
  const std::vector<Sample>* samples_ = nullptr;
  const SampleSummary* summary_ = nullptr;  // with no samples
  ptrdiff_t pos_ = -1;
  Status status_;
};

// A selection's batches and what the consumer (the set) and the helpers reading ahead share.
// Batches are claimed in order; whoever claims one reads it and marks it ready. Helpers hold the
// state through a shared_ptr, since a helper task may still be queued when the set is gone; the
// set waits for the helpers that started, because they use the engine and the series.
struct ReadState {
  DbEngine* engine = nullptr;
  std::vector<std::shared_ptr<MemSeries>> series;  // keeps the series alive while read
  int64_t mint = 0, maxt = 0;
  bool summarize = false;
  size_t batch_size = 1;
  size_t num_batches = 0;
  // Batches from `consuming` up to (excluding) consuming + window may be read; the window bounds
  // the memory read ahead (a batch read ahead is about 256 KiB).
  size_t window = 1;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<SeriesRead>> batches;  // guarded by mu: batch b's reads once ready[b]
  std::vector<char> ready;                       // guarded by mu
  std::vector<std::vector<SeriesRead>> spare;    // guarded by mu: consumed batches' buffers
  size_t next_claim = 0;                         // guarded by mu: the first unclaimed batch
  size_t consuming = 0;                          // guarded by mu: the batch the set hands out
  size_t helpers = 0;                            // guarded by mu: helper tasks not finished
  size_t reading = 0;                            // guarded by mu: of those, started
  bool stopped = false;                          // guarded by mu: the set is gone

  // The first batch past the window, under mu.
  size_t Limit() const { return std::min(num_batches, consuming + window); }

  // Claims the next batch if the window allows, reads it (without the lock) and publishes it.
  // False when there was nothing to claim.
  bool ReadNext(std::unique_lock<std::mutex>& lock, std::unique_ptr<rocksdb::Iterator>* it) {
    if (stopped || next_claim >= Limit()) return false;
    const size_t b = next_claim++;
    std::vector<SeriesRead> buffer;
    if (!spare.empty()) {
      buffer = std::move(spare.back());
      spare.pop_back();
    }
    lock.unlock();
    const size_t begin = b * batch_size;
    const size_t n = std::min(batch_size, series.size() - begin);
    buffer.resize(n);
    std::vector<SeriesRead*> reads(n);
    for (size_t i = 0; i < n; ++i) {
      SeriesRead& r = buffer[i];
      r.series = series[begin + i].get();
      r.samples.clear();  // keeps its capacity for reuse
      r.status = Status::OK();
      r.summarized = false;
      reads[i] = &r;
    }
    engine->ReadSeriesBatch(reads, mint, maxt, it, summarize);
    lock.lock();
    batches[b] = std::move(buffer);
    ready[b] = 1;
    cv.notify_all();
    return true;
  }
};

void HelpRead(const std::shared_ptr<ReadState>& st) {
  std::unique_ptr<rocksdb::Iterator> it;
  std::unique_lock lock(st->mu);
  ++st->reading;
  while (st->ReadNext(lock, &it)) {
  }
  lock.unlock();
  it.reset();  // before the set may go: the iterator reads the engine's database
  lock.lock();
  --st->reading;
  --st->helpers;
  st->cv.notify_all();
}

class DbSeriesSet final : public SeriesSet {
 public:
  DbSeriesSet(std::shared_ptr<ReadState> state, util::ThreadPool* pool,
              const std::vector<std::string>* projection)
      : st_(std::move(state)), pool_(pool), project_(projection != nullptr) {
    if (project_) projection_ = *projection;
  }

  ~DbSeriesSet() override {
    std::unique_lock lock(st_->mu);
    st_->stopped = true;
    st_->cv.wait(lock, [&] { return st_->reading == 0; });
    // A queued helper may release the state later, on its own thread: nothing of the engine's
    // is left in it.
    st_->series.clear();
    st_->batches.clear();
    st_->spare.clear();
  }

  bool Next() override {
    while (true) {
      if (emit_ >= current_.size()) {
        if (!NextBatch()) return false;
      }
      SeriesRead& r = current_[emit_++];
      if (!r.status.ok()) {
        // The series is returned with its error on the iterator (and on the set); the error
        // names the series so a caller can report it.
        status_ = r.status;
      } else if (r.samples.empty() && !r.summarized) {
        continue;
      }
      labels_ = project_ ? r.series->ToLabels(projection_) : r.series->ToLabels();
      ref_ = r.series->id;
      iterator_.Reset(&r.samples, r.status, r.summarized ? &r.summary : nullptr);
      return true;
    }
  }
  const Labels& labels() const override { return labels_; }
  Labels TakeLabels() override { return std::move(labels_); }
  SeriesRef ref() const override { return ref_; }
  SampleIterator* Samples() override { return &iterator_; }
  const Status& status() const override { return status_; }

 private:
  // Moves to the next batch: ready already, or read here (this batch, or, while a helper still
  // reads it, a later one in the window), or waited for.
  bool NextBatch() {
    ReadState& st = *st_;
    std::unique_lock lock(st.mu);
    if (current_.capacity() > 0) {
      st.spare.push_back(std::move(current_));
      current_ = {};
    }
    const size_t b = next_batch_;
    if (b >= st.num_batches) return false;
    st.consuming = b;
    StartHelpers();
    while (!st.ready[b]) {
      if (!st.ReadNext(lock, &it_)) st.cv.wait(lock, [&] { return st.ready[b] != 0; });
    }
    current_ = std::move(st.batches[b]);
    st.batches[b] = {};
    ++next_batch_;
    emit_ = 0;
    return true;
  }

  // Under the state's lock: a helper for each batch the window lets be read, up to the pool.
  void StartHelpers() {
    ReadState& st = *st_;
    if (pool_ == nullptr) return;
    const size_t limit = st.Limit();
    const size_t claimable = limit > st.next_claim ? limit - st.next_claim : 0;
    const size_t wanted = std::min(pool_->size(), claimable);
    for (; st.helpers < wanted; ++st.helpers) {
      // The pool's queue is unbounded: this cannot fail.
      pool_->TrySubmit([state = st_] { HelpRead(state); });
    }
  }

  std::shared_ptr<ReadState> st_;
  util::ThreadPool* const pool_;
  // The labels handed out: all, or (project_) those named in projection_.
  const bool project_;
  std::vector<std::string> projection_;
  size_t next_batch_ = 0;
  std::vector<SeriesRead> current_;
  size_t emit_ = 0;
  std::unique_ptr<rocksdb::Iterator> it_;
  Labels labels_;
  SeriesRef ref_ = 0;
  VectorSampleIterator iterator_;
  Status status_;
};

}  // namespace

std::unique_ptr<SeriesSet> NewDbSeriesSet(DbEngine* engine,
                                          std::vector<std::shared_ptr<MemSeries>> series,
                                          int64_t mint, int64_t maxt, util::ThreadPool* read_pool,
                                          const std::vector<std::string>* projection,
                                          bool summarize) {
  auto st = std::make_shared<ReadState>();
  st->engine = engine;
  st->mint = mint;
  st->maxt = maxt;
  st->summarize = summarize;
  // A batch aims at about 64 Ki samples (1 MiB, a core's L2 cache), assuming 15 s samples: it
  // is decoded and then consumed, so it should still be in cache when the caller reads it, and
  // its buffers are reused by a later batch rather than allocated and touched for the first
  // time. But a batch re-seeks every partition it spans, so long ranges read at least 64 series
  // at a time (bounded, as before, by 2 million samples): batches of a few series made 7-day
  // reads slower.
  // Read ahead, batches are a quarter of that, so that there are enough of them to share out and
  // the first is ready sooner; the other threads' work hides their extra seeks.
  const double range = static_cast<double>(maxt) - static_cast<double>(mint);
  const double per_series = std::max(1.0, std::min(range, 400.0 * 86'400'000) / 15'000.0);
  const double divisor = read_pool == nullptr ? 1 : 4;
  const double min_series = std::min(64.0 / divisor, 2e6 / per_series);
  st->batch_size = static_cast<size_t>(
      std::clamp(std::max(65'536 / divisor / per_series, min_series), 1.0, 1024.0));
  // A summarized read (rules' windows) decodes a few samples a series but touches each series'
  // record and label array, which the set then reads again as it hands the series out: batches of
  // 64 keep those in cache between the two, where 1,024 evicted them (with the label arrays
  // prefetched, a round of rules took 4-14 % less time in alternated runs, docs/benchmarks.md).
  if (summarize) st->batch_size = std::min<size_t>(st->batch_size, 64);
  st->num_batches = (series.size() + st->batch_size - 1) / st->batch_size;
  st->series = std::move(series);
  st->batches.resize(st->num_batches);
  st->ready.assign(st->num_batches, 0);
  // One batch needs no help. Otherwise up to 4 x (helpers + 2) batches may be read ahead of the
  // one handed out: about 1 MiB per helper plus 2 MiB.
  if (st->num_batches < 2) read_pool = nullptr;
  st->window = read_pool == nullptr ? 1 : 4 * (read_pool->size() + 2);
  return std::make_unique<DbSeriesSet>(std::move(st), read_pool, projection);
}

}  // namespace tidemark::storage
