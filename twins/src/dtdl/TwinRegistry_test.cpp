#include "twinbench/twins/dtdl/TwinRegistry.hpp"

#include <gtest/gtest.h>

namespace twinbench::twins::dtdl {
namespace {

using nlohmann::json;

class TwinRegistryTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    models_ = new ModelSet();
    models_->add_path(TWINBENCH_MODELS_DIR);
    models_->resolve();
    ASSERT_TRUE(models_->ok()) << models_->diagnostics()[0].str();
  }
  static void TearDownTestSuite() { delete models_; }
  void SetUp() override {
    registry_ = std::make_unique<TwinRegistry>(*models_);
    c_ = registry_->create("plant-a/gw-0/d7", "dtmi:twinbench:Compressor;1");
    ASSERT_NE(c_, nullptr);
  }
  static ModelSet* models_;
  std::unique_ptr<TwinRegistry> registry_;
  Twin* c_ = nullptr;
};
ModelSet* TwinRegistryTest::models_ = nullptr;

TEST_F(TwinRegistryTest, CreateChecksTheInterfaceAndTheId) {
  std::string error;
  EXPECT_EQ(registry_->create("x", "dtmi:twinbench:Toaster;1", &error), nullptr);
  EXPECT_EQ(error, "no Interface 'dtmi:twinbench:Toaster;1' in the model set");
  EXPECT_EQ(registry_->create("plant-a/gw-0/d7", "dtmi:twinbench:Compressor;1", &error), nullptr);
  EXPECT_EQ(error, "a twin named 'plant-a/gw-0/d7' exists already");
  EXPECT_EQ(registry_->find("plant-a/gw-0/d7"), c_);
  EXPECT_EQ(registry_->size(), 1u);
}

TEST_F(TwinRegistryTest, TelemetryIsValidatedAgainstTheModel) {
  EXPECT_TRUE(c_->telemetry("", "dischargePressure", 7.4).ok());
  const auto bad = c_->telemetry("", "dischargePressure", "high");
  EXPECT_EQ(bad.refusal, Refusal::invalid_value);
  EXPECT_EQ(bad.detail, "/dischargePressure: expected a double, got \"high\"");
  EXPECT_EQ(c_->telemetry("", "oilLevel", 1.0).refusal, Refusal::unknown_element);
  EXPECT_EQ(c_->telemetry("", "serialNumber", "x").refusal, Refusal::wrong_kind);
}

TEST_F(TwinRegistryTest, ComponentsAreExpanded) {
  EXPECT_TRUE(c_->telemetry("motor", "current", 55.2).ok());
  EXPECT_TRUE(c_->report("motor", "ratedCurrent", 62).ok());
  const auto r = c_->telemetry("pump", "current", 1.0);
  EXPECT_EQ(r.refusal, Refusal::unknown_component);
  EXPECT_EQ(r.detail, "no Component 'pump' in dtmi:twinbench:Compressor;1");
}

TEST_F(TwinRegistryTest, DesiredAndReportedPropertiesCarryVersionsAndConverge) {
  EXPECT_EQ(c_->desire("", "reportingPeriod", 5.0).version, 1u);
  EXPECT_EQ(c_->desire("", "reportingPeriod", 2.0).version, 2u);
  EXPECT_EQ(c_->pending(), std::vector<std::string>{"/reportingPeriod"});
  EXPECT_EQ(c_->report("", "reportingPeriod", 5.0).version, 1u);
  EXPECT_EQ(c_->pending(), std::vector<std::string>{"/reportingPeriod"});  // reported an older desire
  EXPECT_EQ(c_->report("", "reportingPeriod", 2.0).version, 2u);
  EXPECT_TRUE(c_->pending().empty());
  EXPECT_EQ(c_->reported("", "reportingPeriod")->first, 2.0);
  EXPECT_EQ(c_->desired("", "reportingPeriod")->second, 2u);
  EXPECT_FALSE(c_->reported("", "alertThreshold").has_value());
}

TEST_F(TwinRegistryTest, ReadOnlyPropertiesCannotBeDesired) {
  EXPECT_EQ(c_->desire("", "serialNumber", "SN-1").refusal, Refusal::not_writable);
  EXPECT_TRUE(c_->report("", "serialNumber", "SN-1").ok());
}

