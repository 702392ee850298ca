#include "twinbench/sim/ScenarioLoader.hpp"

#include <unistd.h>  // getpid: scratch folders of their own when two builds test at once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace twinbench::sim {
namespace {

using nlohmann::json;

json minimal() {
  return json::parse(R"({
    "name": "t",
    "duration_s": 60,
    "sites": [{"name": "s", "gateways": 1, "devices_per_gateway": 3, "link": {"preset": "wifi"}}]
  })");
}

/** The message of the ScenarioError that parsing `j` throws, or "" if it parses. */
std::string error_of(const json& j) {
  try {
    parse_scenario(j.dump(), "scenario.json");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioLoader, MinimalScenarioGetsDocumentedDefaults) {
  const Scenario sc = parse_scenario(minimal().dump(), "scenario.json");
  EXPECT_EQ(sc.name, "t");
  EXPECT_EQ(sc.seed, 1u);
  EXPECT_EQ(sc.batch_window_ms, 100);
  ASSERT_EQ(sc.sites.size(), 1u);
  const SiteSpec& s = sc.sites[0];
  EXPECT_EQ(s.device.period_s, 10);
  EXPECT_EQ(s.device.qos, 1);
  EXPECT_EQ(s.link.preset, "wifi");
  EXPECT_EQ(s.link.bandwidth_bps, link_preset("wifi")->bandwidth_bps);
  EXPECT_EQ(sc.device_count(), 3u);
  ASSERT_EQ(sc.gateways().size(), 1u);
  EXPECT_EQ(sc.gateways()[0].name, "s-gw-0");
}

TEST(ScenarioLoader, ReadsOverridesFaultsAndAssertions) {
  json j = minimal();
  j["seed"] = 42;
  j["sites"][0]["link"]["latency_ms"] = 12.5;
  j["sites"][0]["device"] = {{"period_s", 2}, {"qos", 0}};
  j["faults"] = json::parse(R"([
    {"kind": "asset", "at_s": 5, "mode": "valve_leak", "fraction": 0.5, "ramp_s": 100, "site": "s"},
    {"kind": "link_down", "at_s": 10, "duration_s": 3, "link": "wan", "site": "s", "gateway": 0}])");
  j["assertions"] = json::parse(R"([{"kpi": "/latency_ms/p99", "max": 20}])");
  const Scenario sc = parse_scenario(j.dump(), "x.json");
  EXPECT_EQ(sc.seed, 42u);
  EXPECT_EQ(sc.sites[0].link.latency_ms, 12.5);
  EXPECT_EQ(sc.sites[0].device.period_s, 2);
  EXPECT_EQ(sc.sites[0].device.qos, 0);
  ASSERT_EQ(sc.asset_faults.size(), 1u);
  EXPECT_EQ(sc.asset_faults[0].mode, "valve_leak");
  EXPECT_EQ(sc.fault_modes, (std::vector<std::string>{"bearing_wear", "valve_leak", "cooling_fault"}));
  EXPECT_EQ(sc.asset_faults[0].mode_index, 1u);
  EXPECT_EQ(sc.asset_faults[0].site, 0u);
  ASSERT_EQ(sc.link_faults.size(), 1u);
  EXPECT_EQ(sc.link_faults[0].link, LinkKind::wan);
  EXPECT_EQ(sc.link_faults[0].gateway, 0u);
  ASSERT_EQ(sc.assertions.size(), 1u);
  EXPECT_EQ(*sc.assertions[0].max, 20);
}

struct BadCase {
  const char* name;
  std::function<void(json&)> edit;
  const char* message;
};

class ScenarioLoaderErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ScenarioLoaderErrors, NameTheFilePathAndExpectation) {
  json j = minimal();
  GetParam().edit(j);
  EXPECT_EQ(error_of(j), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ScenarioLoaderErrors,
    ::testing::Values(
        BadCase{"negative_count", [](json& j) { j["sites"][0]["devices_per_gateway"] = -5; },
                "scenario.json: /sites/0/devices_per_gateway: expected a positive integer, got -5"},
        BadCase{"fractional_count", [](json& j) { j["sites"][0]["gateways"] = 1.5; },
                "scenario.json: /sites/0/gateways: expected a positive integer, got 1.5"},
        BadCase{"unknown_root_key", [](json& j) { j["duraton_s"] = 5; },
                "scenario.json: /duraton_s: unknown key 'duraton_s' (expected one of: format, name, description, seed, duration_s, "
                "network, sensors, models, sites, faults, twin_operations, rule_changes, economics, assertions, results, hil, lifecycle, security, partners, people)"},
        BadCase{"unknown_nested_key", [](json& j) { j["sites"][0]["link"]["bandwith_bps"] = 5; },
                "scenario.json: /sites/0/link/bandwith_bps: unknown key 'bandwith_bps' (expected one of: preset, bandwidth_bps, latency_ms, "
                "loss_probability, overhead_bytes_per_message, energy_nj_per_bit, energy_nj_per_message, jitter, burst_loss)"},
        BadCase{"burst_and_independent_loss", [](json& j) {
                  j["sites"][0]["link"]["loss_probability"] = 0.01;
                  j["sites"][0]["link"]["burst_loss"] = {{"p_enter_bad", 0.01}, {"p_leave_bad", 0.2}};
                },
                "scenario.json: /sites/0/link/burst_loss: give either \"loss_probability\" (independent losses) or \"burst_loss\", not both"},
        BadCase{"burst_loss_that_never_ends", [](json& j) { j["sites"][0]["link"]["burst_loss"] = {{"p_enter_bad", 0.01}, {"p_leave_bad", 0}}; },
                "scenario.json: /sites/0/link/burst_loss/p_leave_bad: required, above 0: the probability that the bad state ends at a message"},
        BadCase{"jitter_without_median", [](json& j) { j["sites"][0]["link"]["jitter"] = {{"sigma", 0.5}}; },
                "scenario.json: /sites/0/link/jitter: missing required key 'median_ms' (0: no jitter)"},
        BadCase{"wrong_type", [](json& j) { j["duration_s"] = "1h"; }, "scenario.json: /duration_s: expected a positive number, got \"1h\""},
        BadCase{"negative_period", [](json& j) { j["sites"][0]["device"] = {{"period_s", -10}}; },
                "scenario.json: /sites/0/device/period_s: expected a positive number, got -10"},
        BadCase{"unknown_preset", [](json& j) { j["sites"][0]["link"]["preset"] = "wify"; },
                "scenario.json: /sites/0/link/preset: unknown preset 'wify' (expected one of: cellular-4g, ethernet, lorawan, wifi)"},
        BadCase{"missing_key", [](json& j) { j.erase("duration_s"); }, "scenario.json: /: missing required key 'duration_s'"},
        BadCase{"missing_nested_key", [](json& j) { j["sites"][0].erase("link"); }, "scenario.json: /sites/0: missing required key 'link'"},
        BadCase{"not_an_object", [](json& j) { j["sites"][0] = 3; }, "scenario.json: /sites/0: expected an object, got 3"},
        BadCase{"no_sites", [](json& j) { j["sites"] = json::array(); }, "scenario.json: /sites: expected at least one site"},
        BadCase{"duplicate_site", [](json& j) { j["sites"].push_back(j["sites"][0]); }, "scenario.json: /sites/1/name: duplicate site name 's'"},
        BadCase{"bad_name", [](json& j) { j["name"] = "../etc"; },
                "scenario.json: /name: expected a name of letters, digits, '.', '_' or '-' (at most 64), got '../etc'"},
        BadCase{"qos2", [](json& j) { j["sites"][0]["device"] = {{"qos", 2}}; }, "scenario.json: /sites/0/device/qos: expected an integer in [0, 1], got 2"},
        BadCase{"period_beyond_keepalive", [](json& j) { j["sites"][0]["device"] = {{"period_s", 300}}; },
                "scenario.json: /sites/0/device/period_s: expected keepalive_s >= period_s, or keepalive_s 0 (devices do not send PINGREQ "
                "between reports); got period_s 300 with keepalive_s 60"},
        BadCase{"loss_above_one", [](json& j) { j["sites"][0]["link"]["loss_probability"] = 1.5; },
                "scenario.json: /sites/0/link/loss_probability: expected a probability in [0, 1], got 1.5"},
        BadCase{"fault_unknown_site", [](json& j) { j["faults"] = {{{"kind", "link_down"}, {"duration_s", 1}, {"site", "nowhere"}}}; },
                "scenario.json: /faults/0/site: no site named 'nowhere'"},
        BadCase{"fault_gateway_out_of_range", [](json& j) { j["faults"] = {{{"kind", "link_down"}, {"duration_s", 1}, {"site", "s"}, {"gateway", 1}}}; },
                "scenario.json: /faults/0/gateway: expected an integer in [0, 0], got 1"},
        BadCase{"fault_unknown_mode", [](json& j) { j["faults"] = {{{"kind", "asset"}, {"mode", "rust"}, {"fraction", 0.1}, {"ramp_s", 1}}}; },
                "scenario.json: /faults/0/mode: unknown fault mode 'rust' (expected one of: bearing_wear, valve_leak, cooling_fault)"},
        BadCase{"fault_missing_fraction", [](json& j) { j["faults"] = {{{"kind", "asset"}, {"mode", "valve_leak"}, {"ramp_s", 1}}}; },
                "scenario.json: /faults/0: missing required key 'fraction'"},
        BadCase{"fault_unknown_kind", [](json& j) { j["faults"] = {{{"kind", "meteor"}}}; },
                "scenario.json: /faults/0/kind: unknown fault kind 'meteor' (expected one of: asset, link_down, gateway_reboot, partner_down, ambient_shift, "
                "sensor_bias_creep, new_variant)"},
        BadCase{"drift_shift_without_delta", [](json& j) { j["faults"] = {{{"kind", "ambient_shift"}, {"at_s", 10}}}; },
                "scenario.json: /faults/0/delta_c: expected the shift of the ambient temperature in °C (not 0)"},
        BadCase{"drift_creep_unknown_channel",
                [](json& j) { j["faults"] = {{{"kind", "sensor_bias_creep"}, {"channel", "humidity"}, {"per_day", 1}}}; },
                "scenario.json: /faults/0/channel: unknown channel 'humidity' (expected one of: motor_current_a, discharge_pressure_bar, "
                "discharge_temp_c, vibration_rms_mm_s, power_kw, duty_cycle)"},
        BadCase{"lifecycle_unknown_artifact",
                [](json& j) { j["lifecycle"] = {{"rollouts", {{{"artifact", "os"}, {"version", "2"}}}}}; },
                "scenario.json: /lifecycle/rollouts/0/artifact: expected \"firmware\" or \"model\", got 'os'"},
        BadCase{"lifecycle_firmware_without_size",
                [](json& j) { j["lifecycle"] = {{"rollouts", {{{"artifact", "firmware"}, {"version", "2"}}}}}; },
                "scenario.json: /lifecycle/rollouts/0: missing required key 'size_bytes'"},
        BadCase{"lifecycle_canary_over_100",
                [](json& j) {
                  j["lifecycle"] = {{"rollouts", {{{"artifact", "firmware"}, {"version", "2"}, {"size_bytes", 1000}, {"waves", {{"canary_percent", 150}}}}}}};
                },
                "scenario.json: /lifecycle/rollouts/0/waves/canary_percent: expected a percentage in (0, 100]"},
        BadCase{"lifecycle_model_without_edge_ai",
                [](json& j) { j["lifecycle"] = {{"rollouts", {{{"artifact", "model"}, {"model", "m"}}}}}; },
                "scenario.json: /lifecycle/rollouts/0/artifact: no site in scope has \"edge_ai\": there is no model to retrain or roll out"},
        BadCase{"lifecycle_drift_without_edge_ai", [](json& j) { j["lifecycle"] = {{"drift", json::object()}}; },
                "scenario.json: /lifecycle/drift: no site has \"edge_ai\": there is no model whose inputs to watch"},
        BadCase{"lifecycle_bad_reference", [](json& j) { j["lifecycle"] = {{"drift", {{"reference", "yesterday"}}}}; },
                "scenario.json: /lifecycle/drift/reference: expected \"package\" (the model's reference as it is) or \"site_baseline\" (each "
                "gateway's first baseline_s, in the model's bins), got 'yesterday'"},
        BadCase{"lifecycle_retraining_without_drift", [](json& j) { j["lifecycle"] = {{"retraining", json::object()}}; },
                "scenario.json: /lifecycle/retraining/min_gateways: retraining is triggered by drift reports: \"lifecycle\" needs \"drift\" too"},
        BadCase{"assertion_without_bounds", [](json& j) { j["assertions"] = {{{"kpi", "/messages/received"}}}; },
                "scenario.json: /assertions/0/min: an assertion needs \"min\", \"max\" or both"},
        BadCase{"assertion_not_a_pointer", [](json& j) { j["assertions"] = {{{"kpi", "latency"}, {"max", 1}}}; },
                "scenario.json: /assertions/0/kpi: expected a JSON pointer into summary.json such as \"/messages/delivery_ratio\", got 'latency'"},
        BadCase{"security_unknown_attack", [](json& j) { j["security"] = {{"rogue_clients", {{{"attack", "ddos"}, {"site", "s"}}}}}; },
                "scenario.json: /security/rogue_clients/0/attack: expected one of wrong_password, anonymous, fake_rules, read_all, got 'ddos'"},
        BadCase{"partner_bad_name", [](json& j) { j["partners"] = {{{"name", "../cmms"}}}; },
                "scenario.json: /partners/0/name: expected a name of letters, digits, '-' or '_' (at most 64), got '../cmms'"},
        BadCase{"partner_bad_kind", [](json& j) { j["partners"] = {{{"name", "cmms"}, {"kinds", {"alert", "telemetry"}}}}; },
                "scenario.json: /partners/0/kinds/1: expected \"alert\" or \"summary\""},
        BadCase{"partner_down_unknown", [](json& j) {
                  j["partners"] = {{{"name", "cmms"}}};
                  j["faults"] = {{{"kind", "partner_down"}, {"partner", "crm"}, {"at_s", 1}, {"duration_s", 5}}};
                },
                "scenario.json: /faults/0/partner: no partner is named 'crm' (the scenario's \"partners\": cmms)"},
        BadCase{"wrong_format", [](json& j) { j["format"] = "twinbench-scenario/9"; },
                "scenario.json: /format: expected \"twinbench-scenario/1\", got 'twinbench-scenario/9'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ScenarioLoader, PartnersAndTheirOutagesHaveDocumentedDefaults) {
  json j = minimal();
  j["partners"] = {{{"name", "cmms"}}, {{"name", "saas"}, {"kinds", {"summary"}}, {"latency_ms", 80}, {"sla_s", 3600}}};
  j["faults"] = {{{"kind", "partner_down"}, {"partner", "saas"}, {"at_s", 10}, {"duration_s", 20}}};
  const Scenario sc = parse_scenario(j.dump(), "scenario.json");
  ASSERT_EQ(sc.partners.size(), 2u);
  EXPECT_EQ(sc.partners[0].kinds, std::vector<std::string>{"alert"});
  EXPECT_EQ(sc.partners[0].latency_ms, 20);
  EXPECT_EQ(sc.partners[0].timeout_s, 10);
  EXPECT_EQ(sc.partners[0].sla_s, 60);
  EXPECT_EQ(sc.partners[0].queue_bytes, 4u << 20);
  EXPECT_EQ(sc.partners[1].kinds, std::vector<std::string>{"summary"});
  ASSERT_EQ(sc.partner_outages.size(), 1u);
  EXPECT_EQ(sc.partner_outages[0].partner, 1u);
  EXPECT_EQ(sc.partner_outages[0].status, 503);
}

TEST(ScenarioLoader, MalformedJsonReportsLineAndColumn) {
  try {
    parse_scenario("{\n  \"name\": \"t\",\n  \"duration_s\": ,\n}", "bad.json");
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()), "bad.json:3:17: malformed JSON: syntax error while parsing value - unexpected ','; expected '[', '{', or a literal");
  }
}

TEST(ScenarioLoader, LoadsAFolderOrAFileAndReportsMissingOnes) {
  const auto dir = std::filesystem::temp_directory_path() / ("twinbench-loader-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "scenario.json") << minimal().dump();
  EXPECT_EQ(load_scenario(dir.string()).name, "t");
  EXPECT_EQ(load_scenario((dir / "scenario.json").string()).file, (dir / "scenario.json").string());
  try {
    load_scenario((dir / "nope.json").string());
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "nope.json").string() + ": cannot read scenario: no such file");
  }
  std::filesystem::remove_all(dir);
}

