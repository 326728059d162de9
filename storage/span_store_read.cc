// The read side of the span store: a trace by id, scans with predicates pushed down to segment
// and row-group statistics, trace facts, and tag discovery. Each reads both the spans not yet
// flushed and the stored segments.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "storage/kv_layout.h"
#include "storage/rocks_status.h"
#include "storage/span_codec.h"
#include "storage/span_match.h"
#include "storage/span_row_group.h"
#include "storage/span_segment_format.h"
#include "storage/span_store.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace tidemark::storage {
namespace {

constexpr size_t kHeaderCacheEntries = 4096;

}  // namespace

Result<std::shared_ptr<const SegmentHeader>> SpanStore::LoadHeader(int32_t partition,
                                                                   uint64_t segment) {
  {
    std::lock_guard lock(header_cache_mu_);
    auto it = header_cache_.find({partition, segment});
    if (it != header_cache_.end()) return it->second;
  }
  std::string value;
  rocksdb::Status rs =
      h_.db->Get(rocksdb::ReadOptions(), h_.segment_cf, SegmentKey(partition, segment), &value);
  if (!rs.ok()) return FromRocks(rs, "span segment " + std::to_string(segment) + " header");
  auto header = std::make_shared<SegmentHeader>();
  if (!DecodeSegmentHeader(value, header.get())) {
    return Status::Corruption("span segment " + std::to_string(segment) + " (partition " +
                              std::to_string(partition) + "): header damaged");
  }
  std::lock_guard lock(header_cache_mu_);
  if (header_cache_.size() >= kHeaderCacheEntries) header_cache_.clear();
  header_cache_[{partition, segment}] = header;
  return std::shared_ptr<const SegmentHeader>(header);
}

Result<std::vector<Span>> SpanStore::GetTrace(std::string_view trace_id, uint64_t start,
                                              uint64_t end) {
  if (trace_id.size() != 16) {
    return Status::InvalidArgument("trace id of " + std::to_string(trace_id.size()) +
                                   " bytes, want 16");
  }
  start = std::max(start, RetentionCutoffNanos());
  std::vector<Span> out;
  ForEachBuffered([&](const Span& s) {
    if (s.trace_id == trace_id && s.start_time_unix_nano >= start && s.start_time_unix_nano <= end)
      out.push_back(s);
  });
  // The index holds a key per (partition, trace, segment).
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(h_.db->NewIterator(ro, h_.index_cf));
  RowGroupReader rg;
  TM_ASSIGN_OR_RETURN(const std::vector<int32_t> partitions, PartitionsFor(start, end));
  for (int32_t p : partitions) {
    std::string prefix = EncodeOrderedInt32(p);
    prefix += trace_id;
    std::vector<uint64_t> segments;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() != prefix.size() + 8) continue;
      segments.push_back(util::DecodeBigEndian64(it->key().data() + prefix.size()));
    }
    TM_RETURN_IF_ERROR(FromRocks(it->status(), "read trace index"));
    for (uint64_t segment : segments) {
      TM_ASSIGN_OR_RETURN(auto header, LoadHeader(p, segment));
      for (uint32_t r = 0; r < header->row_groups.size(); ++r) {
        const RowGroupStats& st = header->row_groups[r];
        if (trace_id < std::string_view(st.first_trace_id) ||
            trace_id > std::string_view(st.last_trace_id))
          continue;
        std::string value;
        rocksdb::Status rs =
            h_.db->Get(rocksdb::ReadOptions(), h_.data_cf, RowGroupKey(p, segment, r), &value);
        if (!rs.ok())
          return FromRocks(
              rs, "span segment " + std::to_string(segment) + " row group " + std::to_string(r));
        const std::string where =
            "span segment " + std::to_string(segment) + " row group " + std::to_string(r);
        TM_RETURN_IF_ERROR(rg.Open(value, where));
        TM_RETURN_IF_ERROR(rg.Load(SpanColumn::kTraceId));
        bool loaded = false;
        for (uint32_t i = 0; i < rg.size(); ++i) {
          if (rg.trace_id(i) != trace_id) continue;
          if (!loaded) {
            TM_RETURN_IF_ERROR(rg.LoadAll());
            loaded = true;
          }
          if (rg.start(i) < start || rg.start(i) > end) continue;
          Span span;
          TM_RETURN_IF_ERROR(rg.ReadSpan(i, &span));
          out.push_back(std::move(span));
        }
      }
    }
  }
  if (out.empty()) return Status::NotFound("trace not found");
  FinishTrace(&out);
  return out;
}

