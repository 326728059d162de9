// The values a PromQL evaluation produces: scalars, strings, instant vectors and matrices.
//
// Thread safety: values; copy them freely.
#ifndef TIDEMARK_QUERY_VALUE_H_
#define TIDEMARK_QUERY_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "query/ast.h"
#include "tidemark/labels.h"

namespace tidemark::promql {

struct FPoint {
  int64_t t = 0;  // milliseconds
  double f = 0;
};

// One element of an instant vector.
struct VectorSample {
  Labels metric;
  int64_t t = 0;
  double f = 0;
  // The metric name is to be removed once the evaluation ends (Prometheus' delayed __name__
  // removal): set by operations that change a metric's meaning (arithmetic, most functions),
  // cleared by label_replace/label_join writing __name__. Always false in query results.
  bool drop_name = false;
};
using Vector = std::vector<VectorSample>;

// One series of a range vector or range-query result; points in increasing time order.
struct Series {
  Labels metric;
  std::vector<FPoint> floats;
  bool drop_name = false;  // as VectorSample::drop_name
};
using Matrix = std::vector<Series>;

// Annotations Prometheus attaches to a result: warnings ("PromQL warning: ...") and infos
// ("PromQL info: ..."), deduplicated, in the order first raised.
struct Annotations {
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

struct QueryStats {
  int64_t samples_loaded = 0;  // samples read from storage (what max_samples limits)
  int64_t peak_samples = 0;    // most samples held at once
};

// The result of a query: exactly one of the value members is meaningful, chosen by `type`.
//   kScalar: scalar (at time `scalar_t`); kString: string_value (at scalar_t);
//   kVector: vector (instant queries); kMatrix: matrix (range queries, and instant queries of a
//   range selector or subquery).
struct QueryResult {
  ValueType type = ValueType::kNone;
  double scalar = 0;
  int64_t scalar_t = 0;
  std::string string_value;
  Vector vector;
  Matrix matrix;
  Annotations annotations;
  QueryStats stats;
};

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_VALUE_H_
