// Instant-vector and scalar functions that transform values one by one: arithmetic, clamping,
// rounding, trigonometry, calendar fields, and the scalar producers time(), pi(), vector() and
// scalar(). Element-wise functions keep the input's labels and mark each output sample for
// `__name__` removal (VectorSample::drop_name); the evaluator drops the name, at once or at the
// end of the evaluation with delayed name removal.
//
// Scalar results are returned as a one-element vector with empty labels; the evaluator turns
// that into a scalar for scalar-typed calls.
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numbers>

#include "query/functions_internal.h"

namespace tidemark::promql::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void EmitScalar(const FunctionArgs& args, const FunctionOutput& output, double value) {
  output.out->push_back(VectorSample{Labels(), args.t, value});
}

// Applies `fn` to every sample of the first (vector) argument.
template <typename Fn>
Status MapValues(const FunctionArgs& args, const FunctionOutput& output, Fn fn) {
  for (const VectorSample& s : VectorArg(args, 0)) {
    output.out->push_back(VectorSample{s.metric, args.t, fn(s.f), /*drop_name=*/true});
  }
  return Status::OK();
}

#define TM_ELEMENTWISE(Name, expr)                                             \
  Status Name(const FunctionArgs& args, const FunctionOutput& output) {        \
    return MapValues(args, output, [](double v) -> double { return (expr); }); \
  }

TM_ELEMENTWISE(Abs, std::fabs(v))
TM_ELEMENTWISE(Ceil, std::ceil(v))
TM_ELEMENTWISE(Floor, std::floor(v))
TM_ELEMENTWISE(Exp, std::exp(v))
TM_ELEMENTWISE(Sqrt, std::sqrt(v))
TM_ELEMENTWISE(Ln, std::log(v))
TM_ELEMENTWISE(Log2, std::log2(v))
TM_ELEMENTWISE(Log10, std::log10(v))
TM_ELEMENTWISE(Sin, std::sin(v))
TM_ELEMENTWISE(Cos, std::cos(v))
TM_ELEMENTWISE(Tan, std::tan(v))
TM_ELEMENTWISE(Asin, std::asin(v))
TM_ELEMENTWISE(Acos, std::acos(v))
TM_ELEMENTWISE(Atan, std::atan(v))
TM_ELEMENTWISE(Sinh, std::sinh(v))
TM_ELEMENTWISE(Cosh, std::cosh(v))
TM_ELEMENTWISE(Tanh, std::tanh(v))
TM_ELEMENTWISE(Asinh, std::asinh(v))
TM_ELEMENTWISE(Acosh, std::acosh(v))
TM_ELEMENTWISE(Atanh, std::atanh(v))
TM_ELEMENTWISE(Rad, v* std::numbers::pi / 180)
TM_ELEMENTWISE(Deg, v * 180 / std::numbers::pi)
// -1, +1, or the value itself for zeros and NaN.
TM_ELEMENTWISE(Sgn, v < 0 ? -1.0 : (v > 0 ? 1.0 : v))

#undef TM_ELEMENTWISE

Status ClampBetween(const FunctionArgs& args, const FunctionOutput& output, double min_value,
                    double max_value) {
  if (max_value < min_value) return Status::OK();  // an empty interval yields no samples
  return MapValues(args, output, [min_value, max_value](double v) {
    return GoMax(min_value, GoMin(max_value, v));
  });
}

Status Clamp(const FunctionArgs& args, const FunctionOutput& output) {
  return ClampBetween(args, output, ScalarArg(args, 1), ScalarArg(args, 2));
}

Status ClampMin(const FunctionArgs& args, const FunctionOutput& output) {
  return ClampBetween(args, output, ScalarArg(args, 1), kInf);
}

Status ClampMax(const FunctionArgs& args, const FunctionOutput& output) {
  return ClampBetween(args, output, -kInf, ScalarArg(args, 1));
}

// round(v, to_nearest=1): ties round up. Dividing by the inverse rather than multiplying by
// to_nearest gives fewer float artifacts (round(x, 0.1) yields 0.3, not 0.30000000000000004).
Status Round(const FunctionArgs& args, const FunctionOutput& output) {
  const double to_nearest = ArgCount(args) >= 2 ? ScalarArg(args, 1) : 1.0;
  const double inverse = 1.0 / to_nearest;
  return MapValues(args, output,
                   [inverse](double v) { return std::floor(v * inverse + 0.5) / inverse; });
}

Status Pi(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, std::numbers::pi);
  return Status::OK();
}

Status Time(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, static_cast<double>(args.t) / 1000);
  return Status::OK();
}

Status VectorFn(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, ScalarArg(args, 0));
  return Status::OK();
}

// The value of a one-element vector, NaN otherwise.
Status ScalarFn(const FunctionArgs& args, const FunctionOutput& output) {
  const Vector& v = VectorArg(args, 0);
  EmitScalar(args, output, v.size() == 1 ? v[0].f : kNaN);
  return Status::OK();
}

Status MinOf(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, GoMin(ScalarArg(args, 0), ScalarArg(args, 1)));
  return Status::OK();
}

Status MaxOf(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, GoMax(ScalarArg(args, 0), ScalarArg(args, 1)));
  return Status::OK();
}

// start(), end() and range(): the query's boundaries and length in seconds.
Status Start(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, static_cast<double>(args.query_start) / 1000);
  return Status::OK();
}

