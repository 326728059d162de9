// The errors of the engine's background work (checkpoints and retention, span segment writing),
// kept as LevelDB keeps its bg_error_: a failure is never dropped. It stays visible (Engine::
// BackgroundError, EngineStats, the server's /-/ready, /metrics and log) and refuses the writes
// that depend on that work until a later run of the same job succeeds; a Corruption stays until
// the engine is reopened.
//
// Thread safety: all methods may be called from any thread.
#ifndef TIDEMARK_STORAGE_BACKGROUND_ERROR_H_
#define TIDEMARK_STORAGE_BACKGROUND_ERROR_H_

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "tidemark/status.h"

namespace tidemark::storage {

class BackgroundError {
 public:
  // `on_error` (may be empty) is called, outside the lock, each time a job's error is set.
  explicit BackgroundError(std::function<void(const Status&)> on_error)
      : on_error_(std::move(on_error)) {}

  // Records how a run of `job` ended.
  void Record(std::string_view job, const Status& outcome);
  // The error of `job`, naming it; OK when it has none.
  Status Of(std::string_view job) const;
  // The first error of any job; OK when there is none.
  Status Any() const;

 private:
  const std::function<void(const Status&)> on_error_;
  mutable std::mutex mu_;
  std::map<std::string, Status, std::less<>> errors_;  // guarded by mu_: jobs with an error
};

// Jobs.
inline constexpr std::string_view kMaintenanceJob = "checkpoint and retention";
inline constexpr std::string_view kSpanSegmentJob = "span segment writing";

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_BACKGROUND_ERROR_H_
