// SpanStore::Scan: spans matching pushed-down conditions, newest data first. Segments and row
// groups are skipped by their statistics; the row groups left are decoded and filtered on up to
// Options::span_scan_threads threads, while the calling thread hands their matches to the visitor
// one row group at a time, in storage order, so the visitor needs no locking and sees the same
// spans in the same order whatever the thread count.
//
// Threads work ahead of the visitor by at most a window of row groups: a visitor that stops early
// wastes at most that much decoding, and the memory held is bounded by it.
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/kv_layout.h"
#include "storage/rocks_status.h"
#include "storage/span_match.h"
#include "storage/span_row_group.h"
#include "storage/span_segment_format.h"
#include "storage/span_store.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "util/thread_pool.h"

namespace tidemark::storage {
namespace {

// Row groups decoded ahead of the visitor per scanning thread.
constexpr size_t kWindowPerThread = 4;
// The first row groups of a scan are read in the calling thread alone; the other threads join
// after them (see Run).
constexpr size_t kSerialRowGroups = 16;

bool IsNumberType(AnyValue::Type t) {
  return t == AnyValue::Type::kInt || t == AnyValue::Type::kDouble;
}

// ScannedSpan::ReadSpan for spans of the buffer (a copy) and of a row group (decoded in full on
// the first call for the row group).
class BufferedSpanSource final : public SpanMaterializer {
 public:
  const Span* span = nullptr;
  Status Read(uint32_t, Span* out) const override {
    *out = *span;
    return Status::OK();
  }
};

class RowGroupSpanSource final : public SpanMaterializer {
 public:
  explicit RowGroupSpanSource(RowGroupReader* rg) : rg_(rg) {}
  Status Read(uint32_t row, Span* out) const override {
    TM_RETURN_IF_ERROR(rg_->LoadAll());
    return rg_->ReadSpan(row, out);
  }

 private:
  RowGroupReader* rg_;
};

// A row group the statistics did not rule out.
struct RowGroupTask {
  int32_t partition = 0;
  uint64_t segment = 0;
  uint32_t row_group = 0;
  bool inside = false;  // every span of the row group starts in the scanned range
};

// What scanning one row group found: the rows that match, each with its position among the
// row group's spans in the time range (so the spans-inspected bound can cut the row group exactly
// where a one-by-one scan would have stopped).
struct RowGroupMatches {
  rocksdb::PinnableSlice value;  // the reader decodes columns from it on demand
  RowGroupReader rg;
  RowGroupSpanSource source{&rg};
  Status status;
  uint32_t in_range = 0;
  bool filled_cache = true;  // read with ReadOptions::fill_cache
  std::vector<uint32_t> rows;
  std::vector<uint32_t> ordinals;
  std::vector<uint64_t> alternatives;  // per row, with SpanScan::any_of
};

// A conjunction of compiled conditions, cheapest first.
using CostOrdered = std::vector<const CompiledCondition*>;

CostOrdered ByCost(const std::vector<CompiledCondition>& conditions) {
  CostOrdered out;
  for (const CompiledCondition& c : conditions) out.push_back(&c);
  std::stable_sort(
      out.begin(), out.end(),
      [](const CompiledCondition* a, const CompiledCondition* b) { return a->Cost() < b->Cost(); });
  return out;
}

// What a conjunction lets the scan skip: segments without a service or span name it requires
// equal, row groups whose spans are all shorter than a duration it requires.
struct Pruning {
  std::vector<std::pair<Intrinsic, std::string>> equal_sets;
  uint64_t min_duration = 0;

