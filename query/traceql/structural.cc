// Each relation is answered for all of B at once in O((|A| + |B|) log |A|): hash sets for the
// parent links, and for descendants and ancestors the spans of A sorted by left with a running
// maximum (or minimum) of right, since "some span of A encloses r" is "among the spans of A left
// of r, the largest right is beyond r's right".
#include "query/traceql/structural.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace tidemark::traceql {
namespace {

enum class Relation { kChild, kParent, kDescendant, kAncestor, kSibling };

bool Valid(const NestedSet& n) { return n.left != 0 && n.right != 0; }

// Flags, per span of `b`, whether some span of `a` stands in `relation` to it: for kChild, "is a
// child of some span of a"; kParent "is a parent of"; kDescendant "is a descendant of"; kAncestor
// "is an ancestor of"; kSibling "is a sibling of".
std::vector<bool> Related(const std::vector<NestedSet>& nested, Relation relation,
                          const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<bool> out(b.size(), false);
  switch (relation) {
    case Relation::kChild: {
      std::unordered_set<int32_t> lefts;
      for (uint32_t i : a) {
        if (nested[i].left != 0) lefts.insert(nested[i].left);
      }
      for (size_t k = 0; k < b.size(); ++k) {
        const int32_t parent = nested[b[k]].parent;
        out[k] = parent > 0 && lefts.count(parent) > 0;
      }
      return out;
    }
    case Relation::kParent: {
      std::unordered_set<int32_t> parents;
      for (uint32_t i : a) {
        if (nested[i].parent > 0) parents.insert(nested[i].parent);
      }
      for (size_t k = 0; k < b.size(); ++k) {
        const int32_t left = nested[b[k]].left;
        out[k] = left != 0 && parents.count(left) > 0;
      }
      return out;
    }
    case Relation::kSibling: {
      std::unordered_map<int32_t, std::vector<uint32_t>> by_parent;
      for (uint32_t i : a) {
        const int32_t parent = nested[i].parent;
        if (parent == 0) continue;
        std::vector<uint32_t>& members = by_parent[parent];
        if (members.size() < 2) members.push_back(i);  // two are enough to exclude one
      }
      for (size_t k = 0; k < b.size(); ++k) {
        const int32_t parent = nested[b[k]].parent;
        if (parent == 0) continue;
        auto it = by_parent.find(parent);
        if (it == by_parent.end()) continue;
        for (uint32_t member : it->second) {
          if (member != b[k]) out[k] = true;
        }
      }
      return out;
    }
    case Relation::kDescendant:
    case Relation::kAncestor: {
      std::vector<NestedSet> sorted;
      for (uint32_t i : a) {
        if (Valid(nested[i])) sorted.push_back(nested[i]);
      }
      std::sort(sorted.begin(), sorted.end(),
                [](const NestedSet& x, const NestedSet& y) { return x.left < y.left; });
      std::vector<int32_t> running(sorted.size());
      if (relation == Relation::kDescendant) {
        // running[j]: the largest right among sorted[0..j].
        for (size_t j = 0; j < sorted.size(); ++j) {
          running[j] = j == 0 ? sorted[j].right : std::max(running[j - 1], sorted[j].right);
        }
      } else {
        // running[j]: the smallest right among sorted[j..].
        for (size_t j = sorted.size(); j-- > 0;) {
          running[j] =
              j + 1 == sorted.size() ? sorted[j].right : std::min(running[j + 1], sorted[j].right);
        }
      }
      for (size_t k = 0; k < b.size(); ++k) {
        const NestedSet& r = nested[b[k]];
        if (!Valid(r) || sorted.empty()) continue;
        if (relation == Relation::kDescendant) {
          // Some span of a with left < r.left and right > r.right.
          auto it =
              std::lower_bound(sorted.begin(), sorted.end(), r.left,
                               [](const NestedSet& x, int32_t left) { return x.left < left; });
          const size_t count = static_cast<size_t>(it - sorted.begin());
          out[k] = count > 0 && running[count - 1] > r.right;
        } else {
          // Some span of a with left > r.left and right < r.right.
          auto it =
              std::upper_bound(sorted.begin(), sorted.end(), r.left,
                               [](int32_t left, const NestedSet& x) { return left < x.left; });
          const size_t first = static_cast<size_t>(it - sorted.begin());
          out[k] = first < sorted.size() && running[first] < r.right;
        }
      }
      return out;
    }
  }
  return out;
}

// The converse relation, for the union forms: b is a child of a <=> a is the parent of b.
Relation Converse(Relation r) {
  switch (r) {
    case Relation::kChild:
      return Relation::kParent;
    case Relation::kParent:
      return Relation::kChild;
    case Relation::kDescendant:
      return Relation::kAncestor;
    case Relation::kAncestor:
      return Relation::kDescendant;
    case Relation::kSibling:
      return Relation::kSibling;
  }
  return r;
}

std::vector<uint32_t> Select(const std::vector<uint32_t>& spans, const std::vector<bool>& flags,
                             bool want) {
  std::vector<uint32_t> out;
  for (size_t k = 0; k < spans.size(); ++k) {
    if (flags[k] == want) out.push_back(spans[k]);
  }
  return out;
}

}  // namespace

