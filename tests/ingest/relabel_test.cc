// Relabeling (ingest/relabel.h), with cases modelled on Prometheus' model/relabel tests: each
// action's effect, Go's template expansion, and the validation Prometheus applies to a rule.
#include "ingest/relabel.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace tidemark::ingest {
namespace {

RelabelConfig Make(RelabelRule rule, LabelNameValidation validation = LabelNameValidation::kUtf8) {
  Result<RelabelConfig> c = MakeRelabelConfig(rule, validation);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : RelabelConfig{};
}

// The result, or nullopt when the set is dropped.
std::optional<Labels> Apply(const Labels& in, const std::vector<RelabelConfig>& configs) {
  Labels out;
  if (!Relabel(in, configs, &out)) return std::nullopt;
  return out;
}

RelabelRule Replace(std::vector<std::string> sources, std::string regex, std::string target,
                    std::string replacement) {
  RelabelRule r;
  r.source_labels = std::move(sources);
  r.regex = std::move(regex);
  r.regex_set = true;
  r.target_label = std::move(target);
  r.replacement = std::move(replacement);
  return r;
}

RelabelRule WithAction(RelabelAction action, std::vector<std::string> sources, std::string regex,
                       std::string target = "") {
  RelabelRule r;
  r.action = action;
  r.source_labels = std::move(sources);
  r.source_labels_set = !r.source_labels.empty();
  r.regex = std::move(regex);
  r.regex_set = true;
  r.target_label = std::move(target);
  return r;
}

const Labels kFooBarBaz{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};

TEST(Relabel, ReplaceExpandsGroupsIntoTheTarget) {
  auto out = Apply(kFooBarBaz, {Make(Replace({"a"}, "f(.*)", "d", "ch${1}-ch${1}"))});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}));
}

TEST(Relabel, ReplaceJoinsSourceLabelsWithTheSeparator) {
  auto out = Apply(kFooBarBaz, {Make(Replace({"a", "b"}, "f(.*);(.*)r", "a", "b${1}${2}m"))});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("a"), "boobam");
  RelabelRule custom = Replace({"a", "b"}, "foo-bar", "x", "matched");
  custom.separator = "-";
  out = Apply(kFooBarBaz, {Make(custom)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("x"), "matched");
}

TEST(Relabel, ReplaceWithoutMatchChangesNothing) {
  auto out = Apply(kFooBarBaz, {Make(Replace({"a"}, "o$", "a", "x"))});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, kFooBarBaz);  // the regex is anchored: "foo" does not match "o$" fully
}

TEST(Relabel, ReplaceWithEmptyResultDeletesTheTarget) {
  auto out = Apply(kFooBarBaz, {Make(Replace({"d"}, "(.*)", "a", "$1"))});
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->Has("a"));
}

TEST(Relabel, DefaultRuleCopiesAMissingLabelAsNothingAndSetsLiterals) {
  RelabelRule r;  // every default: replace, regex (.*), replacement $1
  r.target_label = "team";
  r.replacement = "sre";
  auto out = Apply(Labels{{"a", "foo"}}, {Make(r)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("team"), "sre");
}

TEST(Relabel, ReplaceWithTemplatedTarget) {
  auto out = Apply(Labels{{"__meta_x", "env"}, {"v", "prod"}},
                   {Make(Replace({"__meta_x", "v"}, "(.*);(.*)", "${1}", "${2}"))});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("env"), "prod");
  // A target that expands to an invalid name under the legacy scheme is skipped.
  out = Apply(Labels{{"a", "some-name"}},
              {Make(Replace({"a"}, "(.*)", "${1}", "x"), LabelNameValidation::kLegacy)});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (Labels{{"a", "some-name"}}));
}

TEST(Relabel, NamedGroupsAndDollarEscapes) {
  auto out = Apply(
      Labels{{"a", "foo-bar"}},
      {Make(Replace({"a"}, "(?P<first>\\w+)-(?P<second>\\w+)", "b", "$second.${first}$$ $1x $9"))});
  ASSERT_TRUE(out);
  // $1x names group "1x", which does not exist; $9 is out of range: both expand to nothing.
  EXPECT_EQ(out->Get("b"), "bar.foo$  ");
}

