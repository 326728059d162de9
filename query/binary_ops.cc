// Binary operators: scalar/scalar, vector/scalar, vector/vector with on/ignoring and
// group_left/group_right, comparison filtering and `bool`, and/or/unless (Prometheus'
// VectorBinop, VectorscalarBinop, VectorAnd/Or/Unless).
#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "query/eval_internal.h"
#include "util/status_macros.h"

namespace tidemark::promql::eval {

namespace {

// Arithmetic changes what a metric means, so its name goes.
bool ChangesMetricSchema(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kPow:
    case BinaryOp::kMod:
    case BinaryOp::kAtan2:
      return true;
    default:
      return false;
  }
}

struct ElemResult {
  double value;
  bool keep;
};

// One element pair: arithmetic gives its value; a comparison keeps the left value if it holds.
ElemResult ElemBinop(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kEql:
      return {lhs, lhs == rhs};
    case BinaryOp::kNeq:
      return {lhs, lhs != rhs};
    case BinaryOp::kGtr:
      return {lhs, lhs > rhs};
    case BinaryOp::kLss:
      return {lhs, lhs < rhs};
    case BinaryOp::kGte:
      return {lhs, lhs >= rhs};
    case BinaryOp::kLte:
      return {lhs, lhs <= rhs};
    default:
      return {ScalarBinop(op, lhs, rhs), true};
  }
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The labels a match group is identified by (Prometheus' Labels.MatchLabels).
Labels MatchLabels(const Labels& metric, bool on, const std::vector<std::string>& names) {
  std::vector<Label> kept;
  for (const Label& l : metric) {
    const bool listed = Contains(names, l.name);
    if (on ? listed : (!listed && l.name != kMetricNameLabel)) kept.push_back(l);
  }
  return Labels(std::move(kept));
}

// The result's labels: the "many" side's (all of them for group_x, the matching ones for
// one-to-one `on`, all but the ignored ones otherwise), plus the included labels from the
// "one" side.
Labels ResultMetric(const Labels& lhs, const Labels& rhs, BinaryOp op,
                    const VectorMatching& matching) {
  std::vector<Label> b;
  b.reserve(lhs.size() + matching.include.size());
  const bool drop_name = ChangesMetricSchema(op);
  for (const Label& l : lhs) {
    if (drop_name && IsMetricSchemaLabel(l.name)) continue;
    if (matching.card == MatchCardinality::kOneToOne) {
      const bool listed = Contains(matching.labels, l.name);
      if (matching.on != listed) continue;
    }
    if (Contains(matching.include, l.name)) continue;
    b.push_back(l);
  }
  for (const std::string& name : matching.include) {
    const std::string_view v = rhs.Get(name);
    if (!v.empty()) b.push_back(Label{name, std::string(v)});
  }
  return Labels(std::move(b));
}

}  // namespace

Status Evaluator::VectorBinop(BinaryOp op, const Vector& lhs_in, const Vector& rhs_in,
                              const VectorMatching& matching, bool return_bool,
                              const std::vector<int>& lhs_sigs_in,
                              const std::vector<int>& rhs_sigs_in, Vector* out) const {
  if (matching.card == MatchCardinality::kManyToMany) {
    return Status::Internal("many-to-many only allowed for set operators");
  }
  const bool fills = matching.fill_lhs.has_value() || matching.fill_rhs.has_value();
  if ((lhs_in.empty() && rhs_in.empty()) || ((lhs_in.empty() || rhs_in.empty()) && !fills)) {
    return Status::OK();
  }
  // The code below matches many (left) to one (right); one-to-many swaps the sides. Like
  // Prometheus, the fill values are not swapped with them: after the swap, fill_rhs stands in for
  // a missing "one" side sample and fill_lhs for a missing "many" side one.
  const bool swapped = matching.card == MatchCardinality::kOneToMany;
  const Vector& lhs = swapped ? rhs_in : lhs_in;
  const Vector& rhs = swapped ? lhs_in : rhs_in;
  const std::vector<int>& lhs_sigs = swapped ? rhs_sigs_in : lhs_sigs_in;
  const std::vector<int>& rhs_sigs = swapped ? lhs_sigs_in : rhs_sigs_in;

  absl::flat_hash_map<int, size_t> right_by_sig;
  right_by_sig.reserve(rhs.size());
  for (size_t i = 0; i < rhs.size(); ++i) {
    auto [it, inserted] = right_by_sig.emplace(rhs_sigs[i], i);
    if (!inserted) {
      const VectorSample& dup = rhs[it->second];
      return Status::InvalidArgument(
          "found duplicate series for the match group " +
          PromLabelsString(MatchLabels(rhs[i].metric, matching.on, matching.labels)) + " on the " +
          (swapped ? "left" : "right") + " hand-side of the operation: [" +
          PromLabelsString(rhs[i].metric) + ", " + PromLabelsString(dup.metric) +
          "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }

  absl::flat_hash_map<int, absl::flat_hash_set<std::string>> matched;
  // One (left, right) pair of the match group `sig`, in swapped sidedness.
  auto binop = [&](const Labels& l_metric, double fl, const Labels& r_metric, double fr, int64_t t,
                   int sig) -> Status {
    if (swapped) std::swap(fl, fr);
    ElemResult r = ElemBinop(op, fl, fr);
    if (return_bool) r.value = r.keep ? 1 : 0;
    Labels metric = ResultMetric(l_metric, r_metric, op, matching);
    if (!q_->delayed_name_removal && return_bool) metric = DropMetricName(metric);
    auto [group, first] = matched.try_emplace(sig);
    if (matching.card == MatchCardinality::kOneToOne) {
      if (!first) {
        return Status::InvalidArgument(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
      }
    } else if (!group->second.insert(LabelsKey(metric)).second) {
      return Status::InvalidArgument(
          "multiple matches for labels: grouping labels must ensure unique matches");
    }
    if (!r.keep && !return_bool) return Status::OK();
    out->push_back(VectorSample{std::move(metric), t, r.value, return_bool});
    return Status::OK();
  };

  for (size_t i = 0; i < lhs.size(); ++i) {
    const int sig = lhs_sigs[i];
    const VectorSample& ls = lhs[i];
    auto found = right_by_sig.find(sig);
    if (found != right_by_sig.end()) {
      const VectorSample& rs = rhs[found->second];
      TM_RETURN_IF_ERROR(binop(ls.metric, ls.f, rs.metric, rs.f, ls.t, sig));
    } else if (matching.fill_rhs.has_value()) {
      // The missing right sample carries only the match group's labels.
      TM_RETURN_IF_ERROR(binop(ls.metric, ls.f,
                               MatchLabels(ls.metric, matching.on, matching.labels),
                               *matching.fill_rhs, ls.t, sig));
    }
  }
  if (matching.fill_lhs.has_value()) {
    // Right samples no left sample matched get a left sample of the fill value.
    for (size_t j = 0; j < rhs.size(); ++j) {
      const int sig = rhs_sigs[j];
      if (matched.contains(sig)) continue;
      const VectorSample& rs = rhs[j];
      TM_RETURN_IF_ERROR(binop(MatchLabels(rs.metric, matching.on, matching.labels),
                               *matching.fill_lhs, rs.metric, rs.f, rs.t, sig));
    }
  }
  return Status::OK();
}

Status Evaluator::VectorScalarBinop(BinaryOp op, const Vector& lhs, double rhs, bool swap,
                                    bool return_bool, Vector* out) const {
  for (const VectorSample& s : lhs) {
    double lf = s.f;
    double rf = rhs;
    if (swap) std::swap(lf, rf);
    ElemResult r = ElemBinop(op, lf, rf);
    // A comparison keeps the vector's value, also when the scalar is on the left.
    if (IsComparisonOp(op) && swap) r.value = rf;
    if (return_bool) {
      r.value = r.keep ? 1 : 0;
      r.keep = true;
    }
    if (!r.keep) continue;
    VectorSample o = s;
    o.f = r.value;
    if (ChangesMetricSchema(op) || return_bool) {
      if (!q_->delayed_name_removal) o.metric = DropMetricName(o.metric);
      o.drop_name = true;
    }
    out->push_back(std::move(o));
  }
  return Status::OK();
}

Result<Matrix> Evaluator::EvalBinary(const BinaryExpr& e) {
  const ValueType lt = e.lhs->type();
  const ValueType rt = e.rhs->type();
  const Expr* exprs[2] = {e.lhs.get(), e.rhs.get()};
  const BinaryOp op = e.op;
  const bool return_bool = e.return_bool;

  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    return RangeEval(
        nullptr, exprs,
        [op](std::span<const Vector> in, std::span<const std::vector<int>>, int64_t ts,
             Vector* out) {
          if (in[0].empty() || in[1].empty()) return Status::OK();
          out->push_back(VectorSample{Labels(), ts, ScalarBinop(op, in[0][0].f, in[1][0].f)});
          return Status::OK();
        });
  }
  if (lt == ValueType::kVector && rt == ValueType::kVector) {
    VectorMatching default_matching;
    if (IsSetOp(op)) default_matching.card = MatchCardinality::kManyToMany;
    const VectorMatching& matching = e.matching != nullptr ? *e.matching : default_matching;
    if (IsSetOp(op)) {
      return RangeEval(&matching, exprs,
                       [op](std::span<const Vector> in, std::span<const std::vector<int>> sigs,
                            int64_t, Vector* out) {
                         const Vector& lhs = in[0];
                         const Vector& rhs = in[1];
                         if (op == BinaryOp::kAnd) {
                           if (lhs.empty() || rhs.empty()) return Status::OK();
                           absl::flat_hash_set<int> right(sigs[1].begin(), sigs[1].end());
                           for (size_t i = 0; i < lhs.size(); ++i) {
                             if (right.contains(sigs[0][i])) out->push_back(lhs[i]);
                           }
                         } else if (op == BinaryOp::kOr) {
                           out->insert(out->end(), lhs.begin(), lhs.end());
                           if (lhs.empty() || rhs.empty()) {
                             out->insert(out->end(), rhs.begin(), rhs.end());
                             return Status::OK();
                           }
                           absl::flat_hash_set<int> left(sigs[0].begin(), sigs[0].end());
                           for (size_t j = 0; j < rhs.size(); ++j) {
                             if (!left.contains(sigs[1][j])) out->push_back(rhs[j]);
                           }
                         } else {
                           if (lhs.empty() || rhs.empty()) {
                             out->insert(out->end(), lhs.begin(), lhs.end());
                             return Status::OK();
                           }
                           absl::flat_hash_set<int> right(sigs[1].begin(), sigs[1].end());
                           for (size_t i = 0; i < lhs.size(); ++i) {
                             if (!right.contains(sigs[0][i])) out->push_back(lhs[i]);
                           }
                         }
                         return Status::OK();
                       });
    }
    return RangeEval(&matching, exprs,
                     [&](std::span<const Vector> in, std::span<const std::vector<int>> sigs,
                         int64_t, Vector* out) {
                       return VectorBinop(op, in[0], in[1], matching, return_bool, sigs[0], sigs[1],
                                          out);
                     });
  }
  if (lt == ValueType::kVector && rt == ValueType::kScalar) {
    return RangeEval(
        nullptr, exprs,
        [&](std::span<const Vector> in, std::span<const std::vector<int>>, int64_t, Vector* out) {
          if (in[1].empty()) return Status::OK();
          return VectorScalarBinop(op, in[0], in[1][0].f, false, return_bool, out);
        });
  }
  if (lt == ValueType::kScalar && rt == ValueType::kVector) {
    return RangeEval(
        nullptr, exprs,
        [&](std::span<const Vector> in, std::span<const std::vector<int>>, int64_t, Vector* out) {
          if (in[0].empty()) return Status::OK();
          return VectorScalarBinop(op, in[1], in[0][0].f, true, return_bool, out);
        });
  }
  return Status::InvalidArgument("binary operator \"" + std::string(BinaryOpName(op)) +
                                 "\" not allowed between " + std::string(ValueTypeName(lt)) +
                                 " and " + std::string(ValueTypeName(rt)));
}

}  // namespace tidemark::promql::eval