bool IsStructuralOp(SpansetOp op) { return op != SpansetOp::kAnd && op != SpansetOp::kUnion; }

std::vector<uint32_t> StructuralJoin(const std::vector<NestedSet>& nested, SpansetOp op,
                                     const std::vector<uint32_t>& lhs,
                                     const std::vector<uint32_t>& rhs) {
  Relation relation = Relation::kChild;
  enum class Form { kPlain, kNot, kUnion } form = Form::kPlain;
  switch (op) {
    case SpansetOp::kChild:
      break;
    case SpansetOp::kNotChild:
      form = Form::kNot;
      break;
    case SpansetOp::kUnionChild:
      form = Form::kUnion;
      break;
    case SpansetOp::kParent:
      relation = Relation::kParent;
      break;
    case SpansetOp::kNotParent:
      relation = Relation::kParent;
      form = Form::kNot;
      break;
    case SpansetOp::kUnionParent:
      relation = Relation::kParent;
      form = Form::kUnion;
      break;
    case SpansetOp::kDescendant:
      relation = Relation::kDescendant;
      break;
    case SpansetOp::kNotDescendant:
      relation = Relation::kDescendant;
      form = Form::kNot;
      break;
    case SpansetOp::kUnionDescendant:
      relation = Relation::kDescendant;
      form = Form::kUnion;
      break;
    case SpansetOp::kAncestor:
      relation = Relation::kAncestor;
      break;
    case SpansetOp::kNotAncestor:
      relation = Relation::kAncestor;
      form = Form::kNot;
      break;
    case SpansetOp::kUnionAncestor:
      relation = Relation::kAncestor;
      form = Form::kUnion;
      break;
    case SpansetOp::kSibling:
      relation = Relation::kSibling;
      break;
    case SpansetOp::kNotSibling:
      relation = Relation::kSibling;
      form = Form::kNot;
      break;
    case SpansetOp::kUnionSibling:
      relation = Relation::kSibling;
      form = Form::kUnion;
      break;
    default:
      return {};
  }
  const std::vector<bool> rhs_flags = Related(nested, relation, lhs, rhs);
  if (form != Form::kUnion) return Select(rhs, rhs_flags, form == Form::kPlain);
  std::vector<uint32_t> out = Select(rhs, rhs_flags, true);
  const std::vector<uint32_t> from_lhs =
      Select(lhs, Related(nested, Converse(relation), rhs, lhs), true);
  out.insert(out.end(), from_lhs.begin(), from_lhs.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace tidemark::traceql