  explicit Pruning(const std::vector<CompiledCondition>& conditions) {
    for (const CompiledCondition& c : conditions) {
      const SpanCondition& sc = c.condition();
      if (sc.op == ConditionOp::kEq && sc.value.type == AnyValue::Type::kString &&
          (c.intrinsic() == Intrinsic::kServiceName || c.intrinsic() == Intrinsic::kName)) {
        equal_sets.emplace_back(c.intrinsic(), sc.value.string_value);
      }
      if (c.intrinsic() == Intrinsic::kDuration &&
          (sc.op == ConditionOp::kGt || sc.op == ConditionOp::kGe) && IsNumberType(sc.value.type)) {
        const double v = sc.value.type == AnyValue::Type::kInt
                             ? static_cast<double>(sc.value.int_value)
                             : sc.value.double_value;
        if (v > 0) min_duration = std::max(min_duration, static_cast<uint64_t>(v));
      }
    }
  }
  bool SkipsSegment(const SegmentHeader& h) const {
    for (const auto& [which, value] : equal_sets) {
      const auto& set = which == Intrinsic::kServiceName ? h.services : h.names;
      if (set.find(value) == set.end()) return true;
    }
    return false;
  }
  bool SkipsRowGroup(const RowGroupStats& st) const { return st.max_duration < min_duration; }
};

// Everything a scan asks of a span besides its time range: `conditions`, then at least one of
// the alternatives (when there are any).
struct CompiledScan {
  std::vector<CompiledCondition> conditions;
  std::vector<std::vector<CompiledCondition>> alternatives;
  CostOrdered conditions_by_cost;
  std::vector<CostOrdered> alternatives_by_cost;
  std::function<bool(std::string_view)> trace_filter;
  uint64_t runs_holding = 0;

  static Result<std::unique_ptr<CompiledScan>> Compile(const SpanScan& scan) {
    if (scan.any_of.size() > kMaxScanAlternatives) {
      return Status::InvalidArgument("a span scan takes at most " +
                                     std::to_string(kMaxScanAlternatives) + " alternatives, not " +
                                     std::to_string(scan.any_of.size()));
    }
    if (scan.runs_holding != 0 &&
        (scan.any_of.empty() ||
         (scan.any_of.size() < 64 && (scan.runs_holding >> scan.any_of.size()) != 0))) {
      return Status::InvalidArgument(
          "a span scan's runs_holding names alternatives it does not have");
    }
    auto out = std::make_unique<CompiledScan>();
    TM_ASSIGN_OR_RETURN(out->conditions, CompileConditions(scan.conditions));
    for (const std::vector<SpanCondition>& alternative : scan.any_of) {
      TM_ASSIGN_OR_RETURN(std::vector<CompiledCondition> compiled, CompileConditions(alternative));
      out->alternatives.push_back(std::move(compiled));
    }
    out->conditions_by_cost = ByCost(out->conditions);
    for (const auto& alternative : out->alternatives)
      out->alternatives_by_cost.push_back(ByCost(alternative));
    out->trace_filter = scan.trace_filter;
    out->runs_holding = scan.runs_holding;
    return out;
  }

  // Which alternatives a buffered span satisfies (bit j for alternative j); 1 without any.
  uint64_t MatchBuffered(const Span& s) const {
    if (!MatchesSpan(conditions, s)) return 0;
    if (alternatives.empty()) return 1;
    uint64_t mask = 0;
    for (size_t j = 0; j < alternatives.size(); ++j) {
      if (MatchesSpan(alternatives[j], s)) mask |= uint64_t{1} << j;
    }
    return mask;
  }
};

// A segment or row group is skipped when `skips` holds for `conditions`' pruning, or for every
// alternative's.
template <typename Skips>
bool RuledOut(const Pruning& always, const std::vector<Pruning>& each, Skips skips) {
  if (skips(always)) return true;
  return !each.empty() && std::all_of(each.begin(), each.end(), skips);
}

class RowGroupFilter {
 public:
  RowGroupFilter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data_cf, const CompiledScan& scan,
                 uint64_t start, uint64_t end, bool with_structure, bool ids_only,
                 bool without_start, uint64_t cache_fill_budget)
      : cache_fill_budget_(cache_fill_budget),
        db_(db),
        data_cf_(data_cf),
        scan_(scan),
        start_(start),
        end_(end),
        with_structure_(with_structure),
        ids_only_(ids_only),
        without_start_(without_start) {}

