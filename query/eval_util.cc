// Small helpers of the PromQL evaluator: label keys and strings as Prometheus prints them, the
// labels hash limit_ratio samples by, scalar arithmetic.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "query/eval_internal.h"
#include "util/go_text.h"
#include "util/prom_names.h"

namespace tidemark::promql::eval {

Status TooManySamplesError() {
  return Status::ResourceExhausted(
      "query processing would load too many samples into memory in query execution");
}

Status ChargeQueryMemory(QueryState* q) {
  constexpr int64_t kReserveStep = 16 << 20;
  const int64_t bytes = q->MemoryBytes();
  if (q->max_bytes > 0 && bytes > q->max_bytes) {
    return Status::ResourceExhausted("query would hold more than max_bytes_per_query (" +
                                     std::to_string(q->max_bytes) +
                                     " bytes) of samples and series labels in memory");
  }
  if (q->memory_budget != nullptr && bytes > q->reserved_bytes) {
    const int64_t more = std::max(bytes - q->reserved_bytes, kReserveStep);
    if (!q->memory_budget->TryReserve(static_cast<uint64_t>(more))) {
      return Status::ResourceExhausted(
          "the queries running at once would hold more than max_bytes_all_queries (" +
          std::to_string(q->memory_budget->limit()) + " bytes) in memory; retry later");
    }
    q->reserved_bytes += more;
  }
  int64_t next = q->max_bytes > 0 ? q->max_bytes : INT64_MAX;
  if (q->memory_budget != nullptr) next = std::min(next, q->reserved_bytes);
  q->memory_check_at = next;
  return Status::OK();
}

int64_t LabelsBytes(const Labels& labels) {
  constexpr size_t kInlineChars = 15;  // libstdc++'s small-string buffer
  int64_t bytes = static_cast<int64_t>(sizeof(std::vector<Label>) + labels.size() * sizeof(Label));
  for (const Label& l : labels) {
    if (l.name.size() > kInlineChars) bytes += static_cast<int64_t>(l.name.size() + 1);
    if (l.value.size() > kInlineChars) bytes += static_cast<int64_t>(l.value.size() + 1);
  }
  return bytes;
}

Status DuplicateLabelsetError() {
  return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
}

std::string LabelsKey(const Labels& labels) {
  std::string key;
  for (const Label& l : labels) {
    key.append(l.name);
    key.push_back('\xff');
    key.append(l.value);
    key.push_back('\xff');
  }
  return key;
}

Labels DropMetricName(const Labels& labels) {
  // A set without them (a projection that left them out, say) is returned as it is, not sorted
  // and checked again.
  if (std::none_of(labels.begin(), labels.end(),
                   [](const Label& l) { return IsMetricSchemaLabel(l.name); })) {
    return labels;
  }
  std::vector<Label> kept;
  kept.reserve(labels.size());
  for (const Label& l : labels) {
    if (IsMetricSchemaLabel(l.name)) continue;
    kept.push_back(l);
  }
  return Labels(std::move(kept));
}

bool SameMetricSchemaLabels(const Labels& labels, const std::vector<Label>& schema) {
  size_t i = 0;
  for (const Label& l : labels) {
    if (!IsMetricSchemaLabel(l.name)) continue;
    if (i >= schema.size() || l != schema[i]) return false;
    ++i;
  }
  return i == schema.size();
}

Labels DropMetricName(Labels&& labels) {
  if (std::none_of(labels.begin(), labels.end(),
                   [](const Label& l) { return IsMetricSchemaLabel(l.name); })) {
    return std::move(labels);
  }
  std::vector<Label> kept = std::move(labels).ReleaseItems();
  std::erase_if(kept, [](const Label& l) { return IsMetricSchemaLabel(l.name); });
  return Labels(std::move(kept));
}

namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t Read64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t Read32(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t XxRound(uint64_t acc, uint64_t input) {
  acc += input * kPrime2;
  acc = Rotl(acc, 31);
  return acc * kPrime1;
}
uint64_t XxMerge(uint64_t acc, uint64_t val) {
  acc ^= XxRound(0, val);
  return acc * kPrime1 + kPrime4;
}

}  // namespace

// xxHash64 with seed 0, written from the algorithm's specification.
uint64_t XxHash64(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const auto* end = p + data.size();
  uint64_t h;
  if (data.size() >= 32) {
    uint64_t v1 = kPrime1 + kPrime2, v2 = kPrime2, v3 = 0, v4 = 0 - kPrime1;
    while (end - p >= 32) {
      v1 = XxRound(v1, Read64(p));
      v2 = XxRound(v2, Read64(p + 8));
      v3 = XxRound(v3, Read64(p + 16));
      v4 = XxRound(v4, Read64(p + 24));
      p += 32;
    }
    h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18);
    h = XxMerge(h, v1);
    h = XxMerge(h, v2);
    h = XxMerge(h, v3);
    h = XxMerge(h, v4);
  } else {
    h = kPrime5;
  }
  h += data.size();
  while (end - p >= 8) {
    h ^= XxRound(0, Read64(p));
    h = Rotl(h, 27) * kPrime1 + kPrime4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= Read32(p) * kPrime1;
    h = Rotl(h, 23) * kPrime2 + kPrime3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p) * kPrime5;
    h = Rotl(h, 11) * kPrime1;
    ++p;
  }
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

