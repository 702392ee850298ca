#include "twinbench/twins/dtdl/Dtmi.hpp"

#include <gtest/gtest.h>

namespace twinbench::twins::dtdl {
namespace {

TEST(Dtmi, AcceptsTheSpecificationsForms) {
  for (const char* ok : {"dtmi:com:example:Thermostat;1", "dtmi:com:example:Thermostat", "dtmi:com:example:Thermostat;1.2",
                         "dtmi:foo_bar:baz33:qux;12", "dtmi:a;999999999", "dtmi:a;999999999.999999"})
    EXPECT_EQ(dtmi_error(ok), std::nullopt) << ok;
}

TEST(Dtmi, RejectsBadSyntaxWithTheReason) {
  struct Case { const char* id; const char* reason; };
  for (const Case& c : {Case{"DTMI:com:x;1", "does not start with the scheme 'dtmi:'"},
                        Case{"dtmi:;1", "has an empty path"},
                        Case{"dtmi:com::x;1", "has an empty path segment"},
                        Case{"dtmi:com:9x;1", "has a path segment starting with a digit ('9x')"},
                        Case{"dtmi:com:x_;1", "has a path segment ending with an underscore ('x_')"},
                        Case{"dtmi:com:x-y;1", "has a character other than letters, digits and '_' in segment 'x-y'"}})
    EXPECT_EQ(dtmi_error(c.id).value_or("valid"), c.reason) << c.id;
}

TEST(Dtmi, VersionsFollowTheDigitRules) {
  for (const char* bad : {"dtmi:a;0", "dtmi:a;01", "dtmi:a;1.0", "dtmi:a;1000000000", "dtmi:a;1.1234567", "dtmi:a;", "dtmi:a;1.", "dtmi:a;x"})
    EXPECT_NE(dtmi_error(bad), std::nullopt) << bad;
}

TEST(Dtmi, SystemSegmentsAreForProcessorsOnly) {
  EXPECT_NE(dtmi_error("dtmi:foo_bar:_16:baz33:qux;12"), std::nullopt);
  EXPECT_EQ(dtmi_error("dtmi:foo_bar:_16:baz33:qux;12", false), std::nullopt);
}

TEST(Dtmi, LengthLimits) {
  const std::string long_id = "dtmi:" + std::string(200, 'a') + ";1";
  EXPECT_EQ(dtmi_error(long_id), std::nullopt);
  EXPECT_NE(dtmi_error(long_id, true, kInterfaceDtmiMaxLength), std::nullopt);
}

TEST(Dtmi, ReservedPrefixes) {
  EXPECT_TRUE(dtmi_reserved("dtmi:dtdl:context;3"));
  EXPECT_TRUE(dtmi_reserved("dtmi:standard:schema:geospatial:point;3"));
  EXPECT_FALSE(dtmi_reserved("dtmi:com:example:x;1"));
}

TEST(Dtmi, AutomaticIdentifiersFollowTheSpecificationsExample) {
  EXPECT_EQ(child_dtmi("dtmi:com:example:aTelemetry;1", "schema"), "dtmi:com:example:aTelemetry:_schema;1");
  EXPECT_EQ(child_dtmi("dtmi:com:example:anInterface;1", "contents", "currentDistance"), "dtmi:com:example:anInterface:_contents:__currentDistance;1");
  EXPECT_EQ(child_dtmi(child_dtmi("dtmi:com:example:anInterface;1", "contents", "currentDistance"), "schema"),
            "dtmi:com:example:anInterface:_contents:__currentDistance:_schema;1");
  EXPECT_EQ(child_dtmi("dtmi:x", "schema"), "dtmi:x:_schema");
}

}  // namespace
}  // namespace twinbench::twins::dtdl