  // Thread-safe: reads only the database and the compiled scan.
  void Run(const RowGroupTask& task, RowGroupMatches* out) const {
    out->rows.clear();
    out->ordinals.clear();
    out->alternatives.clear();
    out->in_range = 0;
    const std::string where = "span segment " + std::to_string(task.segment) + " row group " +
                              std::to_string(task.row_group);
    rocksdb::PinnableSlice& value = out->value;
    value.Reset();
    // Scan resistance: once a scan has read its share of the block cache, it reads the rest
    // without filling it, so one search over a long range does not push out what every other
    // search and trace lookup keeps reading (as databases read large sequential scans).
    rocksdb::ReadOptions read_options;
    read_options.fill_cache = bytes_read_.load(std::memory_order_relaxed) < cache_fill_budget_;
    out->filled_cache = read_options.fill_cache;
    rocksdb::Status rs = db_->Get(
        read_options, data_cf_, RowGroupKey(task.partition, task.segment, task.row_group), &value);
    if (rs.ok()) bytes_read_.fetch_add(value.size(), std::memory_order_relaxed);
    RowGroupReader& rg = out->rg;
    Status s = rs.ok() ? rg.Open(std::string_view(value.data(), value.size()), where)
                       : FromRocks(rs, where);
    if (s.ok() && task.inside) {
      // Every span is in range: the start column is read only if a span matches and the visitor
      // wants its start (below).
      for (uint32_t i = 0; i < rg.size(); ++i) {
        out->rows.push_back(i);
        out->ordinals.push_back(out->in_range++);
      }
    } else if (s.ok()) {
      s = rg.Load(SpanColumn::kStart);
    }
    for (uint32_t i = 0; s.ok() && rg.loaded(SpanColumn::kStart) && i < rg.size(); ++i) {
      if (rg.start(i) >= start_ && rg.start(i) <= end_) {
        out->rows.push_back(i);
        out->ordinals.push_back(out->in_range++);
      }
    }
    // Keeps the rows for which `keep` holds, in order.
    auto retain = [&](auto keep) {
      size_t w = 0;
      for (size_t k = 0; k < out->rows.size(); ++k) {
        if (keep(out->rows[k])) {
          out->rows[w] = out->rows[k];
          out->ordinals[w] = out->ordinals[k];
          ++w;
        }
      }
      out->rows.resize(w);
      out->ordinals.resize(w);
    };
    if (scan_.trace_filter && !out->rows.empty() && s.ok()) {
      s = rg.Load(SpanColumn::kTraceId);
      // Spans are sorted by trace id: the filter is asked once per run of a trace's spans.
      std::string_view last_id;
      bool last_answer = false;
      if (s.ok()) {
        retain([&](uint32_t i) {
          const std::string_view id = rg.trace_id(i);
          if (id != last_id) {
            last_id = id;
            last_answer = scan_.trace_filter(id);
          }
          return last_answer;
        });
      }
    }
    for (const CompiledCondition* c : scan_.conditions_by_cost) {
      if (out->rows.empty() || !s.ok()) break;
      retain([&](uint32_t i) { return MatchesRow(*c, rg, i, &s); });
    }
    if (!scan_.alternatives_by_cost.empty() && !out->rows.empty() && s.ok()) {
      // Each row against every alternative; rows that satisfy none are dropped. With
      // runs_holding, the alternatives it names go first, and the others are asked only of the
      // rows of the runs they keep.
      std::vector<uint64_t>& masks = out->alternatives;
      masks.assign(out->rows.size(), 0);
      auto evaluate = [&](bool gate) {
        for (size_t j = 0; j < scan_.alternatives_by_cost.size() && s.ok(); ++j) {
          if (((scan_.runs_holding >> j) & 1) != static_cast<uint64_t>(gate)) continue;
          for (size_t k = 0; k < out->rows.size(); ++k) {
            bool all = true;
            for (const CompiledCondition* c : scan_.alternatives_by_cost[j]) {
              if (!MatchesRow(*c, rg, out->rows[k], &s)) {
                all = false;
                break;
              }
            }
            if (all) masks[k] |= uint64_t{1} << j;
          }
        }
      };
      if (scan_.runs_holding != 0) {
        evaluate(true);
        if (s.ok()) s = KeepRunsHolding(out);
      }
      evaluate(false);
      size_t w = 0;
      for (size_t k = 0; k < out->rows.size(); ++k) {
        if (masks[k] == 0) continue;
        out->rows[w] = out->rows[k];
        out->ordinals[w] = out->ordinals[k];
        masks[w] = masks[k];
        ++w;
      }
      out->rows.resize(w);
      out->ordinals.resize(w);
      masks.resize(w);
    }
    // The columns ScannedSpan carries, as the scan asked for them.
    auto load = [&](SpanColumn col, bool wanted) {
      if (wanted && !out->rows.empty() && s.ok()) s = rg.Load(col);
    };
    load(SpanColumn::kTraceId, true);
    load(SpanColumn::kStart, !without_start_);
    load(SpanColumn::kSpanId, !ids_only_ || with_structure_);
    load(SpanColumn::kDuration, !ids_only_);
    load(SpanColumn::kName, !ids_only_);
    load(SpanColumn::kService, !ids_only_);
    load(SpanColumn::kKind, with_structure_);
    load(SpanColumn::kParent, with_structure_);
    out->status = s;
  }

