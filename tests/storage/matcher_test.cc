#include <gtest/gtest.h>

#include <climits>

#include "storage/matcher_eval.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::TestOptions;

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(TestOptions(), dir_.path());
    ASSERT_TRUE(e.ok());
    engine_ = std::move(e).value();
    auto app = engine_->NewAppender();
    app->Add(Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"env", "prod"}}, 1, 1);
    app->Add(Labels{{"__name__", "http_requests_total"}, {"code", "500"}, {"env", "prod"}}, 1, 1);
    app->Add(Labels{{"__name__", "http_requests_total"}, {"code", "503"}}, 1, 1);
    app->Add(Labels{{"__name__", "http_requests_total"}, {"code", "404"}, {"env", "dev"}}, 1, 1);
    app->Add(Labels{{"__name__", "gen_ai.client.token.usage"}, {"service.name", "chat"}}, 1, 1);
    ASSERT_TRUE(app->Commit().ok());
  }

  std::vector<std::string> Codes(std::vector<LabelMatcher> ms) {
    ms.insert(ms.begin(), LabelMatcher::Equal("__name__", "http_requests_total"));
    std::vector<std::string> codes;
    for (const auto& [name, samples] : ReadAll(*engine_, ms)) {
      const auto pos = name.find("code=\"");
      codes.push_back(name.substr(pos + 6, 3));
    }
    return codes;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(MatcherTest, EqualAndNotEqual) {
  EXPECT_EQ(Codes({LabelMatcher::Equal("code", "500")}), (std::vector<std::string>{"500"}));
  EXPECT_EQ(Codes({LabelMatcher::NotEqual("code", "500")}),
            (std::vector<std::string>{"200", "404", "503"}));
}

TEST_F(MatcherTest, RegexIsFullyAnchored) {
  EXPECT_EQ(Codes({LabelMatcher::Regex("code", "5..")}), (std::vector<std::string>{"500", "503"}));
  EXPECT_EQ(Codes({LabelMatcher::Regex("code", "5")}), std::vector<std::string>{});
  EXPECT_EQ(Codes({LabelMatcher::Regex("code", "50")}), std::vector<std::string>{});
  EXPECT_EQ(Codes({LabelMatcher::NotRegex("code", "5..|404")}), (std::vector<std::string>{"200"}));
}

TEST_F(MatcherTest, EmptyValueMatchersMatchAbsentLabels) {
  // {env=""} selects series without env; {env!=""} those with it.
  EXPECT_EQ(Codes({LabelMatcher::Equal("env", "")}), (std::vector<std::string>{"503"}));
  EXPECT_EQ(Codes({LabelMatcher::NotEqual("env", "")}),
            (std::vector<std::string>{"200", "404", "500"}));
  EXPECT_EQ(Codes({LabelMatcher::Regex("env", "prod|")}),
            (std::vector<std::string>{"200", "500", "503"}));
  EXPECT_EQ(Codes({LabelMatcher::Regex("env", ".+")}),
            (std::vector<std::string>{"200", "404", "500"}));
  EXPECT_EQ(Codes({LabelMatcher::NotRegex("env", ".*")}), std::vector<std::string>{});
  EXPECT_EQ(Codes({LabelMatcher::Regex("nonexistent", ".*")}),
            (std::vector<std::string>{"200", "404", "500", "503"}));
}

TEST_F(MatcherTest, Utf8NamesWork) {
  auto all = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "gen_ai.client.token.usage"),
                                LabelMatcher::Equal("service.name", "chat")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first, "{\"gen_ai.client.token.usage\", \"service.name\"=\"chat\"}");
}

TEST_F(MatcherTest, SelectorMatchingOnlyEmptyIsRejected) {
  auto set = engine_->Select({LabelMatcher::Equal("env", "")}, INT64_MIN, INT64_MAX);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MatcherTest, InvalidRegexIsInvalidArgumentNamingIt) {
  auto set = engine_->Select({LabelMatcher::Regex("code", "5(")}, INT64_MIN, INT64_MAX);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(set.status().message().find("5("), std::string::npos);
}

TEST(CompiledMatcher, DotMatchesNewline) {
  auto m = storage::CompiledMatcher::Compile(LabelMatcher::Regex("a", "x.y"));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Matches("x\ny"));
}

}  // namespace
}  // namespace tidemark
