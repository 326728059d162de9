#include "query/traceql/trace_view.h"

#include <algorithm>
#include <unordered_map>

namespace tidemark::traceql {

std::string HexId(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
  }
  return out;
}

namespace {

// Start-time order (then span id, then input position): what makes the nested set numbers and
// the root independent of the order spans arrive in.
std::vector<uint32_t> StartOrder(const std::vector<Span>& spans) {
  const uint32_t n = static_cast<uint32_t>(spans.size());
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (spans[a].start_time_unix_nano != spans[b].start_time_unix_nano) {
      return spans[a].start_time_unix_nano < spans[b].start_time_unix_nano;
    }
    if (spans[a].span_id != spans[b].span_id) return spans[a].span_id < spans[b].span_id;
    return a < b;
  });
  return order;
}

}  // namespace

PreparedTrace::PreparedTrace(const std::vector<Span>& spans, const TraceSummary* summary)
    : spans_(spans) {
  const uint32_t n = static_cast<uint32_t>(spans.size());
  span_ids_hex_.reserve(n);
  parent_ids_hex_.reserve(n);
  link_ids_hex_.resize(n);
  uint64_t earliest = UINT64_MAX;
  uint64_t latest = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const Span& s = spans[i];
    span_ids_hex_.push_back(HexId(s.span_id));
    parent_ids_hex_.push_back(HexId(s.parent_span_id));
    for (const SpanLink& link : s.links) {
      link_ids_hex_[i].push_back(HexId(link.trace_id));
      link_ids_hex_[i].push_back(HexId(link.span_id));
    }
    earliest = std::min(earliest, s.start_time_unix_nano);
    latest = std::max(latest, std::max(s.end_time_unix_nano, s.start_time_unix_nano));
  }
  if (n > 0) trace_id_hex_ = HexId(spans[0].trace_id);

  nested_ = AssignNestedSets(spans);

  if (summary != nullptr) {
    has_root_ = summary->has_root;
    root_span_name_ = summary->root_span_name;
    root_service_name_ = summary->root_service_name;
    duration_nano_ = summary->duration_nano;
    return;
  }
  duration_nano_ = n > 0 && latest > earliest ? latest - earliest : 0;
  // The root is the earliest span without a parent (Tempo keeps whichever root it read last, an
  // order we do not have).
  for (uint32_t i : StartOrder(spans)) {
    if (!spans[i].parent_span_id.empty()) continue;
    has_root_ = true;
    root_span_name_ = spans[i].name;
    root_service_name_ = std::string(spans[i].ServiceName());
    break;
  }
}

std::vector<NestedSet> AssignNestedSets(const std::vector<Span>& spans) {
  const std::vector<uint32_t> order = StartOrder(spans);
  const uint32_t n = static_cast<uint32_t>(order.size());
  std::vector<NestedSet> nested(n);
  std::unordered_map<std::string_view, std::vector<uint32_t>> by_id;
  std::vector<uint32_t> roots;
  for (uint32_t i : order) {
    const Span& s = spans[i];
    if (s.parent_span_id.empty()) roots.push_back(i);
    std::vector<uint32_t>& same = by_id[s.span_id];
    same.push_back(i);
    if (same.size() > 2) return std::vector<NestedSet>(n);  // invalid data: no numbers, as Tempo
  }
  if (roots.empty()) return nested;

  constexpr uint32_t kNone = UINT32_MAX;
  std::vector<std::vector<uint32_t>> children(n);
  for (uint32_t i : order) {
    const Span& s = spans[i];
    if (s.parent_span_id.empty()) continue;
    auto it = by_id.find(s.parent_span_id);
    if (it == by_id.end()) continue;
    uint32_t parent = kNone;
    if (it->second.size() == 1) {
      parent = it->second[0];
    } else {
      // Zipkin shares one id between a client span and its server span: a server span's parent
      // is the client half, anything else's the server half.
      const SpanKind want = s.kind == SpanKind::kServer ? SpanKind::kClient : SpanKind::kServer;
      for (uint32_t candidate : it->second) {
        if (spans[candidate].kind == want) {
          parent = candidate;
          break;
        }
      }
    }
    if (parent != kNone && parent != i) children[parent].push_back(i);
  }

  // Iterative depth-first walk from each root, in start order.
  int32_t bound = 1;
  std::vector<std::pair<uint32_t, size_t>> stack;  // span, next child
  for (uint32_t root : roots) {
    nested[root].left = bound++;
    nested[root].parent = -1;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < children[node].size()) {
        const uint32_t child = children[node][next++];
        if (nested[child].left != 0) continue;  // reached twice: keep the first numbers
        nested[child].left = bound++;
        nested[child].parent = nested[node].left;
        stack.push_back({child, 0});
      } else {
        nested[node].right = bound++;
        stack.pop_back();
      }
    }
  }
  return nested;
}

}  // namespace tidemark::traceql