 private:
  // SpanScan::runs_holding: drops the runs of a trace's rows (adjacent, as spans are sorted by
  // trace id) in which no row satisfies an alternative of the mask, but for the row group's
  // first and last runs.
  Status KeepRunsHolding(RowGroupMatches* out) const {
    RowGroupReader& rg = out->rg;
    TM_RETURN_IF_ERROR(rg.Load(SpanColumn::kTraceId));
    const std::string_view first = rg.trace_id(0), last = rg.trace_id(rg.size() - 1);
    std::vector<uint32_t>& rows = out->rows;
    std::vector<uint64_t>& masks = out->alternatives;
    size_t w = 0;
    for (size_t a = 0; a < rows.size();) {
      const std::string_view id = rg.trace_id(rows[a]);
      bool keep = id == first || id == last;
      size_t b = a;
      for (; b < rows.size() && rg.trace_id(rows[b]) == id; ++b) {
        keep = keep || (masks[b] & scan_.runs_holding) != 0;
      }
      for (size_t k = a; keep && k < b; ++k, ++w) {
        rows[w] = rows[k];
        out->ordinals[w] = out->ordinals[k];
        masks[w] = masks[k];
      }
      a = b;
    }
    rows.resize(w);
    out->ordinals.resize(w);
    masks.resize(w);
    return Status::OK();
  }

  const uint64_t cache_fill_budget_;
  mutable std::atomic<uint64_t> bytes_read_{0};  // of row groups, by every thread of the scan
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* data_cf_;
  const CompiledScan& scan_;
  uint64_t start_, end_;
  bool with_structure_;
  bool ids_only_;
  bool without_start_;
};

// Runs RowGroupFilter over `tasks` on helper threads and the calling thread, and hands the results
// to `consume` in task order from the calling thread. `consume` returns false to stop.
class OrderedRowGroupScan {
 public:
  OrderedRowGroupScan(const RowGroupFilter& filter, const std::vector<RowGroupTask>& tasks,
                      size_t threads)
      : filter_(filter), tasks_(tasks), window_(std::max<size_t>(1, threads) * kWindowPerThread) {
    slots_.resize(std::min(window_, tasks_.size()));
    for (Slot& slot : slots_) slot.matches = std::make_unique<RowGroupMatches>();
    helpers_wanted_ = threads > 1 && tasks_.size() > kSerialRowGroups ? threads - 1 : 0;
  }
  ~OrderedRowGroupScan() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : helpers_) t.join();
  }

  template <typename Consume>
  void Run(Consume consume) {
    for (size_t k = 0; k < tasks_.size(); ++k) {
      Slot& slot = slots_[k % slots_.size()];
      {
        std::unique_lock lock(mu_);
        while (slot.ready_task != k) {
          // Rather than wait for a helper, take the next row group of the window: this thread
          // works as much as the helpers do.
          if (next_claim_ < tasks_.size() && next_claim_ < consumed_ + window_) {
            const size_t j = next_claim_++;
            lock.unlock();
            filter_.Run(tasks_[j], slots_[j % slots_.size()].matches.get());
            lock.lock();
            slots_[j % slots_.size()].ready_task = j;
          } else {
            done_cv_.wait(lock);
          }
        }
      }
      const bool go_on = consume(tasks_[k], *slot.matches);
      // Threads join only once the scan has gone on for a while: a search that stops within its
      // first row groups (most do, at their limit) neither starts them nor decodes ahead.
      if (go_on && k + 1 == kSerialRowGroups) {
        for (size_t t = 0; t < helpers_wanted_; ++t)
          helpers_.emplace_back([this] { HelperLoop(); });
      }
      {
        std::lock_guard lock(mu_);
        consumed_ = k + 1;
        if (!go_on) stopping_ = true;
      }
      work_cv_.notify_all();
      if (!go_on) return;
    }
  }

 private:
  struct Slot {
    std::unique_ptr<RowGroupMatches> matches;
    size_t ready_task = SIZE_MAX;  // the task whose results it holds; guarded by mu_
  };

  void HelperLoop() {
    std::unique_lock lock(mu_);
    while (true) {
      work_cv_.wait(lock, [&] {
        return stopping_ || (next_claim_ < tasks_.size() && next_claim_ < consumed_ + window_);
      });
      if (stopping_) return;
      const size_t k = next_claim_++;
      Slot& slot = slots_[k % slots_.size()];
      lock.unlock();
      filter_.Run(tasks_[k], slot.matches.get());
      lock.lock();
      slot.ready_task = k;
      done_cv_.notify_all();
    }
  }

  const RowGroupFilter& filter_;
  const std::vector<RowGroupTask>& tasks_;
  const size_t window_;
  size_t helpers_wanted_ = 0;
  std::vector<Slot> slots_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // a slot was freed, or stop
  std::condition_variable done_cv_;  // a helper finished a task
  size_t next_claim_ = 0;            // guarded by mu_
  size_t consumed_ = 0;              // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  std::vector<std::thread> helpers_;
};

}  // namespace