void SpanStore::FinishTrace(std::vector<Span>* spans) const {
  std::stable_sort(spans->begin(), spans->end(), [](const Span& a, const Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano)
      return a.start_time_unix_nano < b.start_time_unix_nano;
    return a.span_id < b.span_id;
  });
  // A span sent twice (a retried export) is returned once.
  spans->erase(std::unique(spans->begin(), spans->end(),
                           [](const Span& a, const Span& b) { return a == b; }),
               spans->end());
  if (spans->size() > options_.limits.max_spans_per_trace)
    spans->resize(options_.limits.max_spans_per_trace);
}

Result<std::vector<std::vector<Span>>> SpanStore::GetTraces(
    const std::vector<std::string>& trace_ids, uint64_t start, uint64_t end) {
  std::unordered_map<std::string_view, size_t> position;
  for (size_t k = 0; k < trace_ids.size(); ++k) {
    if (trace_ids[k].size() != 16) {
      return Status::InvalidArgument("trace id of " + std::to_string(trace_ids[k].size()) +
                                     " bytes, want 16");
    }
    position.emplace(trace_ids[k], k);
  }
  std::vector<std::vector<Span>> out(trace_ids.size());
  start = std::max(start, RetentionCutoffNanos());
  ForEachBuffered([&](const Span& s) {
    if (s.start_time_unix_nano < start || s.start_time_unix_nano > end) return;
    auto it = position.find(s.trace_id);
    if (it != position.end()) out[it->second].push_back(s);
  });
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(h_.db->NewIterator(ro, h_.index_cf));
  RowGroupReader rg;
  TM_ASSIGN_OR_RETURN(const std::vector<int32_t> partitions, PartitionsFor(start, end));
  for (int32_t p : partitions) {
    // Which segments of the partition hold which of the traces (the index has a key per
    // partition, trace and segment).
    std::map<uint64_t, std::vector<std::string_view>> by_segment;
    for (const std::string& id : trace_ids) {
      std::string prefix = EncodeOrderedInt32(p);
      prefix += id;
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        if (it->key().size() != prefix.size() + 8) continue;
        by_segment[util::DecodeBigEndian64(it->key().data() + prefix.size())].push_back(id);
      }
      TM_RETURN_IF_ERROR(FromRocks(it->status(), "read trace index"));
    }
    for (auto& [segment, ids] : by_segment) {
      std::sort(ids.begin(), ids.end());
      TM_ASSIGN_OR_RETURN(auto header, LoadHeader(p, segment));
      for (uint32_t r = 0; r < header->row_groups.size(); ++r) {
        const RowGroupStats& st = header->row_groups[r];
        // Row groups hold trace ids in order: is any of the wanted ones in this one's range?
        auto first = std::lower_bound(ids.begin(), ids.end(), std::string_view(st.first_trace_id));
        if (first == ids.end() || *first > std::string_view(st.last_trace_id)) continue;
        const std::string where =
            "span segment " + std::to_string(segment) + " row group " + std::to_string(r);
        std::string value;
        rocksdb::Status rs =
            h_.db->Get(rocksdb::ReadOptions(), h_.data_cf, RowGroupKey(p, segment, r), &value);
        if (!rs.ok()) return FromRocks(rs, where);
        TM_RETURN_IF_ERROR(rg.Open(value, where));
        TM_RETURN_IF_ERROR(rg.Load(SpanColumn::kTraceId));
        bool loaded = false;
        for (uint32_t i = 0; i < rg.size(); ++i) {
          auto wanted = position.find(rg.trace_id(i));
          if (wanted == position.end()) continue;
          if (!loaded) {
            TM_RETURN_IF_ERROR(rg.LoadAll());
            loaded = true;
          }
          if (rg.start(i) < start || rg.start(i) > end) continue;
          Span span;
          TM_RETURN_IF_ERROR(rg.ReadSpan(i, &span));
          out[wanted->second].push_back(std::move(span));
        }
      }
    }
  }
  for (std::vector<Span>& spans : out) FinishTrace(&spans);
  return out;
}