TEST(Relabel, DropAndKeep) {
  EXPECT_FALSE(Apply(kFooBarBaz, {Make(WithAction(RelabelAction::kDrop, {"a"}, ".*o.*"))}));
  EXPECT_TRUE(Apply(kFooBarBaz, {Make(WithAction(RelabelAction::kDrop, {"a"}, "f"))}));
  EXPECT_FALSE(Apply(kFooBarBaz, {Make(WithAction(RelabelAction::kKeep, {"a"}, "no"))}));
  auto out = Apply(kFooBarBaz, {Make(WithAction(RelabelAction::kKeep, {"a"}, "f.*"))});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, kFooBarBaz);
  // A missing source label is the empty string, which (.*)-style regexes match.
  EXPECT_FALSE(Apply(kFooBarBaz, {Make(WithAction(RelabelAction::kDrop, {"missing"}, ""))}));
}

TEST(Relabel, KeepEqualAndDropEqual) {
  const Labels same{{"__tmp_port", "1234"}, {"port", "1234"}};
  const Labels differ{{"__tmp_port", "1234"}, {"port", "9999"}};
  RelabelRule keep;
  keep.action = RelabelAction::kKeepEqual;
  keep.source_labels = {"__tmp_port"};
  keep.target_label = "port";
  EXPECT_TRUE(Apply(same, {Make(keep)}));
  EXPECT_FALSE(Apply(differ, {Make(keep)}));
  RelabelRule drop = keep;
  drop.action = RelabelAction::kDropEqual;
  EXPECT_FALSE(Apply(same, {Make(drop)}));
  EXPECT_TRUE(Apply(differ, {Make(drop)}));
}

