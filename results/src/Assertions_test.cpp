#include "twinbench/results/Assertions.hpp"

#include <gtest/gtest.h>

namespace twinbench::results {
namespace {

const nlohmann::ordered_json kSummary = nlohmann::ordered_json::parse(
    R"({"scenario": "x", "messages": {"delivery_ratio": 0.97, "received": 10}, "latency_ms": {"p99": 120.5}, "detection": {"recall": null},
        "trace_hash": "ab"})");

TEST(Assertions, BoundsPassAndFail) {
  const auto r = check_assertions(kSummary, {{"/messages/delivery_ratio", 0.99, std::nullopt},
                                             {"/latency_ms/p99", std::nullopt, 200.0},
                                             {"/messages/received", 10.0, 10.0},
                                             {"/nope", 0.0, std::nullopt}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_EQ(r[0].message, "/messages/delivery_ratio = 0.97, expected >= 0.99");
  EXPECT_TRUE(r[1].passed);
  EXPECT_TRUE(r[2].passed);
  EXPECT_FALSE(r[3].passed);
  EXPECT_FALSE(r[3].value.has_value());
  EXPECT_EQ(r[3].message, "/nope is not a KPI of summary.json");
}

TEST(Assertions, KpiPathsListNumericAndNullLeaves) {
  EXPECT_EQ(kpi_paths(kSummary), (std::vector<std::string>{"/messages/delivery_ratio", "/messages/received", "/latency_ms/p99", "/detection/recall"}));
}

TEST(Assertions, ANullKpiFailsAndSaysWhy) {
  const auto r = check_assertions(kSummary, {{"/detection/recall", 0.9, std::nullopt}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_EQ(r[0].message, "/detection/recall is null: nothing to measure (expected >= 0.9)");
}

TEST(Assertions, GatesOverSeedsAreListedNotEvaluatedInOneRun) {
  const auto r = check_assertions(kSummary, {{"/messages/delivery_ratio", 0.99, std::nullopt, "mean_ci_low"}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].passed);
  EXPECT_FALSE(r[0].evaluated);
  const std::string xml = junit_xml("s", r, 1);
  EXPECT_NE(xml.find("<skipped message="), std::string::npos) << xml;
}

TEST(Assertions, JunitReportsEachAssertionAndEscapes) {
  const auto r = check_assertions(kSummary, {{"/messages/delivery_ratio", 0.99, std::nullopt}, {"/latency_ms/p99", std::nullopt, 200.0}});
  const std::string xml = junit_xml("a<b", r, 1.5);
  EXPECT_NE(xml.find("<testsuite name=\"twinbench.a&lt;b\" tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"/messages/delivery_ratio = 0.97, expected &gt;= 0.99\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"/latency_ms/p99 &lt;= 200\">"), std::string::npos) << xml;
  // The measured value and the bound travel with each case, for dashboards that trend them.
  EXPECT_NE(xml.find("<property name=\"value\" value=\"120.5\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"max\" value=\"200\"/>"), std::string::npos) << xml;
}

}  // namespace
}  // namespace twinbench::results