Result<TraceFacts> SpanStore::Facts(const ReadOptions& options, std::string_view trace_id,
                                    std::vector<std::string>* warnings) {
  TM_RETURN_IF_ERROR(options.Check());
  TraceSummary total;
  bool found = false;
  auto merge = [&](const TraceSummary& s) {
    found = true;
    total.min_start = std::min(total.min_start, s.min_start);
    total.max_end = std::max(total.max_end, s.max_end);
    if (s.has_root && !total.has_root) {
      total.has_root = true;
      total.root_service = s.root_service;
      total.root_name = s.root_name;
    }
  };
  // The index holds a summary per (partition, trace, segment).
  std::unique_ptr<rocksdb::Iterator> index(h_.db->NewIterator(rocksdb::ReadOptions(), h_.index_cf));
  TM_ASSIGN_OR_RETURN(const std::vector<int32_t> partitions, PartitionsFor(0, UINT64_MAX));
  for (int32_t p : partitions) {
    std::string prefix = EncodeOrderedInt32(p);
    prefix += trace_id;
    for (index->Seek(prefix); index->Valid() && index->key().starts_with(prefix); index->Next()) {
      TraceSummary s;
      if (!DecodeSummary(std::string_view(index->value().data(), index->value().size()), &s)) {
        if (warnings != nullptr) {
          warnings->push_back("trace index summary of partition " + std::to_string(p) +
                              " does not decode; the trace's start, duration and root may be "
                              "incomplete");
        }
        continue;
      }
      merge(s);
    }
    if (!index->status().ok() && warnings != nullptr)
      warnings->push_back(FromRocks(index->status(), "read trace index").ToString());
  }
  TraceSummary buffered;
  bool in_buffer = false;
  ForEachBuffered([&](const Span& s) {
    if (s.trace_id != trace_id) return;
    buffered.Add(s);
    in_buffer = true;
  });
  if (in_buffer) merge(buffered);
  TraceFacts facts;
  facts.found = found;
  facts.root_service_name = total.root_service;
  facts.root_span_name = total.root_name;
  facts.start_unix_nano = total.min_start == UINT64_MAX ? 0 : total.min_start;
  facts.end_unix_nano = total.max_end;
  return facts;
}

Result<std::vector<uint32_t>> SpanStore::CountSegments(const ReadOptions& options,
                                                       const std::vector<std::string>& trace_ids,
                                                       uint64_t start, uint64_t end) {
  TM_ASSIGN_OR_RETURN(const std::vector<int32_t> partitions, PartitionsFor(start, end));
  std::vector<uint32_t> out(trace_ids.size(), 0);
  // Counts trace_ids[first, last) into `out`.
  auto count = [&](size_t first, size_t last) -> Status {
    // Each seek stays within its (partition, trace) prefix, so the prefix bloom filters skip the
    // files that lack it.
    rocksdb::ReadOptions ro;
    ro.prefix_same_as_start = true;
    std::unique_ptr<rocksdb::Iterator> index(h_.db->NewIterator(ro, h_.index_cf));
    std::string prefix;
    for (size_t i = first; i < last; ++i) {
      TM_RETURN_IF_ERROR(options.Check());
      for (int32_t p : partitions) {
        prefix = EncodeOrderedInt32(p);
        prefix += trace_ids[i];
        for (index->Seek(prefix); index->Valid() && index->key().starts_with(prefix);
             index->Next()) {
          ++out[i];
        }
        TM_RETURN_IF_ERROR(FromRocks(index->status(), "read trace index"));
      }
    }
    return Status::OK();
  };
  // A seek costs microseconds: thousands of traces are counted on the scan threads.
  constexpr size_t kTracesPerThread = 512;
  const size_t threads =
      std::min(ScanThreads(), (trace_ids.size() + kTracesPerThread - 1) / kTracesPerThread);
  if (threads <= 1) {
    TM_RETURN_IF_ERROR(count(0, trace_ids.size()));
    return out;
  }
  std::vector<Status> status(threads);
  std::vector<std::thread> helpers;
  const size_t per = (trace_ids.size() + threads - 1) / threads;
  for (size_t t = 1; t < threads; ++t) {
    helpers.emplace_back(
        [&, t] { status[t] = count(t * per, std::min(trace_ids.size(), (t + 1) * per)); });
  }
  status[0] = count(0, std::min(trace_ids.size(), per));
  for (std::thread& h : helpers) h.join();
  for (const Status& s : status) TM_RETURN_IF_ERROR(s);
  return out;
}

