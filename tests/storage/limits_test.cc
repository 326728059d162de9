#include <gtest/gtest.h>

#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::TempDir;
using testing::TestOptions;

CommitReport CommitOne(Engine& engine, const Labels& labels) {
  auto app = engine.NewAppender();
  app->Add(labels, 1, 1);
  auto r = app->Commit();
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : CommitReport{};
}

TEST(Limits, EachLimitRejectsWithItsName) {
  TempDir dir;
  Options o = TestOptions();
  o.limits.max_active_series = 2;
  o.limits.max_labels_per_series = 3;
  o.limits.max_label_name_bytes = 8;
  o.limits.max_label_value_bytes = 8;
  o.limits.max_samples_per_commit = 5;
  auto engine = std::move(Engine::Open(o, dir.path())).value();

  auto r = CommitOne(*engine, Labels{{"__name__", "a"}, {"b", "1"}, {"c", "1"}, {"d", "1"}});
  EXPECT_EQ(r.rejected_by_reason[static_cast<int>(RejectReason::kLimitExceeded)], 1u);
  EXPECT_NE(r.first_rejections[0].find("max_labels_per_series=3"), std::string::npos)
      << r.first_rejections[0];

  r = CommitOne(*engine, Labels{{"__name__", "a"}, {"very_long_name", "1"}});
  EXPECT_EQ(r.rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)], 1u);
  EXPECT_NE(r.first_rejections[0].find("max_label_name_bytes=8"), std::string::npos);

  r = CommitOne(*engine, Labels{{"__name__", "a"}, {"b", "123456789"}});
  EXPECT_NE(r.first_rejections[0].find("max_label_value_bytes=8"), std::string::npos);

  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "s1"}}).accepted, 1u);
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "s2"}}).accepted, 1u);
  r = CommitOne(*engine, Labels{{"__name__", "s3"}});
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_NE(r.first_rejections[0].find("max_active_series=2"), std::string::npos);
  // Existing series still take samples at the series limit.
  auto app = engine->NewAppender();
  app->Add(Labels{{"__name__", "s1"}}, 2, 1);
  EXPECT_EQ(app->Commit()->accepted, 1u);

  for (int i = 0; i < 6; ++i) app->Add(Labels{{"__name__", "s1"}}, 10 + i, 1);
  auto big = app->Commit();
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("max_samples_per_commit=5"), std::string::npos);
}

TEST(Limits, InvalidLabelsAreRejected) {
  TempDir dir;
  auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
  EXPECT_EQ(CommitOne(*engine, Labels{})
                .rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)],
            1u);
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "a"}, {"x", "\xff\xfe"}})
                .rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)],
            1u);
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "a"}, {"x", "1"}, {"x", "2"}})
                .rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)],
            1u);
  // Empty values mean "absent": the label is dropped, not rejected.
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "a"}, {"x", ""}}).accepted, 1u);
  EXPECT_EQ(engine->Stats().samples_rejected[static_cast<int>(RejectReason::kInvalidLabels)], 3u);
}

}  // namespace
}  // namespace tidemark