TEST(ScenarioLoader, PresetsAreListedSorted) {
  EXPECT_EQ(link_preset_names(), (std::vector<std::string>{"cellular-4g", "ethernet", "lorawan", "wifi"}));
  EXPECT_FALSE(link_preset("wify").has_value());
}

}  // namespace
}  // namespace twinbench::sim

namespace twinbench::sim {
namespace {

json shared_site() {
  json j = minimal();
  j["sites"][0] = json::parse(R"({"name": "s", "gateways": 2, "link": {"preset": "wifi"},
    "devices": [{"asset_class": "compressor", "devices_per_gateway": 3}, {"asset_class": "pump", "devices_per_gateway": 2}]})");
  return j;
}

TEST(ScenarioLoader, ASiteMayShareItsGatewaysBetweenDeviceGroups) {
  const Scenario sc = parse_scenario(shared_site().dump(), "scenario.json");
  const SiteSpec& s = sc.sites[0];
  EXPECT_TRUE(s.shared);
  ASSERT_EQ(s.groups(), 2u);
  EXPECT_EQ(s.group(0).asset->descriptor.name, "compressor");
  EXPECT_EQ(s.group(1).asset->descriptor.name, "pump");
  EXPECT_EQ(s.devices_per_gateway_all(), 5u);
  EXPECT_EQ(sc.device_count(), 10u);
  // The run's fault modes: the compressor's, then the pump's not already named.
  EXPECT_EQ(sc.fault_modes, (std::vector<std::string>{"bearing_wear", "valve_leak", "cooling_fault", "cavitation", "impeller_wear", "seal_leak"}));
  // A fault may name its class, which tells the compressor's bearing_wear from the pump's.
  json j = shared_site();
  j["faults"] = json::parse(R"([{"kind": "asset", "mode": "bearing_wear", "asset_class": "pump", "fraction": 0.5, "ramp_s": 100}])");
  EXPECT_EQ(parse_scenario(j.dump(), "x.json").asset_faults[0].asset->descriptor.name, "pump");
}

TEST(ScenarioLoader, WhatSharedGatewaysCannotDoYetIsRefusedWithTheReason) {
  json j = shared_site();
  j["sites"][0]["devices_per_gateway"] = 4;
  EXPECT_EQ(error_of(j), "scenario.json: /sites/0/devices_per_gateway: with \"devices\", each device group says its own (move it into an entry of \"devices\")");
  j = shared_site();
  j["sites"][0]["devices"][1]["asset_class"] = "compressor";
  EXPECT_EQ(error_of(j), "scenario.json: /sites/0/devices/1/asset_class: two device groups of the compressor class: merge them");
  j = shared_site();
  j["sites"][0]["devices"][1]["device"] = {{"protocol", "lwm2m"}};
  EXPECT_EQ(error_of(j), "scenario.json: /sites/0/devices/1/device: on a shared gateway every device group speaks MQTT (the gateway routes records by topic)");
  j = shared_site();
  j["faults"] = json::parse(R"([{"kind": "asset", "mode": "cavitation", "asset_class": "chiller", "fraction": 0.5, "ramp_s": 100}])");
  EXPECT_EQ(error_of(j), "scenario.json: /faults/0/mode: the chiller class has no fault 'cavitation' (expected one of: refrigerant_leak, condenser_fouling, stuck_expansion_valve)");
  j = shared_site();
  j["faults"] = json::parse(R"([{"kind": "ambient_shift", "at_s": 10, "ramp_s": 10, "delta_c": 5}])");
  EXPECT_EQ(error_of(j), "scenario.json: /faults/0/kind: drift injection on site 's', whose gateways are shared by device groups (\"devices\"): not yet supported; "
                         "name a \"site\" of one device group");
  j = shared_site();
  j["sites"][0]["devices"] = json::array();
  EXPECT_EQ(error_of(j), "scenario.json: /sites/0/devices: expected 1 to 16 device groups, got 0");
}

}  // namespace
}  // namespace twinbench::sim
