// RuleOutput onto an Appender (the engine's, or MemoryStore's): each rule's samples are
// committed together. Rejected samples (a rule evaluated twice at one instant, say) do not fail
// the rule, as Prometheus ignores out-of-order and duplicate rule samples; they are counted.
//
// Thread safety: one thread at a time, like the Appender.
#ifndef TIDEMARK_QUERY_RULES_APPENDER_OUTPUT_H_
#define TIDEMARK_QUERY_RULES_APPENDER_OUTPUT_H_

#include <memory>

#include "query/rules/group.h"
#include "tidemark/engine.h"

namespace tidemark::rules {

class AppenderOutput final : public RuleOutput {
 public:
  explicit AppenderOutput(std::unique_ptr<Appender> appender) : appender_(std::move(appender)) {}

  void Add(const Labels& labels, int64_t t_ms, double value) override {
    appender_->Add(labels, t_ms, value);
  }
  // Rule output can be computed again: each rule's samples are made visible to the next rule
  // without waiting for a disk sync (Appender::CommitUnsynced).
  Status Commit() override {
    auto report = appender_->CommitUnsynced();
    if (!report.ok()) return report.status();
    rejected_ += report->rejected;
    return Status::OK();
  }
  uint64_t rejected() const { return rejected_; }

 private:
  std::unique_ptr<Appender> appender_;
  uint64_t rejected_ = 0;
};

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_APPENDER_OUTPUT_H_
