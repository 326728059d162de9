// Prometheus' relabeling (model/relabel): rules that rewrite, keep or drop a label set, applied in
// order. Scrape targets (relabel_configs), scraped series (metric_relabel_configs), alerts
// (alert_relabel_configs) and Alertmanager targets all go through it.
//
// Semantics are Prometheus 3's, rule by rule:
//   replace    joins source_labels' values with `separator`, matches `regex` (fully anchored,
//              RE2 syntax) and, if it matches, sets target_label (itself expanded) to
//              `replacement` expanded with the match ($1, ${1}, $name, ${name}, $$, as Go's
//              Regexp.Expand); an empty result deletes the target label; no match, no change.
//   keep/drop  drop the whole set unless / if the joined value matches `regex`.
//   keepequal/dropequal  drop the set unless / if the joined value equals target_label's value.
//   hashmod    target_label = md5(joined value)'s last 8 bytes, big-endian, modulo `modulus`.
//   labelmap   every label whose name matches `regex` is copied to `replacement` expanded.
//   labeldrop/labelkeep  remove labels whose name matches / does not match `regex`.
//   lowercase/uppercase  target_label = the joined value in lower / upper case (Unicode simple
//              case mapping, as Go's strings.ToLower / ToUpper).
// A label whose value becomes empty is absent, as everywhere in the Prometheus data model.
//
// Thread safety: a RelabelConfig is immutable once made by MakeRelabelConfig and may be shared
// by any number of threads (the compiled regex is shared, read-only).
#ifndef TIDEMARK_INGEST_RELABEL_H_
#define TIDEMARK_INGEST_RELABEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace tidemark::ingest {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// The action's name in configuration ("replace", "keepequal", ...).
std::string_view RelabelActionName(RelabelAction action);
// Case-insensitive, as Prometheus reads `action`; false for an unknown name.
bool ParseRelabelAction(std::string_view name, RelabelAction* action);

// Which label names a target_label (or labelmap replacement) may be: Prometheus 3's
// metric_name_validation_scheme. kUtf8 (its default): any non-empty UTF-8; kLegacy:
// [a-zA-Z_][a-zA-Z0-9_]*.
enum class LabelNameValidation { kUtf8, kLegacy };

// One rule as written in configuration; the defaults are Prometheus' (DefaultRelabelConfig).
struct RelabelRule {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string regex = "(.*)";  // unanchored text as written; anchored when compiled
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;
  // Whether the file gave these keys: keepequal/dropequal refuse any regex, labeldrop/labelkeep
  // any source_labels, even when equal to the default (Prometheus compares them as unset).
  bool source_labels_set = false;
  bool regex_set = false;
  bool operator==(const RelabelRule&) const = default;
};

// A checked rule with its compiled regex.
struct RelabelConfig {
  RelabelRule rule;
  LabelNameValidation validation = LabelNameValidation::kUtf8;
  std::shared_ptr<const re2::RE2> regex;  // ^(?:rule.regex)$
  bool operator==(const RelabelConfig& other) const {
    return rule == other.rule && validation == other.validation;
  }
};

// Checks `rule` as Prometheus' relabel.Config.Validate does (modulus for hashmod, target_label
// where the action needs one, valid label names, fields an action does not take) and compiles
// its regex. InvalidArgument with Prometheus' wording ("relabel configuration for hashmod requires
// non-zero modulus", "\"1a\" is invalid 'target_label' for replace action", "error parsing regexp:
// ...").
Result<RelabelConfig> MakeRelabelConfig(
    const RelabelRule& rule, LabelNameValidation validation = LabelNameValidation::kUtf8);

// `labels` after `configs`, in order. Returns false (and leaves *out unspecified) when a rule
// drops the set; otherwise true with the result in *out. `out` may be `&labels`.
bool Relabel(const Labels& labels, const std::vector<RelabelConfig>& configs, Labels* out);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_RELABEL_H_