namespace {

void CollectKeys(const std::vector<KeyValue>& kvs, std::set<std::string>* out) {
  for (const KeyValue& kv : kvs) out->insert(kv.key);
}

}  // namespace

Result<std::vector<std::string>> SpanStore::TagKeys(TagScope scope, uint64_t start, uint64_t end,
                                                    uint32_t limit) {
  return TagValues(scope, std::string_view(), start, end, limit);
}

Result<std::vector<std::string>> SpanStore::TagValues(TagScope scope, std::string_view key,
                                                      uint64_t start, uint64_t end,
                                                      uint32_t limit) {
  // With an empty key this collects keys; otherwise the values of `key`.
  const bool keys = key.empty();
  start = std::max(start, RetentionCutoffNanos());
  std::set<std::string> out;
  const bool span_scope = scope != TagScope::kResource;
  const bool resource_scope = scope != TagScope::kSpan;
  auto collect = [&](const std::vector<KeyValue>& kvs) {
    if (keys) {
      CollectKeys(kvs, &out);
      return;
    }
    for (const KeyValue& kv : kvs) {
      if (kv.key == key) out.insert(kv.value.ToString());
    }
  };
  ForEachBuffered([&](const Span& s) {
    if (s.start_time_unix_nano < start || s.start_time_unix_nano > end) return;
    if (span_scope) collect(s.attributes);
    if (resource_scope) collect(s.Resource().attributes);
  });
  std::unique_ptr<rocksdb::Iterator> it(h_.db->NewIterator(rocksdb::ReadOptions(), h_.segment_cf));
  RowGroupReader rg;
  TM_ASSIGN_OR_RETURN(const std::vector<int32_t> partitions, PartitionsFor(start, end));
  // Bounded work: tag discovery samples at most this many row groups, newest first.
  int budget = 2000;
  for (auto p = partitions.rbegin(); p != partitions.rend() && out.size() < limit && budget > 0;
       ++p) {
    const std::string prefix = EncodeOrderedInt32(*p);
    std::vector<uint64_t> segments;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() == 12) segments.push_back(util::DecodeBigEndian64(it->key().data() + 4));
    }
    for (auto seg = segments.rbegin(); seg != segments.rend() && out.size() < limit && budget > 0;
         ++seg) {
      auto header = LoadHeader(*p, *seg);
      // Damaged data is an error, never skipped in silence (the caller has no warnings to carry).
      TM_RETURN_IF_ERROR(header.status());
      if ((*header)->max_start < start || (*header)->min_start > end) continue;
      for (uint32_t r = 0; r < (*header)->row_groups.size() && out.size() < limit && budget-- > 0;
           ++r) {
        const std::string where =
            "span segment " + std::to_string(*seg) + " row group " + std::to_string(r);
        std::string value;
        TM_RETURN_IF_ERROR(FromRocks(
            h_.db->Get(rocksdb::ReadOptions(), h_.data_cf, RowGroupKey(*p, *seg, r), &value),
            where));
        TM_RETURN_IF_ERROR(rg.Open(value, where));
        if (span_scope) {
          TM_RETURN_IF_ERROR(rg.Load(SpanColumn::kAttrs));
          TM_RETURN_IF_ERROR(rg.Load(SpanColumn::kStart));
          for (uint32_t i = 0; i < rg.size(); ++i) {
            if (rg.start(i) < start || rg.start(i) > end) continue;
            for (uint32_t k = rg.attr_begin(i); k < rg.attr_begin(i + 1); ++k) {
              const AttrRef& a = rg.attrs()[k];
              if (keys) {
                out.emplace(rg.dict(a.key));
              } else if (rg.dict(a.key) == key) {
                AnyValue v;
                TM_RETURN_IF_ERROR(rg.Materialize(a, &v));
                out.insert(v.ToString());
              }
            }
          }
        }
        if (resource_scope) {
          TM_RETURN_IF_ERROR(rg.Load(SpanColumn::kResource));
          for (uint32_t i = 0; i < rg.size(); ++i) collect(rg.resource(i).attributes);
        }
      }
    }
  }
  std::vector<std::string> result(out.begin(), out.end());
  if (result.size() > limit) result.resize(limit);
  return result;
}

}  // namespace tidemark::storage
