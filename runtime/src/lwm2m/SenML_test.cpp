#include "twinbench/runtime/lwm2m/SenML.hpp"

#include <gtest/gtest.h>

namespace twinbench::runtime::senml {
namespace {

std::vector<Record> ok(std::string_view json) {
  std::string error;
  auto r = parse_json(json, error);
  EXPECT_TRUE(r) << error;
  return r ? *r : std::vector<Record>{};
}

std::string bad(std::string_view json) {
  std::string error;
  EXPECT_FALSE(parse_json(json, error)) << json;
  return error;
}

TEST(SenML, ResolvesBaseFieldsAsRfc8428Section5Example) {
  // RFC 8428 5.1.2 style: base name, base time, base unit carry to every record.
  const auto r = ok(R"([{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"%RH","v":20},
                        {"u":"lon","v":24.30621},{"u":"lat","v":60.07965},{"t":60,"v":20.3},
                        {"n":"sw","vb":true},{"n":"msg","vs":"hi"},{"n":"e","s":5,"bs":1}])");
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0].name, "urn:dev:ow:10e2073a01080063:");
  EXPECT_EQ(r[0].unit, "%RH");
  EXPECT_EQ(r[0].kind, Kind::number);
  EXPECT_DOUBLE_EQ(r[0].number, 20);
  EXPECT_DOUBLE_EQ(r[0].time_s, 1.320067464e+09);
  EXPECT_EQ(r[1].unit, "lon");
  EXPECT_DOUBLE_EQ(r[3].time_s, 1.320067464e+09 + 60);
  EXPECT_EQ(r[4].name, "urn:dev:ow:10e2073a01080063:sw");
  EXPECT_EQ(r[4].kind, Kind::boolean);
  EXPECT_TRUE(r[4].boolean);
  EXPECT_EQ(r[5].kind, Kind::text);
  EXPECT_EQ(r[5].text, "hi");
  ASSERT_TRUE(r[6].sum);
  EXPECT_DOUBLE_EQ(*r[6].sum, 6);
  EXPECT_EQ(r[6].kind, Kind::none);
}

TEST(SenML, ReadsLwm2mPathsBaseValuesAndRelativeTimes) {
  const auto r = ok(R"([{"bn":"/3303/0/","n":"5700","v":21.5,"t":-5},{"n":"5701","vs":"Cel"},
                        {"bn":"/3316/0/","bv":200,"n":"5700","v":30.25}])");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].name, "/3303/0/5700");
  EXPECT_DOUBLE_EQ(r[0].time_s, -5);  // relative: 5 s before it arrived
  EXPECT_LT(r[0].time_s, kRelativeTime);
  EXPECT_EQ(r[1].text, "Cel");
  EXPECT_EQ(r[2].name, "/3316/0/5700");
  EXPECT_DOUBLE_EQ(r[2].number, 230.25);
}

TEST(SenML, RejectsMalformedPacksWithThePath) {
  EXPECT_EQ(bad("{"), "/: not JSON");
  EXPECT_EQ(bad(R"({"n":"a","v":1})"), "/: expected an array of SenML records");
  EXPECT_EQ(bad(R"([{"n":"a","v":1}, 3])"), "/1: expected an object (a SenML record)");
  EXPECT_EQ(bad(R"([{"n":"a","v":"1"}])"), "/0/v: expected a number");
  EXPECT_EQ(bad(R"([{"n":"a","vb":1}])"), "/0/vb: expected true or false");
  EXPECT_EQ(bad(R"([{"n":"a","v":1,"vs":"x"}])"), "/0: more than one value field (v, vs, vb, vd)");
  EXPECT_EQ(bad(R"([{"v":1}])"), "/0/n: the resolved name is empty or has a character SenML does not allow");
  EXPECT_EQ(bad(R"([{"n":"a b","v":1}])"), "/0/n: the resolved name is empty or has a character SenML does not allow");
  EXPECT_EQ(bad(R"([{"n":"-a","v":1}])"), "/0/n: the resolved name is empty or has a character SenML does not allow");
  EXPECT_EQ(bad(R"([{"n":"a","v":1,"new_":2}])"), "/0/new_: a must-understand field this reader does not know");
  EXPECT_EQ(bad(R"([{"bver":11,"n":"a","v":1}])"), "/0/bver: unsupported SenML version (this reader knows up to 10)");
  EXPECT_EQ(bad(R"([{"n":"a","bn":5}])"), "/0/bn: expected a string");
  EXPECT_EQ(bad(R"([{"n":"a","v":1e999}])"), "/: not JSON");        // beyond double: refused, not thrown
  EXPECT_EQ(bad(R"([{"n":"a","v":1,"v":2}])"), "/0: more than one value field (v, vs, vb, vd)");  // a repeated label
  EXPECT_EQ(bad(R"([{"n":"a","v":1}] x)"), "/: not JSON");          // a syntax error after a good pack
  EXPECT_EQ(bad(R"({"n":"a"} x)"), "/: not JSON");                  // ... beats what was wrong before it
  // An unknown field without the underscore is an extension: ignored.
  EXPECT_EQ(ok(R"([{"n":"a","v":1,"extra":{"x":1}}])").size(), 1u);
}

TEST(SenML, EncodesWithABaseNameAndTimeThatParseBack) {
  std::vector<Record> in(2);
  in[0].name = "/3303/0/5700";
  in[0].kind = Kind::number;
  in[0].number = 21.5;
  in[0].time_s = 1.7e9;
  in[1].name = "/3303/0/5701";
  in[1].kind = Kind::text;
  in[1].text = "Cel";
  in[1].time_s = 1.7e9;
  const std::string json = encode_json(in, "/3303/0/", 1.7e9);
  EXPECT_EQ(json, R"([{"bn":"/3303/0/","bt":1700000000.0,"n":"5700","v":21.5},{"n":"5701","vs":"Cel"}])");
  const auto back = ok(json);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, in[0].name);
  EXPECT_DOUBLE_EQ(back[0].number, 21.5);
  EXPECT_DOUBLE_EQ(back[1].time_s, 1.7e9);
  EXPECT_EQ(back[1].text, "Cel");
}

}  // namespace
}  // namespace twinbench::runtime::senml
