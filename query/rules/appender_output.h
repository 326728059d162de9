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
  // `ref_scope`: the store the appender writes to (its refs are only meaningful there); null
  // when refs are not to be kept between evaluations.
  explicit AppenderOutput(std::unique_ptr<Appender> appender, const void* ref_scope = nullptr)
      : appender_(std::move(appender)), ref_scope_(ref_scope) {}

  void Add(const Labels& labels, int64_t t_ms, double value) override {
    appender_->Add(labels, t_ms, value);
  }
  uint64_t AddRef(const Labels& labels, uint64_t ref, int64_t t_ms, double value) override {
    if (ref != 0 && ref_scope_ != nullptr) {
      // 0: the series went away (expired, deleted) since; add it by its labels.
      if (const SeriesRef added = appender_->TryAdd(ref, t_ms, value); added != 0) return added;
    }
    const SeriesRef added = appender_->Add(labels, t_ms, value);
    return ref_scope_ != nullptr ? added : 0;
  }
  const void* RefScope() const override { return ref_scope_; }
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
  const void* ref_scope_;
  uint64_t rejected_ = 0;
};

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_APPENDER_OUTPUT_H_