size_t SpanStore::ScanThreads() const {
  return util::ThreadsFromOption(options_.span_scan_threads);
}

Result<SpanScanStats> SpanStore::Scan(const ReadOptions& options, const SpanScan& scan,
                                      const std::function<bool(const ScannedSpan&)>& visit) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<CompiledScan> compiled, CompiledScan::Compile(scan));
  const uint64_t start = std::max(scan.start_unix_nano, RetentionCutoffNanos());
  const uint64_t end = scan.end_unix_nano;
  SpanScanStats stats;
  if (start > end) return stats;
  TM_RETURN_IF_ERROR(options.Check());
  bool stop = false;
  // Spans the bound still allows (the scan stops exactly there).
  auto budget = [&]() -> uint64_t {
    return scan.max_spans_inspected == 0 ? UINT64_MAX
                                         : scan.max_spans_inspected - stats.spans_inspected;
  };

  // Newest data first: the buffer, then segments from the newest partition down.
  BufferedSpanSource buffered;
  ForEachBuffered([&](const Span& s) {
    if (stop || s.start_time_unix_nano < start || s.start_time_unix_nano > end) return;
    if (budget() == 0) {
      stats.stopped_at_limit = true;
      stop = true;
      return;
    }
    ++stats.spans_inspected;
    if (compiled->trace_filter && !compiled->trace_filter(s.trace_id)) return;
    const uint64_t alternatives = compiled->MatchBuffered(s);
    if (alternatives == 0) return;
    buffered.span = &s;
    ScannedSpan scanned;
    scanned.trace_id = s.trace_id;
    if (!scan.without_start) scanned.start_unix_nano = s.start_time_unix_nano;
    if (!scan.ids_only || scan.with_structure) scanned.span_id = s.span_id;
    if (!scan.ids_only) {
      scanned.name = s.name;
      scanned.service_name = s.ServiceName();
      scanned.duration_nano = s.end_time_unix_nano - s.start_time_unix_nano;
    }
    if (scan.with_structure) {
      scanned.kind = s.kind;
      scanned.parent_span_id = s.parent_span_id;
    }
    if (!scan.any_of.empty()) scanned.alternatives = alternatives;
    scanned.source = &buffered;
    if (!visit(scanned)) stop = true;
  });
  if (stop) return stats;

  // Equality conditions on service and span name let whole segments be skipped, lower bounds on
  // the duration row groups.
  const Pruning always(compiled->conditions);
  std::vector<Pruning> each;
  for (const auto& alternative : compiled->alternatives) each.emplace_back(alternative);

  // The row groups to read, in the order a visitor sees them.
  std::vector<RowGroupTask> tasks;
  std::unique_ptr<rocksdb::Iterator> it(h_.db->NewIterator(rocksdb::ReadOptions(), h_.segment_cf));
  TM_ASSIGN_OR_RETURN(const std::vector<int32_t> partitions, PartitionsFor(start, end));
  for (auto p = partitions.rbegin(); p != partitions.rend(); ++p) {
    TM_RETURN_IF_ERROR(options.Check());
    const std::string prefix = EncodeOrderedInt32(*p);
    std::vector<uint64_t> segments;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() == 12) segments.push_back(util::DecodeBigEndian64(it->key().data() + 4));
    }
    TM_RETURN_IF_ERROR(FromRocks(it->status(), "list span segments"));
    for (auto seg = segments.rbegin(); seg != segments.rend(); ++seg) {
      auto header = LoadHeader(*p, *seg);
      if (!header.ok()) {
        stats.warnings.push_back(header.status().ToString());
        continue;
      }
      const SegmentHeader& h = **header;
      if (h.max_start < start || h.min_start > end ||
          RuledOut(always, each, [&](const Pruning& p) { return p.SkipsSegment(h); })) {
        ++stats.segments_skipped;
        continue;
      }
      for (uint32_t r = static_cast<uint32_t>(h.row_groups.size()); r-- > 0;) {
        const RowGroupStats& st = h.row_groups[r];
        if (st.max_start < start || st.min_start > end ||
            RuledOut(always, each, [&](const Pruning& p) { return p.SkipsRowGroup(st); })) {
          ++stats.row_groups_skipped;
          continue;
        }
        tasks.push_back({*p, *seg, r, st.min_start >= start && st.max_start <= end});
      }
    }
  }
  if (tasks.empty()) return stats;

  // Row groups evaluate the cheapest conditions first, over a shrinking list of candidates.
  // A scan fills at most half the block cache.
  const RowGroupFilter filter(h_.db, h_.data_cf, *compiled, start, end, scan.with_structure,
                              scan.ids_only, scan.without_start, options_.block_cache_bytes / 2);
  OrderedRowGroupScan row_groups(filter, tasks, ScanThreads());
  Status cancelled;
  row_groups.Run([&](const RowGroupTask&, RowGroupMatches& m) {
    cancelled = options.Check();
    if (!cancelled.ok()) return false;
    ++stats.row_groups_read;
    if (!m.filled_cache) ++stats.row_groups_read_uncached;
    if (!m.status.ok()) {
      stats.warnings.push_back(m.status.ToString());
      return true;
    }
    // The bound cuts the row group where a span-by-span scan would have stopped.
    const uint64_t allowed = budget();
    size_t usable = m.rows.size();
    if (m.in_range > allowed) {
      usable = std::lower_bound(m.ordinals.begin(), m.ordinals.end(), allowed) - m.ordinals.begin();
      stats.spans_inspected += allowed;
      stats.stopped_at_limit = true;
    } else {
      stats.spans_inspected += m.in_range;
    }
    const RowGroupReader& rg = m.rg;
    for (size_t k = 0; k < usable; ++k) {
      const uint32_t i = m.rows[k];
      ScannedSpan scanned;
      scanned.trace_id = rg.trace_id(i);
      if (!scan.without_start) scanned.start_unix_nano = rg.start(i);
      if (!scan.ids_only || scan.with_structure) scanned.span_id = rg.span_id(i);
      if (!scan.ids_only) {
        scanned.name = rg.name(i);
        scanned.service_name = rg.service_name(i);
        scanned.duration_nano = rg.duration(i);
      }
      if (scan.with_structure) {
        scanned.kind = rg.kind(i);
        scanned.parent_span_id = rg.parent(i);
      }
      if (!m.alternatives.empty()) scanned.alternatives = m.alternatives[k];
      scanned.source = &m.source;
      scanned.row = i;
      if (!visit(scanned)) return false;
    }
    return !stats.stopped_at_limit;
  });
  TM_RETURN_IF_ERROR(cancelled);
  return stats;
}

}  // namespace tidemark::storage
