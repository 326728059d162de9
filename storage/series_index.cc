#include "storage/series_index.h"

#include <absl/hash/hash.h>

#include <algorithm>
#include <span>

#include "storage/kv_layout.h"

namespace tidemark::storage {

Labels MemSeries::ToLabels() const {
  std::vector<Label> out;
  out.reserve(labels.size());
  for (const InternedLabel* l : labels) out.push_back({l->name, l->value});
  return Labels(std::move(out));
}

Labels MemSeries::ToLabels(const std::vector<std::string>& names) const {
  std::vector<Label> out;
  out.reserve(std::min(names.size(), labels.size()));
  // Both lists are sorted by name: one merge walk. Names nearly always differ in their first
  // byte, which decides without a call to memcmp (bytes compare unsigned, as std::string does).
  auto compare = [](const std::string& a, const std::string& b) {
    if (!a.empty() && !b.empty() && a[0] != b[0]) {
      return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]) ? -1 : 1;
    }
    return a.compare(b);
  };
  auto want = names.begin();
  for (const InternedLabel* l : labels) {
    int c = -1;
    while (want != names.end() && (c = compare(*want, l->name)) < 0) ++want;
    if (want == names.end()) break;
    if (c == 0) out.push_back({l->name, l->value});
  }
  return Labels(std::move(out));
}

bool MemSeries::LabelsEqual(const Labels& other) const {
  if (other.size() != labels.size()) return false;
  size_t i = 0;
  for (const Label& l : other) {
    if (labels[i]->name != l.name || labels[i]->value != l.value) return false;
    ++i;
  }
  return true;
}

uint64_t HashLabels(const Labels& labels) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  absl::Hash<std::string_view> hasher;
  for (const Label& l : labels) {
    h = (h ^ hasher(l.name)) * 0x100000001b3ULL;
    h = (h ^ hasher(l.value)) * 0x100000001b3ULL;
  }
  return h;
}

const InternedLabel* SeriesIndex::Intern(const Label& label) {
  auto it = symbols_.find(std::pair<std::string_view, std::string_view>(label.name, label.value));
  if (it != symbols_.end()) return &*it;
  symbol_bytes_ += sizeof(InternedLabel) + label.name.size() + label.value.size() + 32;
  return &*symbols_.insert(InternedLabel{label.name, label.value}).first;
}

std::shared_ptr<MemSeries> SeriesIndex::FindLocked(const Labels& labels, uint64_t hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return nullptr;
  for (MemSeries* s = it->second; s != nullptr; s = s->hash_next) {
    if (s->LabelsEqual(labels)) return *by_id_.Find(s->id);
  }
  return nullptr;
}

std::shared_ptr<MemSeries> SeriesIndex::Find(const Labels& labels, uint64_t hash) const {
  std::shared_lock lock(mu_);
  return FindLocked(labels, hash);
}

std::shared_ptr<MemSeries> SeriesIndex::FindById(uint64_t id) const {
  std::shared_lock lock(mu_);
  const auto* s = by_id_.Find(id);
  return s ? *s : nullptr;
}

std::shared_ptr<MemSeries> SeriesIndex::InsertLocked(uint64_t id, uint64_t hash,
                                                     const Labels& labels) {
  std::vector<const InternedLabel*> interned;
  interned.reserve(labels.size());
  for (const Label& l : labels) interned.push_back(Intern(l));
  auto series = std::make_shared<MemSeries>(id, hash, MetricGroup(labels.Get(kMetricNameLabel)),
                                            std::move(interned));
  by_id_.Insert(id, series);
  // Remembered selections extend over ids above the largest they looked at.
  if (id <= max_id_) ++epoch_;
  max_id_ = std::max(max_id_, id);
  MemSeries*& head = by_hash_[hash];
  series->hash_next = head;
  head = series.get();
  for (const InternedLabel* l : series->labels) {
    std::vector<uint64_t>& ids = postings_[l->name][l->value];
    if (ids.empty() || ids.back() < id) {
      ids.push_back(id);
    } else {
      ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
    }
  }
  return series;
}