Status End(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, static_cast<double>(args.query_end) / 1000);
  return Status::OK();
}

Status RangeFn(const FunctionArgs& args, const FunctionOutput& output) {
  EmitScalar(args, output, static_cast<double>(args.query_end - args.query_start) / 1000);
  return Status::OK();
}

// The native-histogram accessors. Float samples are not histograms, so they yield nothing
// (Prometheus skips them the same way); classic histograms are read through their _count and
// _sum series instead.
Status NoFloatResult(const FunctionArgs&, const FunctionOutput&) { return Status::OK(); }

// --- Calendar fields (UTC) -------------------------------------------------------------------

struct CivilTime {
  int64_t year = 1970;
  int month = 1;        // 1..12
  int day = 1;          // 1..31
  int day_of_week = 4;  // 0 = Sunday
  int day_of_year = 1;  // 1..366
  int hour = 0;
  int minute = 0;
  int days_in_month = 31;
};

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

CivilTime ToCivil(int64_t unix_seconds) {
  CivilTime ct;
  const int64_t days = FloorDiv(unix_seconds, 86400);
  const int64_t secs_of_day = unix_seconds - days * 86400;
  ct.hour = static_cast<int>(secs_of_day / 3600);
  ct.minute = static_cast<int>((secs_of_day % 3600) / 60);
  ct.day_of_week = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  // H. Hinnant's civil_from_days.
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  ct.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  ct.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  ct.year = yoe + era * 400 + (ct.month <= 2 ? 1 : 0);
  ct.day_of_year = static_cast<int>(days - DaysFromCivil(ct.year, 1, 1) + 1);
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  ct.days_in_month = kDaysInMonth[ct.month - 1] + (ct.month == 2 && IsLeapYear(ct.year) ? 1 : 0);
  return ct;
}

// Sample values are Unix seconds, truncated toward zero like Go's int64(f). Values beyond the
// calendar arithmetic's range (and NaN) have no date; they yield NaN.
template <typename Field>
double DateField(double unix_seconds, Field field) {
  constexpr double kLimit = 1e15;  // ~31 million years, far inside int64 day arithmetic
  if (!(std::fabs(unix_seconds) < kLimit)) return kNaN;
  return static_cast<double>(field(ToCivil(static_cast<int64_t>(unix_seconds))));
}

// With no argument the field of the evaluation time, else of every sample's value.
template <typename Field>
Status DateFunction(const FunctionArgs& args, const FunctionOutput& output, Field field) {
  if (ArgCount(args) == 0) {
    // Whole seconds, as Prometheus' time.Unix(ts/1000, 0).
    const double seconds = static_cast<double>(args.t / 1000);
    EmitScalar(args, output, DateField(seconds, field));
    return Status::OK();
  }
  return MapValues(args, output, [&field](double v) { return DateField(v, field); });
}

#define TM_DATE_FUNCTION(Name, member)                                                \
  Status Name(const FunctionArgs& args, const FunctionOutput& output) {               \
    return DateFunction(args, output, [](const CivilTime& ct) { return ct.member; }); \
  }

TM_DATE_FUNCTION(Year, year)
TM_DATE_FUNCTION(Month, month)
TM_DATE_FUNCTION(DayOfMonth, day)
TM_DATE_FUNCTION(DayOfWeek, day_of_week)
TM_DATE_FUNCTION(DayOfYear, day_of_year)
TM_DATE_FUNCTION(DaysInMonth, days_in_month)
TM_DATE_FUNCTION(Hour, hour)
TM_DATE_FUNCTION(Minute, minute)

#undef TM_DATE_FUNCTION

constexpr FunctionEntry kMathFunctions[] = {
    {"abs", Abs},
    {"ceil", Ceil},
    {"floor", Floor},
    {"exp", Exp},
    {"sqrt", Sqrt},
    {"ln", Ln},
    {"log2", Log2},
    {"log10", Log10},
    {"sin", Sin},
    {"cos", Cos},
    {"tan", Tan},
    {"asin", Asin},
    {"acos", Acos},
    {"atan", Atan},
    {"sinh", Sinh},
    {"cosh", Cosh},
    {"tanh", Tanh},
    {"asinh", Asinh},
    {"acosh", Acosh},
    {"atanh", Atanh},
    {"rad", Rad},
    {"deg", Deg},
    {"sgn", Sgn},
    {"clamp", Clamp},
    {"clamp_min", ClampMin},
    {"clamp_max", ClampMax},
    {"round", Round},
    {"pi", Pi},
    {"time", Time},
    {"vector", VectorFn},
    {"scalar", ScalarFn},
    {"min_of", MinOf},
    {"max_of", MaxOf},
    {"start", Start},
    {"end", End},
    {"range", RangeFn},
    {"year", Year},
    {"month", Month},
    {"day_of_month", DayOfMonth},
    {"day_of_week", DayOfWeek},
    {"day_of_year", DayOfYear},
    {"days_in_month", DaysInMonth},
    {"hour", Hour},
    {"minute", Minute},
    {"histogram_count", NoFloatResult},
    {"histogram_sum", NoFloatResult},
    {"histogram_avg", NoFloatResult},
    {"histogram_stddev", NoFloatResult},
    {"histogram_stdvar", NoFloatResult},
};

}  // namespace

FunctionImpl LookupMathFunctionImpl(std::string_view name) {
  return FindFunction(kMathFunctions, std::size(kMathFunctions), name);
}

}  // namespace tidemark::promql::internal
