// Value, timestamp and parameter encodings of the Prometheus API, without a server.
#include "server/prom_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "server/api_response.h"
#include "server/prom_api.h"
#include "util/utf8.h"

namespace tidemark::server {
namespace {

TEST(PromJson, SampleValuesAsPrometheusWritesThem) {
  EXPECT_EQ(FormatSampleValue(1), "1");
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(-2.5), "-2.5");
  EXPECT_EQ(FormatSampleValue(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatSampleValue(1.5e-7), "0.00000015");
  // Go pads the shortest digits with zeros; the exact binary value would be
  // 99999999999999991611392.
  EXPECT_EQ(FormatSampleValue(1e23), "100000000000000000000000");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(PromJson, TimestampsAsFloatSeconds) {
  auto ts = [](int64_t ms) {
    std::string s;
    AppendJsonTimestamp(&s, ms);
    return s;
  };
  EXPECT_EQ(ts(1435781451781), "1435781451.781");
  EXPECT_EQ(ts(1000), "1");
  EXPECT_EQ(ts(1500), "1.5");
  EXPECT_EQ(ts(1050), "1.05");
  EXPECT_EQ(ts(0), "0");
  EXPECT_EQ(ts(-1500), "-1.5");
}

TEST(PromJson, StringsAreEscapedAndInvalidUtf8Replaced) {
  std::string s;
  AppendJsonString(&s,
                   "a\"b\\c\n\x01\xff"
                   "é");
  EXPECT_EQ(s,
            "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD"
            "é\"");
  EXPECT_TRUE(util::IsValidUtf8("gen_ai.client.token.usage é"));
  EXPECT_FALSE(util::IsValidUtf8("\xc3"));
}

// What a streamed body's connection receives, in the pieces it was given.
class CollectingWriter : public BodyWriter {
 public:
  bool Write(std::string_view data) override {
    body += data;
    ++writes;
    return writes < stop_after;
  }
  std::string body;
  int writes = 0;
  int stop_after = 1 << 30;
};

TEST(PromApiResponse, AStreamedAnswerIsTheWholeAnswerInPieces) {
  // 100,000 items of about 20 bytes: about 2 MB, so about 30 pieces of 64 KiB.
  const DataEncoder encode = [](std::string* out, const std::function<bool(std::string*)>& flush) {
    out->push_back('[');
    for (int i = 0; i < 100'000; ++i) {
      if (i) out->push_back(',');
      *out += "{\"item\":" + std::to_string(i) + "}";
      if (!flush(out)) return;
    }
    out->push_back(']');
  };
  const HttpResponse whole = SuccessOf(false, encode, {"a warning"}, {"an info"});
  EXPECT_FALSE(whole.stream);
  EXPECT_EQ(whole.content_type, "application/json");
  HttpResponse streamed = SuccessOf(true, encode, {"a warning"}, {"an info"});
  ASSERT_TRUE(streamed.stream);
  EXPECT_TRUE(streamed.body.empty());
  CollectingWriter writer;
  streamed.stream(writer);
  EXPECT_EQ(writer.body, whole.body);
  EXPECT_GT(writer.writes, 20);
  EXPECT_TRUE(whole.body.ends_with("],\"warnings\":[\"a warning\"],\"infos\":[\"an info\"]}"));
  // A connection that goes away stops the encoding at the next piece.
  CollectingWriter gone;
  gone.stop_after = 3;
  streamed.stream(gone);
  EXPECT_EQ(gone.writes, 3);
  EXPECT_LT(gone.body.size(), whole.body.size() / 5);
}

TEST(PromApiParams, TimesInSecondsOrRfc3339) {
  EXPECT_EQ(*ParseApiTime("1435781451.781"), 1435781451781);
  EXPECT_EQ(*ParseApiTime("1435781451"), 1435781451000);
  EXPECT_EQ(*ParseApiTime("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(*ParseApiTime("2015-07-01T22:10:51.781+02:00"), 1435781451781);
  EXPECT_EQ(*ParseApiTime("-1.5"), -1500);
  auto bad = ParseApiTime("2015-07-01");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"2015-07-01\" to a valid timestamp");
  EXPECT_FALSE(ParseApiTime("").ok());
  EXPECT_FALSE(ParseApiTime("NaN").ok());
  EXPECT_FALSE(ParseApiTime("9e15").ok());  // past Prometheus' maximum time
  EXPECT_EQ(*ParseApiTime("-292273086-05-16T16:47:06Z"), -9223309901257974);  // clients' "no start"
}

TEST(PromApiParams, DurationsInSecondsOrPrometheusUnits) {
  EXPECT_EQ(*ParseApiDuration("15"), 15000);
  EXPECT_EQ(*ParseApiDuration("0.5"), 500);
  EXPECT_EQ(*ParseApiDuration("1m30s"), 90000);
  EXPECT_EQ(*ParseApiDuration("2h"), 7'200'000);
  auto bad = ParseApiDuration("fast");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"fast\" to a valid duration");
}

TEST(PromApiParams, FormValuesFromQueryAndBody) {
  HttpRequest r;
  r.method = "POST";
  r.query = "match[]=up&time=5";
  r.body = "query=sum%28x%29+%2B+1&match[]=%7Bjob%3D%22a%22%7D";
  r.headers["content-type"] = "application/x-www-form-urlencoded";
  auto form = FormValues::Parse(r);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->Get("query"), "sum(x) + 1");
  EXPECT_EQ(form->All("match[]"), (std::vector<std::string>{"{job=\"a\"}", "up"}));
  EXPECT_EQ(form->Get("time"), "5");
  r.query = "query=%zz";
  EXPECT_FALSE(FormValues::Parse(r).ok());
}

}  // namespace
}  // namespace tidemark::server