std::shared_ptr<MemSeries> SeriesIndex::Insert(uint64_t id, const Labels& labels) {
  const uint64_t hash = HashLabels(labels);
  std::unique_lock lock(mu_);
  if (auto s = FindLocked(labels, hash)) return s;
  return InsertLocked(id, hash, labels);
}

void SeriesIndex::Remove(uint64_t id) {
  std::unique_lock lock(mu_);
  const auto* found = by_id_.Find(id);
  if (found == nullptr) return;
  MemSeries* s = found->get();
  auto hit = by_hash_.find(s->hash);
  if (hit != by_hash_.end()) {
    MemSeries** link = &hit->second;
    while (*link != nullptr && *link != s) link = &(*link)->hash_next;
    if (*link == s) *link = s->hash_next;
    if (hit->second == nullptr) by_hash_.erase(hit);
  }
  for (const InternedLabel* l : s->labels) {
    auto name_it = postings_.find(l->name);
    if (name_it == postings_.end()) continue;
    auto value_it = name_it->second.find(l->value);
    if (value_it == name_it->second.end()) continue;
    auto& ids = value_it->second;
    auto pos = std::lower_bound(ids.begin(), ids.end(), id);
    if (pos != ids.end() && *pos == id) ids.erase(pos);
    if (ids.empty()) name_it->second.erase(value_it);
    if (name_it->second.empty()) postings_.erase(name_it);
  }
  by_id_.Erase(id);
  ++epoch_;
}

namespace {

// Loops over label values and candidates check the read's deadline this often (a check reads
// the clock).
constexpr size_t kStepsBetweenChecks = 4096;

}  // namespace

namespace {

using IdSpan = std::span<const uint64_t>;

// The ids of `ids` (ascending) from `min_id` on.
IdSpan From(const std::vector<uint64_t>& ids, uint64_t min_id) {
  if (min_id == 0) return ids;
  return IdSpan(std::lower_bound(ids.begin(), ids.end(), min_id), ids.end());
}

}  // namespace

