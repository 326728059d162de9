// Status and Result<T>: how every fallible tidemark call reports failure. No exception crosses the
// public API; a call that can fail returns one of these, and both must be looked at.
//
// Thread safety: values; copy them freely.
#ifndef TIDEMARK_STATUS_H_
#define TIDEMARK_STATUS_H_

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tidemark {

// The small set of error kinds. Persisted nowhere; the HTTP and gRPC mappings live in server/.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong (bad label, bad query, bad payload)
  kNotFound,           // the thing asked for does not exist
  kCorruption,         // bytes read from disk are damaged
  kIOError,            // the operating system or RocksDB failed to read or write
  kResourceExhausted,  // a configured limit was reached
  kUnavailable,        // the engine is closing or applying backpressure; retry later
  kInternal,           // a bug: an invariant did not hold
  kDeadlineExceeded,   // an operation ran past its time limit (a query timeout)
  kCancelled,          // the caller gave up (a query whose client went away)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) {
    return {StatusCode::kDeadlineExceeded, std::move(msg)};
  }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: series {...} [t1, t2]: checksum mismatch"; "OK" when ok().
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok())
      status_ = Status::Internal("Result constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // Accessing the value of an error Result is a programming error: it aborts with the status.
  T& value() & { return CheckedValue(); }
  const T& value() const& { return const_cast<Result*>(this)->CheckedValue(); }
  T&& value() && { return std::move(CheckedValue()); }
  T& operator*() & { return CheckedValue(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &CheckedValue(); }
  const T* operator->() const { return &value(); }

 private:
  T& CheckedValue() {
    if (!value_.has_value()) {
      std::fprintf(stderr, "tidemark: value() of a failed Result: %s\n",
                   status_.ToString().c_str());
      std::abort();
    }
    return *value_;
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace tidemark

#endif  // TIDEMARK_STATUS_H_
