#include "storage/background_error.h"

namespace tidemark::storage {

void BackgroundError::Record(std::string_view job, const Status& outcome) {
  Status reported;
  {
    std::lock_guard lock(mu_);
    auto it = errors_.find(job);
    if (outcome.ok()) {
      // A corruption does not heal by running the job again.
      if (it != errors_.end() && it->second.code() != StatusCode::kCorruption) errors_.erase(it);
      return;
    }
    if (it != errors_.end() && it->second.code() == StatusCode::kCorruption) return;
    reported = Status(outcome.code(), std::string(job) + " failed: " + outcome.message());
    errors_[std::string(job)] = reported;
  }
  if (on_error_) on_error_(reported);
}

Status BackgroundError::Of(std::string_view job) const {
  std::lock_guard lock(mu_);
  auto it = errors_.find(job);
  return it == errors_.end() ? Status::OK() : it->second;
}

Status BackgroundError::Any() const {
  std::lock_guard lock(mu_);
  return errors_.empty() ? Status::OK() : errors_.begin()->second;
}

}  // namespace tidemark::storage