TEST(Relabel, HashModTakesTheLastEightBytesOfTheMd5) {
  RelabelRule r;
  r.action = RelabelAction::kHashMod;
  r.source_labels = {"c"};
  r.target_label = "d";
  r.modulus = 1000;
  auto out = Apply(kFooBarBaz, {Make(r)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("d"), "976");  // Prometheus' own expectation for "baz"
  r.source_labels = {"a"};
  out = Apply(kFooBarBaz, {Make(r)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("d"), "696");
}

TEST(Relabel, LabelMapCopiesMatchingNames) {
  RelabelRule r;
  r.action = RelabelAction::kLabelMap;
  r.regex = "__meta_(my.*)";
  r.replacement = "${1}";
  auto out = Apply(
      Labels{{"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "c"}}, {Make(r)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("my_bar"), "aaa");
  EXPECT_EQ(out->Get("my_baz"), "bbb");
  EXPECT_FALSE(out->Has("other"));
  EXPECT_EQ(out->Get("__meta_my_bar"), "aaa");  // copied, not moved
  r.regex = "(b.*)";
  r.replacement = "bar_${1}";
  out = Apply(kFooBarBaz, {Make(r)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("bar_b"), "bar");
  EXPECT_FALSE(out->Has("bar_bar_b"));  // a copy is not matched again by the same rule
}

TEST(Relabel, LabelDropAndLabelKeep) {
  RelabelRule drop;
  drop.action = RelabelAction::kLabelDrop;
  drop.regex = "[bc]";
  auto out = Apply(kFooBarBaz, {Make(drop)});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (Labels{{"a", "foo"}}));
  RelabelRule keep = drop;
  keep.action = RelabelAction::kLabelKeep;
  out = Apply(kFooBarBaz, {Make(keep)});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (Labels{{"b", "bar"}, {"c", "baz"}}));
}

TEST(Relabel, LowercaseAndUppercase) {
  const Labels in{{"foo", "BaR123FoO"}, {"greek", "ΣΊΣΥΦΟΣ"}};
  RelabelRule lower;
  lower.action = RelabelAction::kLowercase;
  lower.source_labels = {"foo"};
  lower.target_label = "foo_lowercase";
  RelabelRule upper = lower;
  upper.action = RelabelAction::kUppercase;
  upper.target_label = "foo_uppercase";
  RelabelRule greek = lower;
  greek.source_labels = {"greek"};
  greek.target_label = "greek_lower";
  auto out = Apply(in, {Make(lower), Make(upper), Make(greek)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("foo_lowercase"), "bar123foo");
  EXPECT_EQ(out->Get("foo_uppercase"), "BAR123FOO");
  EXPECT_EQ(out->Get("greek_lower"), "σίσυφοσ");  // Go's simple mapping: no final sigma
}

TEST(Relabel, RulesApplyInOrderAndSeeEarlierResults) {
  RelabelRule set_env = Replace({}, "(.*)", "env", "prod");
  RelabelRule keep_prod = WithAction(RelabelAction::kKeep, {"env"}, "prod");
  auto out = Apply(kFooBarBaz, {Make(set_env), Make(keep_prod)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("env"), "prod");
  EXPECT_FALSE(Apply(kFooBarBaz, {Make(keep_prod), Make(set_env)}));
}

// The rule's error, or "" when it is accepted.
std::string ValidationError(const RelabelRule& rule,
                            LabelNameValidation validation = LabelNameValidation::kUtf8) {
  Result<RelabelConfig> c = MakeRelabelConfig(rule, validation);
  return c.ok() ? "" : c.status().message();
}

TEST(RelabelValidation, RefusesWhatPrometheusRefuses) {
  RelabelRule hashmod;
  hashmod.action = RelabelAction::kHashMod;
  hashmod.target_label = "d";
  EXPECT_EQ(ValidationError(hashmod),
            "relabel configuration for hashmod requires non-zero modulus");
  for (RelabelAction a :
       {RelabelAction::kReplace, RelabelAction::kLowercase, RelabelAction::kUppercase,
        RelabelAction::kKeepEqual, RelabelAction::kDropEqual}) {
    RelabelRule r;
    r.action = a;
    EXPECT_EQ(ValidationError(r), "relabel configuration for " + std::string(RelabelActionName(a)) +
                                      " action requires 'target_label' value");
  }
  RelabelRule bad_target;
  bad_target.target_label = "1a";
  EXPECT_EQ(ValidationError(bad_target, LabelNameValidation::kLegacy),
            "\"1a\" is invalid 'target_label' for replace action");
  EXPECT_EQ(ValidationError(bad_target, LabelNameValidation::kUtf8), "");
  bad_target.target_label = "${1}-bad";
  EXPECT_EQ(ValidationError(bad_target, LabelNameValidation::kLegacy),
            "\"${1}-bad\" is invalid 'target_label' for replace action");
  RelabelRule lower;
  lower.action = RelabelAction::kLowercase;
  lower.target_label = "x";
  lower.replacement = "y";
  EXPECT_EQ(ValidationError(lower), "'replacement' can not be set for lowercase action");
  RelabelRule labelmap;
  labelmap.action = RelabelAction::kLabelMap;
  labelmap.replacement = "bad-${1}";
  EXPECT_EQ(ValidationError(labelmap, LabelNameValidation::kLegacy),
            "\"bad-${1}\" is invalid 'replacement' for labelmap action");
  RelabelRule keepequal;
  keepequal.action = RelabelAction::kKeepEqual;
  keepequal.target_label = "x";
  keepequal.regex_set = true;  // even the default regex, written out, is refused
  EXPECT_EQ(ValidationError(keepequal),
            "keepequal action requires only 'source_labels' and `target_label`, and no other "
            "fields");
  RelabelRule labeldrop;
  labeldrop.action = RelabelAction::kLabelDrop;
  labeldrop.regex = "a";
  labeldrop.target_label = "x";
  EXPECT_EQ(ValidationError(labeldrop),
            "labeldrop action requires only 'regex', and no other fields");
  labeldrop.target_label.clear();
  labeldrop.source_labels_set = true;
  EXPECT_EQ(ValidationError(labeldrop),
            "labeldrop action requires only 'regex', and no other fields");
  RelabelRule bad_regex;
  bad_regex.target_label = "x";
  bad_regex.regex = "(";
  EXPECT_EQ(ValidationError(bad_regex).rfind("error parsing regexp: ", 0), 0u);
}

TEST(RelabelValidation, ActionNamesAreCaseInsensitive) {
  RelabelAction a = RelabelAction::kReplace;
  EXPECT_TRUE(ParseRelabelAction("LabelDrop", &a));
  EXPECT_EQ(a, RelabelAction::kLabelDrop);
  EXPECT_TRUE(ParseRelabelAction("keepequal", &a));
  EXPECT_EQ(a, RelabelAction::kKeepEqual);
  EXPECT_FALSE(ParseRelabelAction("delete", &a));
}

}  // namespace
}  // namespace tidemark::ingest
