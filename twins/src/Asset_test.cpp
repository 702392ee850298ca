#include "twinbench/twins/Asset.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::twins {
namespace {

/** A fleet whose one channel is the severity of its fault mode 1 plus the ambient: the base's bookkeeping, visible. */
class Probe final : public AssetFleet {
public:
  Probe(std::size_t n, Ambient a) : AssetFleet(n, 2, 2, a) {}

private:
  std::size_t class_bytes_per_device() const override { return 0; }
  void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) override {
    const Index I(idx.data(), static_cast<Eigen::Index>(idx.size()));
    const Times t(t_s.data(), static_cast<Eigen::Index>(t_s.size()));
    Col current = Col::Ones(t.size());
    if (const auto v = variant(I, t)) current *= 1.0 + v->is * (v->current_scale - 1.0);
    out.row(0) = severity(I, t, 1).transpose();
    out.row(1) = (ambient_c(t, day_angle(t)) + current).transpose();
  }
};

AssetClass probe_class(std::string name) {
  AssetDescriptor d;
  d.name = std::move(name);
  d.channels = {{"severity", "1", "severity"}, {"ambient_plus_current", "1", "x"}};
  d.faults = {{"first", ""}, {"second", ""}};
  d.sensors = SensorSpec::ideal(2);
  return {d, [](std::size_t n, Ambient a, core::RngStream) -> std::unique_ptr<AssetFleet> { return std::make_unique<Probe>(n, a); }};
}

TEST(Asset, TheFaultScheduleRampsQuadraticallyFromOnsetToFailure) {
  Probe p(3, {});
  p.set_fault(1, 1, 1000, 100);
  EXPECT_EQ(p.severity(1, 1, 999), 0.0);
  EXPECT_DOUBLE_EQ(p.severity(1, 1, 1050), 0.25);
  EXPECT_EQ(p.severity(1, 1, 5000), 1.0);
  EXPECT_EQ(p.severity(1, 0, 5000), 0.0);
  EXPECT_EQ(p.first_onset_s(1), 1000.0);
  EXPECT_FALSE(p.first_onset_s(0).has_value());
  // The chunked severity is the same formula.
  Eigen::ArrayXXd out(2, 1);
  const std::uint32_t i[] = {1};
  const double t[] = {1050};
  p.step(i, t, out);
  EXPECT_DOUBLE_EQ(out(0, 0), 0.25);
  EXPECT_THROW(p.set_fault(3, 0, 0, 1), std::invalid_argument);
  EXPECT_THROW(p.set_fault(0, 2, 0, 1), std::invalid_argument);
  EXPECT_THROW(p.set_fault(0, 0, 0, 0), std::invalid_argument);
}

