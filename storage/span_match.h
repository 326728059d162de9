// Evaluation of search conditions on one span, either a buffered Span or a span of a row group
// (without materialising it). TraceQL semantics: a missing attribute satisfies only kNotExists;
// numbers compare with numbers, strings with strings, bools with bools.
#ifndef TIDEMARK_STORAGE_SPAN_MATCH_H_
#define TIDEMARK_STORAGE_SPAN_MATCH_H_

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/span_row_group.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace re2 {
class RE2;
}

namespace tidemark::storage {

// A borrowed attribute value.
struct ValueView {
  AnyValue::Type type = AnyValue::Type::kEmpty;
  std::string_view str;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  const AnyValue* complex = nullptr;  // arrays and kvlists of buffered spans
};

enum class Intrinsic {
  kNone,
  kName,
  kKind,
  kStatus,
  kStatusMessage,
  kDuration,
  kServiceName,
  kTraceState
};

class CompiledCondition {
 public:
  static Result<CompiledCondition> Compile(const SpanCondition& c);
  CompiledCondition(CompiledCondition&&) noexcept;
  CompiledCondition& operator=(CompiledCondition&&) noexcept;
  ~CompiledCondition();

  const SpanCondition& condition() const { return c_; }
  Intrinsic intrinsic() const { return intrinsic_; }
  // Whether a present value satisfies the condition.
  bool Test(const ValueView& v) const;
  // Relative cost of evaluating on a row group (lower first): columns without the dictionary are
  // cheap, small ones cheapest.
  int Cost() const;

 private:
  CompiledCondition() = default;
  SpanCondition c_;
  Intrinsic intrinsic_ = Intrinsic::kNone;
  std::unique_ptr<re2::RE2> re_;
};

Result<std::vector<CompiledCondition>> CompileConditions(
    const std::vector<SpanCondition>& conditions);

bool MatchesSpan(const std::vector<CompiledCondition>& conditions, const Span& span);
// One condition on span i of a row group, loading the columns it needs on first use. A load
// failure sets *status and returns false.
bool MatchesRow(const CompiledCondition& condition, RowGroupReader& rg, uint32_t i, Status* status);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_MATCH_H_
