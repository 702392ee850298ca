// A twin's telemetry binding against the shipped Compressor Interface (models/dtdl): the record order is the
// Telemetry's names in order, each bound channel's rule follows its DTDL schema, and a model's channels are
// found where the binding puts them. Worked out by hand from models/dtdl/Compressor.json and the compressor
// class's channels (motor_current_a, discharge_pressure_bar, discharge_temp_c, vibration_rms_mm_s, power_kw, duty_cycle).
#include "twinbench/runtime/TelemetryBinding.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "twinbench/twins/Asset.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::runtime {
namespace {

using nlohmann::json;
constexpr const char* kCompressor = "dtmi:twinbench:Compressor;1";

class TelemetryBindingTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    models_ = new twins::dtdl::ModelSet();
    models_->add_path(TWINBENCH_MODELS_DIR);
    models_->resolve();
    ASSERT_TRUE(models_->ok());
  }
  static void TearDownTestSuite() { delete models_; }
  static twins::dtdl::ModelSet* models_;
  const twins::AssetDescriptor& compressor = twins::find_asset_class("compressor")->descriptor;

  std::vector<TelemetryBinding> read(const json& j) {
    return read_telemetry_binding(core::JsonObject(j, "/twin/telemetry_binding", "edge.json"), *models_, kCompressor, compressor);
  }
  std::string error(const json& j) {
    try {
      read(j);
    } catch (const core::InputError& e) {
      return e.what();
    }
    return "";
  }
};
twins::dtdl::ModelSet* TelemetryBindingTest::models_ = nullptr;

TEST_F(TelemetryBindingTest, RecordsCarryTheTelemetryInNameOrderAndThePositionsFollow) {
  const auto b = read({{"vibrationRms", "vibration_rms_mm_s"}, {"motor/current", "motor_current_a"}, {"dischargePressure", "discharge_pressure_bar"}});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].telemetry, "dischargePressure");
  EXPECT_EQ(b[0].physics, 1);  // discharge_pressure_bar is the class's second channel
  EXPECT_EQ(b[1].telemetry, "motor/current");  // a Component's Telemetry
  EXPECT_EQ(b[1].physics, 0);
  EXPECT_EQ(b[2].telemetry, "vibrationRms");
  EXPECT_EQ(b[2].physics, 3);
  for (const auto& c : b) EXPECT_FALSE(c.rule.integral) << c.telemetry;  // all double: any number
  std::string missing;
  // A model reading current then vibration finds them at record positions 1 and 2.
  EXPECT_EQ(record_positions({"motor_current_a", "vibration_rms_mm_s"}, compressor, b, missing), (std::vector<std::uint16_t>{1, 2}));
  // Power is not sent: named, and no positions.
  EXPECT_TRUE(record_positions({"motor_current_a", "power_kw"}, compressor, b, missing).empty());
  EXPECT_EQ(missing, "power_kw");
  // Without a binding devices send every channel in the class's order.
  EXPECT_EQ(record_positions({"duty_cycle", "motor_current_a"}, compressor, {}, missing), (std::vector<std::uint16_t>{5, 0}));
}

TEST_F(TelemetryBindingTest, BadBindingsAreRefusedAtTheirPath) {
  EXPECT_NE(error({{"flowRate", "power_kw"}}).find("/twin/telemetry_binding/flowRate: no Telemetry 'flowRate' in dtmi:twinbench:Compressor;1"), std::string::npos)
      << error({{"flowRate", "power_kw"}});
  EXPECT_NE(error({{"power", "pressure"}}).find("the compressor class has no channel 'pressure'"), std::string::npos);
  EXPECT_NE(error({{"power", 3}}).find("expected a channel name of the compressor class"), std::string::npos);
  EXPECT_NE(error({{"serialNumber", "power_kw"}}).find("no Telemetry 'serialNumber'"), std::string::npos);  // a Property, not a Telemetry
}

}  // namespace
}  // namespace twinbench::runtime