TEST(Asset, TheAmbientIsADailySinePeakingAt15hPlusItsShifts) {
  Probe p(1, {20, 5});
  p.add_ambient_shift(86'400, 3600, 4);
  Eigen::ArrayXXd out(2, 1);
  const std::uint32_t i[] = {0};
  auto at = [&](double t_s) {
    const double t[] = {t_s};
    p.step(i, t, out);
    return out(1, 0) - 1.0;  // less the current
  };
  EXPECT_NEAR(at(15 * 3600), 25.0, 1e-5);  // float sine: 7 digits
  EXPECT_NEAR(at(3 * 3600), 15.0, 1e-5);
  EXPECT_NEAR(at(86'400 + 21 * 3600), 20.0 + 4.0, 1e-5);  // 21:00 sits on the mean; the shift is complete
}

TEST(Asset, ANewVariantScalesTheCurrentFromItsTime) {
  Probe p(2, {0, 0});
  p.set_variant(1, 100, 1.5, 3);
  Eigen::ArrayXXd out(2, 2);
  const std::uint32_t i[] = {0, 1};
  const double before[] = {99, 99}, after[] = {100, 100};
  p.step(i, before, out);
  EXPECT_DOUBLE_EQ(out(1, 1), 1.0);
  p.step(i, after, out);
  EXPECT_DOUBLE_EQ(out(1, 0), 1.0);
  EXPECT_DOUBLE_EQ(out(1, 1), 1.5);
}

TEST(Asset, TheRegistryFindsClassesByNameAndRefusesDuplicatesAndInconsistentDescriptors) {
  ASSERT_NE(find_asset_class("compressor"), nullptr);
  EXPECT_EQ(find_asset_class("toaster"), nullptr);
  register_asset_class(probe_class("zz-probe"));
  const AssetClass* c = find_asset_class("zz-probe");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->make_fleet(4, {}, core::Rng(1).stream("x"))->size(), 4u);
  const std::string names = asset_class_names();
  EXPECT_LT(names.find("compressor"), names.find("zz-probe"));  // sorted
  EXPECT_THROW(register_asset_class(probe_class("zz-probe")), std::invalid_argument);
  EXPECT_THROW(register_asset_class(probe_class("compressor")), std::invalid_argument);
  AssetClass bad = probe_class("zz-bad");
  bad.descriptor.power_channel = 2;
  EXPECT_THROW(register_asset_class(bad), std::invalid_argument);
  bad = probe_class("zz-bad");
  bad.descriptor.sensors = SensorSpec::ideal(3);
  EXPECT_THROW(register_asset_class(bad), std::invalid_argument);
  EXPECT_EQ(find_asset_class("zz-bad"), nullptr);
}

/**
 * Every class's channels are its Interface's telemetry in `models`: each names one (through components),
 * with the same unit where the telemetry has a semantic type.
 */
void expect_classes_match(const dtdl::ModelSet& models, const std::string& form) {
  ASSERT_TRUE(models.ok()) << form << ": " << models.diagnostics()[0].str();
  for (const AssetClass* c : asset_classes()) {
    const AssetDescriptor& d = c->descriptor;
    if (d.interface.empty()) continue;  // a test's probe
    const std::string& name = d.name;
    ASSERT_NE(models.find(d.interface), nullptr) << form << ", " << name << ": " << d.interface;
    for (const ChannelInfo& ch : d.channels) {
      std::string iface = d.interface, path = ch.telemetry;
      for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/')) {
        const std::string component = path.substr(0, slash);
        path = path.substr(slash + 1);
        std::string next;
        for (const dtdl::Content* c : models.all_contents(iface))
          if (c->kind == dtdl::ContentKind::component && c->name == component) next = c->component_interface;
        ASSERT_FALSE(next.empty()) << form << ", " << name << ": no component '" << component << "' for " << ch.name;
        iface = next;
      }
      const dtdl::Content* telemetry = nullptr;
      for (const dtdl::Content* c : models.all_contents(iface))
        if (c->kind == dtdl::ContentKind::telemetry && c->name == path) telemetry = c;
      ASSERT_NE(telemetry, nullptr) << form << ", " << name << ": no telemetry '" << ch.telemetry << "' for channel " << ch.name;
      if (!telemetry->info.unit.empty()) {
        EXPECT_EQ(telemetry->info.unit, ch.unit) << form << ", " << name << ": " << ch.name;
      }
    }
  }
}

/**
 * The same model in JSON-LD's long form: every DTDL property and class as its full DTMI, semantic types and
 * units as their dtmi:standard: DTMIs, primitive schemas as instances, strings and booleans as value
 * objects (DTDL v3, "Conformance with JSON and JSON-LD").
 */
nlohmann::json expanded(const nlohmann::json& j, bool value_position = false) {
  using nlohmann::json;
  static const std::set<std::string> kClasses = {"Interface", "Telemetry", "Property", "Command", "Relationship", "Component",
                                                 "Array",     "Enum",      "EnumValue", "Map",   "MapKey",       "MapValue", "Object", "Field"};
  static const std::set<std::string> kPrimitives = {"boolean", "date", "dateTime", "double", "duration", "float", "integer", "long", "string", "time"};
  const auto term = [&](const std::string& t) {
    if (kClasses.contains(t)) return "dtmi:dtdl:class:" + t + ";3";
    return "dtmi:standard:class:" + t + ";3";  // a semantic type (QuantitativeTypes)
  };
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) {
      if (k == "@context" || k == "@id") out[k] = v;
      else if (k == "@type") {
        json types = json::array();
        for (const auto& t : (v.is_array() ? v : json::array({v}))) types.push_back(term(t.get<std::string>()));
        out[k] = types;
      } else if (k == "unit") out["dtmi:dtdl:property:unit;3"] = "dtmi:standard:unit:" + v.get<std::string>() + ";3";
      else if ((k == "schema" || k == "elementSchema") && v.is_string() && kPrimitives.contains(v.get<std::string>()))
        out["dtmi:dtdl:property:" + k + ";3"] = "dtmi:dtdl:instance:Schema:" + v.get<std::string>() + ";3";
      else if (k == "displayName" || k == "description") out[k] = v;  // localizable: language maps stay
      else out["dtmi:dtdl:property:" + k + ";3"] = expanded(v, true);
    }
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& e : j) out.push_back(expanded(e, value_position));
    return out;
  }
  if (value_position && (j.is_boolean() || (j.is_string() && !j.get<std::string>().starts_with("dtmi:")))) {
    return {{"@value", j}, {"@type", j.is_boolean() ? "xsd:boolean" : "xsd:string"}};
  }
  return j;
}

