#include "util/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace tidemark::util {
namespace {

TEST(Utf8, ValidityFollowsGo) {
  for (std::string_view ok : {"", "job", "é", "中", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
                              "\uFFFD", "an ASCII prefix longer than eight bytes, then é"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (std::string_view bad :
       {"\xff", "\xc3", "a\x80", "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xf8\x88\x80\x80\x80", "an ASCII prefix longer than eight bytes, then \xe9"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(Utf8, DecodesRunesAsGoDecodeRuneInString) {
  size_t width = 9;
  EXPECT_EQ(DecodeUtf8Rune("a", 0, &width), U'a');
  EXPECT_EQ(width, 1u);
  EXPECT_EQ(DecodeUtf8Rune("xé", 1, &width), U'é');
  EXPECT_EQ(width, 2u);
  EXPECT_EQ(DecodeUtf8Rune("\xf0\x9f\x98\x80", 0, &width), U'\U0001F600');
  EXPECT_EQ(width, 4u);
  EXPECT_EQ(DecodeUtf8Rune("\uFFFD", 0, &width), kRuneError);  // the real U+FFFD
  EXPECT_EQ(width, 3u);
  for (std::string_view bad : {"\xff", "\xc3", "\xc0\x80", "\xed\xa0\x80", "\x80"}) {
    EXPECT_EQ(DecodeUtf8Rune(bad, 0, &width), kRuneError) << bad;
    EXPECT_EQ(width, 1u) << bad;
  }
  EXPECT_EQ(DecodeUtf8Rune("ab", 2, &width), kRuneError);
  EXPECT_EQ(width, 0u);
}

TEST(Utf8, CountsRunesAsGoRuneCountInString) {
  EXPECT_EQ(Utf8RuneCount(""), 0u);
  EXPECT_EQ(Utf8RuneCount("héllo"), 5u);
  EXPECT_EQ(Utf8RuneCount("中\xf0\x9f\x98\x80"), 2u);
  EXPECT_EQ(Utf8RuneCount("\xff\x80"
                          "a"),
            3u);  // each invalid byte is one rune
  EXPECT_EQ(Utf8RuneCount("\xe2\x82"), 2u);
}

TEST(Utf8, AppendsCodePoints) {
  std::string out;
  for (char32_t r : {U'a', U'é', U'中', U'\U0001F600'}) AppendUtf8(&out, r);
  EXPECT_EQ(out, "aé中\xf0\x9f\x98\x80");
}

TEST(Utf8, TruncatesWithoutSplittingASequence) {
  std::string s = "héllo";
  TruncateUtf8(&s, 2);  // would split the é
  EXPECT_EQ(s, "h");
  s = "héllo";
  TruncateUtf8(&s, 3);
  EXPECT_EQ(s, "hé");
  s = "short";
  TruncateUtf8(&s, 10);
  EXPECT_EQ(s, "short");
}

TEST(Utf8, AbbreviatesLongTextAtACharacterBoundary) {
  EXPECT_EQ(Abbreviate("short", 10), "short");
  EXPECT_EQ(Abbreviate("héllo", 2), "h...(6 bytes)");
  EXPECT_EQ(Abbreviate("abcdef", 3), "abc...(6 bytes)");
}

}  // namespace
}  // namespace tidemark::util