template <typename Pred>
std::vector<uint64_t> SeriesIndex::UnionPostings(const std::string& name, Pred pred,
                                                 uint64_t min_id,
                                                 const std::function<bool()>& check) const {
  std::vector<uint64_t> out;
  auto name_it = postings_.find(name);
  if (name_it == postings_.end()) return out;
  std::vector<IdSpan> lists;
  size_t steps = 0;
  for (const auto& [value, ids] : name_it->second) {
    if (check && ++steps % kStepsBetweenChecks == 0 && !check()) return {};
    if (pred(value)) lists.push_back(From(ids, min_id));
  }
  if (lists.size() == 1) return std::vector<uint64_t>(lists[0].begin(), lists[0].end());
  for (const IdSpan l : lists) out.insert(out.end(), l.begin(), l.end());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// The first element of [first, last) not below `id`, where every element before `first` is
// below it: steps of doubling length from `first`, then a binary search inside the last step.
// Successive candidates are near each other in a long list, so this touches a few neighbouring
// cache lines where a binary search over the whole rest would miss the cache at every probe.
IdSpan::iterator GallopTo(IdSpan::iterator first, IdSpan::iterator last, uint64_t id) {
  ptrdiff_t step = 1;
  while (last - first > step && first[step] < id) {
    first += step + 1;
    step *= 2;
  }
  return std::lower_bound(first, last - first > step ? first + step + 1 : last, id);
}

// Writes the ids of `ids` (ascending) that are also in `list` (ascending) to `out`, which may be
// `ids` itself. A list much longer than the candidates (a metric name's postings against one
// team's) is galloped through, not walked.
// `ids` may be `*out` itself (then it is read as it is written, never ahead of it).
void Intersect(IdSpan ids, IdSpan list, std::vector<uint64_t>* out) {
  if (ids.data() != out->data()) out->resize(ids.size());
  size_t kept = 0;
  if (list.size() > 4 * ids.size()) {
    auto from = list.begin();
    for (const uint64_t id : ids) {
      from = GallopTo(from, list.end(), id);
      if (from == list.end()) break;
      if (*from == id) (*out)[kept++] = id;
    }
  } else {
    auto it = list.begin();
    for (const uint64_t id : ids) {
      while (it != list.end() && *it < id) ++it;
      if (it == list.end()) break;
      if (*it == id) (*out)[kept++] = id;
    }
  }
  out->resize(kept);
}

std::vector<uint64_t> Subtract(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The value of label `name` in `s`, or "" if absent.
std::string_view LabelValue(const MemSeries& s, std::string_view name) {
  for (const InternedLabel* l : s.labels) {
    if (l->name == name) return l->value;
  }
  return {};
}

}  // namespace

std::vector<uint64_t> SeriesIndex::SelectIdsLocked(const std::vector<CompiledMatcher>& matchers,
                                                   uint64_t min_id,
                                                   const std::function<bool()>& check,
                                                   Status* stopped) const {
  // Matchers that cannot match an absent label narrow the candidates: the intersection of their
  // postings (an equality's list as it is, others' the union over the values they match),
  // smallest first, so the work follows the answer's size rather than the metric name's.
  std::vector<std::vector<uint64_t>> unions;
  unions.reserve(matchers.size());
  std::vector<IdSpan> lists;
  for (const CompiledMatcher& m : matchers) {
    if (m.MatchesEmpty()) continue;
    if (m.matcher().type == MatchType::kEqual) {
      auto name_it = postings_.find(m.matcher().name);
      if (name_it == postings_.end()) return {};
      auto value_it = name_it->second.find(m.matcher().value);
      if (value_it == name_it->second.end()) return {};
      lists.push_back(From(value_it->second, min_id));
    } else {
      unions.push_back(UnionPostings(
          m.matcher().name, [&](std::string_view v) { return m.Matches(v); }, min_id, check));
      if (stopped != nullptr && !stopped->ok()) return {};
      lists.push_back(unions.back());
    }
    if (lists.back().empty()) return {};
  }
  std::sort(lists.begin(), lists.end(), [](IdSpan a, IdSpan b) { return a.size() < b.size(); });
  std::vector<uint64_t> ids;
  if (lists.empty()) {
    ids.reserve(by_id_.size());
    by_id_.ForEach([&](const std::shared_ptr<MemSeries>& s) {
      if (s->id >= min_id) ids.push_back(s->id);  // ascending
    });
  } else {
    if (lists.size() == 1) {
      ids.assign(lists[0].begin(), lists[0].end());
    } else {
      // The smallest list is read, not copied: the first intersection writes the candidates.
      Intersect(lists[0], lists[1], &ids);
      for (size_t i = 2; i < lists.size() && !ids.empty(); ++i) Intersect(ids, lists[i], &ids);
    }
  }
  // Matchers that match the empty string remove series whose value is present and not matched:
  // `!=` checks each candidate's own value (cheaper than the postings of the value it excludes
  // once other matchers have narrowed the candidates); others subtract the postings of the values
  // they do not match.
  std::vector<const CompiledMatcher*> per_series;
  for (const CompiledMatcher& m : matchers) {
    if (!m.MatchesEmpty()) continue;
    if (m.matcher().type == MatchType::kNotEqual && !lists.empty()) {
      per_series.push_back(&m);
      continue;
    }
    std::vector<uint64_t> excluded = UnionPostings(
        m.matcher().name, [&](std::string_view v) { return !m.Matches(v); }, min_id, check);
    if (stopped != nullptr && !stopped->ok()) return {};
    if (!excluded.empty()) ids = Subtract(ids, excluded);
  }
  if (per_series.empty()) return ids;
  size_t kept = 0;
  size_t steps = 0;
  for (const uint64_t id : ids) {
    if (check && ++steps % kStepsBetweenChecks == 0 && !check()) return {};
    const MemSeries& s = **by_id_.Find(id);
    bool keep = true;
    for (const CompiledMatcher* m : per_series) {
      if (!m->Matches(LabelValue(s, m->matcher().name))) {
        keep = false;
        break;
      }
    }
    if (keep) ids[kept++] = id;
  }
  ids.resize(kept);
  return ids;
}

namespace {

// A matcher set's key in the selection cache: its matchers in order (the same selector in a rule
// or a dashboard lists them the same way every time).
std::string SelectionKey(const std::vector<CompiledMatcher>& matchers) {
  std::string key;
  for (const CompiledMatcher& m : matchers) {
    key += static_cast<char>(m.matcher().type);
    key += m.matcher().name;
    key += '\0';
    key += m.matcher().value;
    key += '\0';
  }
  return key;
}

size_t EntryBytes(const std::string& key, const std::vector<uint64_t>& ids) {
  return key.size() + ids.capacity() * sizeof(uint64_t) + 96;
}

}  // namespace

std::vector<std::shared_ptr<MemSeries>> SeriesIndex::Select(
    const std::vector<CompiledMatcher>& matchers, const ReadOptions* options,
    Status* stopped) const {
  // A regex over millions of label values, or a filter over millions of candidates, must end
  // at the read's deadline (and lets writers creating series at the lock sooner).
  std::function<bool()> check;
  if (options != nullptr && stopped != nullptr) {
    check = [options, stopped] {
      *stopped = options->Check();
      return stopped->ok();
    };
  }
  std::shared_lock lock(mu_);
  std::vector<uint64_t> ids;
  const bool cached = selection_cache_limit_ > 0 && !matchers.empty();
  std::string key;
  bool hit = false;
  uint64_t through = 0;
  if (cached) {
    key = SelectionKey(matchers);
    std::lock_guard cache_lock(cache_mu_);
    auto it = selection_cache_.find(key);
    if (it != selection_cache_.end() && it->second.epoch == epoch_) {
      hit = true;
      ids = it->second.ids;
      through = it->second.through_id;
    }
    ++(hit ? selection_cache_counts_.hits : selection_cache_counts_.misses);
  }
  if (!hit || through < max_id_) {
    std::vector<uint64_t> found = SelectIdsLocked(matchers, hit ? through + 1 : 0, check, stopped);
    if (stopped != nullptr && !stopped->ok()) return {};
    ids.insert(ids.end(), found.begin(), found.end());
    if (cached) {
      std::lock_guard cache_lock(cache_mu_);
      auto it = selection_cache_.find(key);
      if (it != selection_cache_.end()) {
        selection_cache_bytes_ -= EntryBytes(it->first, it->second.ids);
        selection_cache_.erase(it);
      }
      const size_t bytes = EntryBytes(key, ids);
      if (selection_cache_bytes_ + bytes > selection_cache_limit_) {
        selection_cache_.clear();  // full: start afresh (rarely used entries go with the rest)
        selection_cache_bytes_ = 0;
      }
      if (bytes <= selection_cache_limit_) {
        selection_cache_bytes_ += bytes;
        selection_cache_.emplace(std::move(key), CachedSelection{ids, max_id_, epoch_});
      }
    }
  }
  std::vector<std::shared_ptr<MemSeries>> out;
  out.reserve(ids.size());
  for (const uint64_t id : ids) {
    if (const auto* s = by_id_.Find(id)) out.push_back(*s);
  }
  return out;
}

SeriesIndex::SelectionCacheStats SeriesIndex::selection_cache_stats() const {
  std::lock_guard cache_lock(cache_mu_);
  SelectionCacheStats stats = selection_cache_counts_;
  stats.bytes = selection_cache_bytes_;
  return stats;
}

std::vector<std::shared_ptr<MemSeries>> SeriesIndex::All() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<MemSeries>> out;
  out.reserve(by_id_.size());
  by_id_.ForEach([&](const std::shared_ptr<MemSeries>& s) { out.push_back(s); });
  return out;
}

size_t SeriesIndex::size() const {
  std::shared_lock lock(mu_);
  return by_id_.size();
}

size_t SeriesIndex::MemoryBytes() const {
  std::shared_lock lock(mu_);
  size_t bytes = symbol_bytes_ + by_id_.MemoryBytes() + by_hash_.capacity() * 24;
  for (const auto& [name, values] : postings_) {
    bytes += values.capacity() * 56;
    for (const auto& [value, ids] : values) bytes += ids.capacity() * sizeof(uint64_t);
  }
  by_id_.ForEach([&](const std::shared_ptr<MemSeries>& s) {
    bytes += sizeof(MemSeries) + 16 + s->labels.capacity() * sizeof(const InternedLabel*);
  });
  return bytes;
}

}  // namespace tidemark::storage