TEST(Asset, EveryBuiltInClassMatchesItsDtdlInterfaceInV3V2AndJsonLdLongForm) {
  // As shipped (DTDL v3, compact).
  dtdl::ModelSet v3;
  v3.add_path(TWINBENCH_MODELS_DIR);
  v3.resolve();
  expect_classes_match(v3, "v3");
  // As IoT Plug and Play devices declare them in DTDL v2 (models/dtdl-v2: v2 lacks m3/h and geospatial properties).
  dtdl::ModelSet v2;
  v2.add_path(TWINBENCH_MODELS_V2_DIR);
  v2.resolve();
  expect_classes_match(v2, "v2");
  for (const auto& [id, iface] : v2.interfaces()) EXPECT_EQ(iface.dtdl_version, 2) << id;
  // The v3 documents rewritten in JSON-LD's long form.
  dtdl::ModelSet longform;
  for (const auto& e : std::filesystem::directory_iterator(TWINBENCH_MODELS_DIR)) {
    std::ifstream in(e.path());
    longform.add_document(expanded(nlohmann::json::parse(in)).dump(), e.path().filename().string());
  }
  longform.resolve();
  expect_classes_match(longform, "JSON-LD long form");
  EXPECT_EQ(longform.interfaces().size(), v3.interfaces().size());
}

TEST(Asset, EveryClassStepsInBatchesExactlyAsOneDeviceAtATimeAndStaysFinite) {
  // 150 devices: more than two chunks, so chunk boundaries are crossed; faults of every mode on some.
  for (const AssetClass* c : asset_classes()) {
    const std::uint32_t n = 150;
    const auto batched = c->make_fleet(n, {25, 6}, core::Rng(3).stream("p")), single = c->make_fleet(n, {25, 6}, core::Rng(3).stream("p"));
    const std::size_t modes = c->descriptor.faults.size(), rows = c->descriptor.channels.size();
    ASSERT_EQ(batched->channels(), rows) << c->descriptor.name;
    for (std::size_t m = 0; m < modes; ++m) {
      batched->set_fault(3 + m, m, 100, 400);
      single->set_fault(3 + m, m, 100, 400);
    }
    std::vector<std::uint32_t> idx(n);
    for (std::uint32_t j = 0; j < n; ++j) idx[j] = (j * 7) % n;  // a permutation, not the identity
    Eigen::ArrayXXd all(static_cast<Eigen::Index>(rows), n), one(static_cast<Eigen::Index>(rows), 1);
    for (double t = 0; t < 900; t += 10) {
      std::vector<double> ts(n);
      for (std::uint32_t j = 0; j < n; ++j) ts[j] = t + 0.01 * j;
      batched->step(idx, ts, all);
      ASSERT_TRUE(all.allFinite()) << c->descriptor.name << " at " << t;
      for (std::size_t j = 0; j < idx.size(); ++j) {
        single->step(std::span(&idx[j], 1), std::span(&ts[j], 1), one);
        for (Eigen::Index r = 0; r < one.rows(); ++r)
          ASSERT_EQ(all(r, static_cast<Eigen::Index>(j)), one(r, 0)) << c->descriptor.name << " device " << idx[j] << " channel " << r;
      }
    }
  }
}

}  // namespace
}  // namespace twinbench::twins
