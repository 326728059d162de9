#include "storage/series_index.h"

#include <absl/hash/hash.h>

#include <algorithm>

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
  auto series = std::make_shared<MemSeries>(id, hash, std::move(interned));
  by_id_.Insert(id, series);
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
}

namespace {

// Loops over label values and candidates check the read's deadline this often (a check reads
// the clock).
constexpr size_t kStepsBetweenChecks = 4096;

}  // namespace

template <typename Pred>
std::vector<uint64_t> SeriesIndex::UnionPostings(const std::string& name, Pred pred,
                                                 const std::function<bool()>& check) const {
  std::vector<uint64_t> out;
  auto name_it = postings_.find(name);
  if (name_it == postings_.end()) return out;
  std::vector<const std::vector<uint64_t>*> lists;
  size_t steps = 0;
  for (const auto& [value, ids] : name_it->second) {
    if (check && ++steps % kStepsBetweenChecks == 0 && !check()) return {};
    if (pred(value)) lists.push_back(&ids);
  }
  if (lists.size() == 1) return *lists[0];
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// The first element of [first, last) not below `id`, where every element before `first` is
// below it: steps of doubling length from `first`, then a binary search inside the last step.
// Successive candidates are near each other in a long list, so this touches a few neighbouring
// cache lines where a binary search over the whole rest would miss the cache at every probe.
std::vector<uint64_t>::const_iterator GallopTo(std::vector<uint64_t>::const_iterator first,
                                               std::vector<uint64_t>::const_iterator last,
                                               uint64_t id) {
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
void Intersect(const std::vector<uint64_t>& ids, const std::vector<uint64_t>& list,
               std::vector<uint64_t>* out) {
  if (out != &ids) out->resize(ids.size());
  size_t kept = 0;
  if (list.size() > 4 * ids.size()) {
    auto from = list.cbegin();
    for (const uint64_t id : ids) {
      from = GallopTo(from, list.cend(), id);
      if (from == list.cend()) break;
      if (*from == id) (*out)[kept++] = id;
    }
  } else {
    auto it = list.cbegin();
    for (const uint64_t id : ids) {
      while (it != list.cend() && *it < id) ++it;
      if (it == list.cend()) break;
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
  // Matchers that cannot match an absent label narrow the candidates: the intersection of their
  // postings (an equality's list as it is, others' the union over the values they match),
  // smallest first, so the work follows the answer's size rather than the metric name's.
  std::vector<std::vector<uint64_t>> unions;
  unions.reserve(matchers.size());
  std::vector<const std::vector<uint64_t>*> lists;
  for (const CompiledMatcher& m : matchers) {
    if (m.MatchesEmpty()) continue;
    if (m.matcher().type == MatchType::kEqual) {
      auto name_it = postings_.find(m.matcher().name);
      if (name_it == postings_.end()) return {};
      auto value_it = name_it->second.find(m.matcher().value);
      if (value_it == name_it->second.end()) return {};
      lists.push_back(&value_it->second);
    } else {
      unions.push_back(UnionPostings(
          m.matcher().name, [&](std::string_view v) { return m.Matches(v); }, check));
      if (stopped != nullptr && !stopped->ok()) return {};
      lists.push_back(&unions.back());
    }
    if (lists.back()->empty()) return {};
  }
  std::sort(lists.begin(), lists.end(),
            [](const auto* a, const auto* b) { return a->size() < b->size(); });
  std::vector<uint64_t> ids;
  if (lists.empty()) {
    ids.reserve(by_id_.size());
    by_id_.ForEach(
        [&](const std::shared_ptr<MemSeries>& s) { ids.push_back(s->id); });  // ascending
  } else {
    if (lists.size() == 1) {
      ids = *lists[0];
    } else {
      // The smallest list is read, not copied: the first intersection writes the candidates.
      Intersect(*lists[0], *lists[1], &ids);
      for (size_t i = 2; i < lists.size() && !ids.empty(); ++i) Intersect(ids, *lists[i], &ids);
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
        m.matcher().name, [&](std::string_view v) { return !m.Matches(v); }, check);
    if (stopped != nullptr && !stopped->ok()) return {};
    if (!excluded.empty()) ids = Subtract(ids, excluded);
  }
  std::vector<std::shared_ptr<MemSeries>> out;
  out.reserve(ids.size());
  size_t steps = 0;
  for (uint64_t id : ids) {
    if (check && !per_series.empty() && ++steps % kStepsBetweenChecks == 0 && !check()) return {};
    const std::shared_ptr<MemSeries>& s = *by_id_.Find(id);
    bool keep = true;
    for (const CompiledMatcher* m : per_series) {
      if (!m->Matches(LabelValue(*s, m->matcher().name))) {
        keep = false;
        break;
      }
    }
    if (keep) out.push_back(s);
  }
  return out;
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