uint64_t PromLabelsHash(const Labels& labels) { return XxHash64(LabelsKey(labels)); }

std::string PromLabelsString(const std::vector<Label>& labels) {
  std::string out = "{";
  bool first = true;
  for (const Label& l : labels) {
    if (!first) out.append(", ");
    first = false;
    if (util::IsLegacyLabelName(l.name)) {
      out.append(l.name);
    } else {
      util::AppendGoQuote(&out, l.name);
    }
    out.push_back('=');
    util::AppendGoQuote(&out, l.value);
  }
  out.push_back('}');
  return out;
}

double ScalarBinop(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kAdd:
      return lhs + rhs;
    case BinaryOp::kSub:
      return lhs - rhs;
    case BinaryOp::kMul:
      return lhs * rhs;
    case BinaryOp::kDiv:
      return lhs / rhs;
    case BinaryOp::kPow:
      return std::pow(lhs, rhs);
    case BinaryOp::kMod:
      return std::fmod(lhs, rhs);
    case BinaryOp::kEql:
      return lhs == rhs ? 1 : 0;
    case BinaryOp::kNeq:
      return lhs != rhs ? 1 : 0;
    case BinaryOp::kGtr:
      return lhs > rhs ? 1 : 0;
    case BinaryOp::kLss:
      return lhs < rhs ? 1 : 0;
    case BinaryOp::kGte:
      return lhs >= rhs ? 1 : 0;
    case BinaryOp::kLte:
      return lhs <= rhs ? 1 : 0;
    case BinaryOp::kAtan2:
      return std::atan2(lhs, rhs);
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kUnless:
      break;
  }
  return std::nan("");
}

Result<Matrix> MergeSeriesWithSameLabelset(Matrix mat) {
  if (mat.size() <= 1) return mat;
  absl::flat_hash_map<std::string, size_t> index;
  index.reserve(mat.size());
  bool duplicates = false;
  for (size_t i = 0; i < mat.size(); ++i) {
    if (!index.emplace(LabelsKey(mat[i].metric), i).second) {
      duplicates = true;
      break;
    }
  }
  if (!duplicates) return mat;
  index.clear();
  Matrix merged;
  merged.reserve(mat.size());
  std::vector<bool> needs_sort;
  for (Series& s : mat) {
    auto [it, inserted] = index.emplace(LabelsKey(s.metric), merged.size());
    if (inserted) {
      merged.push_back(std::move(s));
      needs_sort.push_back(false);
      continue;
    }
    Series& base = merged[it->second];
    base.floats.insert(base.floats.end(), s.floats.begin(), s.floats.end());
    needs_sort[it->second] = true;
  }
  for (size_t i = 0; i < merged.size(); ++i) {
    if (!needs_sort[i]) continue;
    auto& fl = merged[i].floats;
    std::stable_sort(fl.begin(), fl.end(),
                     [](const FPoint& a, const FPoint& b) { return a.t < b.t; });
    for (size_t j = 1; j < fl.size(); ++j) {
      if (fl[j].t == fl[j - 1].t) return DuplicateLabelsetError();
    }
  }
  return merged;
}

bool VectorHasDuplicateLabelsets(const Vector& vector) {
  if (vector.size() <= 1) return false;
  absl::flat_hash_set<std::string> seen;
  seen.reserve(vector.size());
  for (const VectorSample& s : vector) {
    if (!seen.insert(LabelsKey(s.metric)).second) return true;
  }
  return false;
}

const Expr& UnwrapParens(const Expr& expr) {
  const Expr* e = &expr;
  while (e->kind == ExprKind::kParen) e = static_cast<const ParenExpr*>(e)->expr.get();
  return *e;
}

}  // namespace tidemark::promql::eval