TEST_F(TwinRegistryTest, EnumsObjectsMapsAndGeospatial) {
  EXPECT_TRUE(c_->report("cooler", "coolingType", "air").ok());
  EXPECT_EQ(c_->report("cooler", "coolingType", "oil").detail, "cooler/coolingType: \"oil\" is not a value of the Enum (\"air\", \"water\")");
  Twin* gw = registry_->create("plant-a/gw-0", "dtmi:twinbench:Gateway;1");
  ASSERT_NE(gw, nullptr);
  EXPECT_TRUE(gw->desire("", "uplink", {{"forwardIntervalS", 10}, {"bufferBytesMax", 4194304}}).ok());
  EXPECT_EQ(gw->desire("", "uplink", {{"forwardIntervalS", 10}, {"retries", 3}}).detail, "/uplink: unknown field 'retries'");
  EXPECT_EQ(gw->desire("", "uplink", {{"forwardIntervalS", "ten"}}).detail, "/uplink: /forwardIntervalS: expected a double, got \"ten\"");
  Twin* site = registry_->create("plant-a", "dtmi:twinbench:Site;1");
  ASSERT_NE(site, nullptr);
  EXPECT_TRUE(site->report("", "assetCounts", {{"compressor", 100}, {"dryer", 4}}).ok());
  EXPECT_EQ(site->report("", "assetCounts", {{"compressor", 1.5}}).detail, "/assetCounts: /compressor: expected an integer, got 1.5");
  EXPECT_TRUE(site->report("", "location", {{"type", "Point"}, {"coordinates", {8.54, 47.37}}}).ok());
  EXPECT_EQ(site->report("", "location", {{"type", "Point"}, {"coordinates", {8.54}}}).refusal, Refusal::invalid_value);
}

TEST_F(TwinRegistryTest, RefusalsAreCountedAndNeverChangeState) {
  c_->report("", "serialNumber", "SN-1");
  c_->report("", "serialNumber", 42);
  c_->telemetry("", "nope", 1);
  c_->telemetry("", "nope", 2);
  EXPECT_EQ(c_->reported("", "serialNumber")->first, "SN-1");
  EXPECT_EQ(c_->refused().at(Refusal::invalid_value), 1u);
  EXPECT_EQ(c_->refused().at(Refusal::unknown_element), 2u);
}

TEST_F(TwinRegistryTest, CommandRequestsAndResponsesAreValidated) {
  EXPECT_TRUE(c_->command_request("", "setReportingPeriod", 30.0).ok());
  EXPECT_TRUE(c_->command_response("", "setReportingPeriod", true).ok());
  EXPECT_EQ(c_->command_request("", "setReportingPeriod", "fast").detail,
            "/setReportingPeriod request: expected a double, got \"fast\"");
  EXPECT_EQ(c_->command_request("", "setReportingPeriod", nullptr).detail, "/setReportingPeriod: missing request 'periodS'");
  EXPECT_EQ(c_->command_response("", "setReportingPeriod", 1).refusal, Refusal::invalid_value);
  EXPECT_EQ(c_->command_request("", "reportingPeriod", 30.0).refusal, Refusal::wrong_kind);
  EXPECT_EQ(c_->command_request("", "reboot", nullptr).refusal, Refusal::unknown_element);
  EXPECT_EQ(c_->command_request("pump", "reboot", nullptr).refusal, Refusal::unknown_component);
  const Located l = locate(*models_, c_->model(), "cooler", "fanOverride");
  ASSERT_NE(l.element, nullptr);
  EXPECT_TRUE(l.element->writable);
  EXPECT_EQ(l.iface->info.id, "dtmi:twinbench:Cooler;1");
}

TEST(DtdlValues, PrimitiveFormats) {
  const Interface none;
  auto check = [&](const char* primitive, const json& v) {
    Schema s;
    s.kind = SchemaKind::primitive;
    s.primitive = primitive;
    return !validate_value(s, v, none).has_value();
  };
  EXPECT_TRUE(check("integer", 2147483647));
  EXPECT_FALSE(check("integer", 2147483648LL));
  EXPECT_TRUE(check("long", 2147483648LL));
  EXPECT_FALSE(check("long", 18446744073709551615ULL));
  EXPECT_FALSE(check("integer", 1.5));
  EXPECT_TRUE(check("float", 3.4e38));
  EXPECT_FALSE(check("float", 3.5e38));
  EXPECT_TRUE(check("boolean", true));
  EXPECT_FALSE(check("boolean", 1));
  EXPECT_TRUE(check("date", "2026-11-24"));
  EXPECT_FALSE(check("date", "2026-13-01"));
  EXPECT_TRUE(check("dateTime", "2026-11-24T23:59:60.5Z"));
  EXPECT_TRUE(check("dateTime", "2026-11-24T08:00:00+01:00"));
  EXPECT_FALSE(check("dateTime", "2026-11-24 08:00:00"));
  EXPECT_TRUE(check("time", "08:15:00"));
  EXPECT_FALSE(check("time", "25:00:00"));
  EXPECT_TRUE(check("duration", "P1DT2H30M"));
  EXPECT_TRUE(check("duration", "PT0.5S"));
  EXPECT_FALSE(check("duration", "P"));
  EXPECT_FALSE(check("duration", "P1DT"));
  EXPECT_TRUE(check("lineString", {{"type", "LineString"}, {"coordinates", {{0, 0}, {1, 1}}}}));
  EXPECT_FALSE(check("polygon", {{"type", "Polygon"}, {"coordinates", {{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}}));  // ring not closed
  EXPECT_TRUE(check("polygon", {{"type", "Polygon"}, {"coordinates", {{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}}));
}

}  // namespace
}  // namespace twinbench::twins::dtdl
