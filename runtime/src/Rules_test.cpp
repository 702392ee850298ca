#include "twinbench/runtime/Rules.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "twinbench/core/JsonReader.hpp"

namespace twinbench::runtime {
namespace {

using nlohmann::json;

std::string error_of(const json& doc) {
  try {
    parse_rules(doc, "rules.json");
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

json rules(json list, json routes = nullptr) {
  json j = {{"format", "twinbench-rules/1"}, {"rules", list}};
  if (!routes.is_null()) j["routes"] = routes;
  return j;
}

struct Recorder {
  std::vector<AlertChange> changes;
  std::function<void(const AlertChange&)> fn() {
    return [this](const AlertChange& a) { changes.push_back(a); };
  }
};

TEST(Rules, HysteresisAndMinimumDuration) {
  RuleEngine e(parse_rules(rules({{{"name", "r"}, {"raise_above", 1.0}, {"clear_below", 0.5}, {"min_duration_s", 10}}}), "rules.json"), "m", "c", 0);
  Recorder r;
  e.on_score(7, 0, 2.0f, r.fn());           // above since 0
  e.on_score(7, 5'000'000, 2.0f, r.fn());   // 5 s: not yet
  EXPECT_TRUE(r.changes.empty());
  e.on_score(7, 10'000'000, 1.5f, r.fn());  // 10 s above: raised
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_TRUE(r.changes[0].raised);
  EXPECT_EQ(r.changes[0].device, 7u);
  EXPECT_EQ(r.changes[0].severity, Severity::warning);
  EXPECT_EQ(r.changes[0].roles, role_operator);  // the default route of a warning
  e.on_score(7, 11'000'000, 0.7f, r.fn());  // between clear and raise: still alerting
  e.on_score(7, 12'000'000, 3.0f, r.fn());  // no second raise while alerting
  EXPECT_EQ(r.changes.size(), 1u);
  e.on_score(7, 13'000'000, 0.4f, r.fn());  // below clear: cleared
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_FALSE(r.changes[1].raised);
  e.on_score(7, 14'000'000, 2.0f, r.fn());  // a dip resets the duration
  e.on_score(7, 15'000'000, 0.9f, r.fn());
  e.on_score(7, 16'000'000, 2.0f, r.fn());
  e.on_score(7, 25'000'000, 2.0f, r.fn());
  EXPECT_EQ(r.changes.size(), 2u);
  e.on_score(7, 26'000'000, 2.0f, r.fn());
  EXPECT_EQ(r.changes.size(), 3u);
}

TEST(Rules, ModelThresholdRoutesAndFilters) {
  const RuleSet set = parse_rules(rules({{{"name", "at-model"}, {"raise_above", "model"}, {"severity", "critical"}},
                                         {{"name", "other-model"}, {"model", "pump-ae"}, {"raise_above", 0.1}},
                                         {{"name", "other-class"}, {"asset_class", "chiller"}, {"raise_above", 0.1}}},
                                        {{"critical", {"technician", "executive"}}}),
                                  "rules.json");
  RuleEngine e(set, "compressor-ae", "compressor", 0.5);
  EXPECT_EQ(e.active_rules(), 1u);
  Recorder r;
  e.on_score(0, 0, 0.45f, r.fn());
  e.on_score(1, 0, 0.55f, r.fn());
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].device, 1u);
  EXPECT_EQ(r.changes[0].roles, role_technician | role_executive);
  // clear_ratio 0.8 by default: clears below 0.4
  e.on_score(1, 1, 0.41f, r.fn());
  EXPECT_EQ(r.changes.size(), 1u);
  e.on_score(1, 2, 0.39f, r.fn());
  EXPECT_EQ(r.changes.size(), 2u);
  e.set_rules(default_rules());
  EXPECT_EQ(e.active_rules(), 1u);
}

TEST(Rules, ADocumentWrittenFromRulesReadsBackAsTheSameRules) {
  const RuleSet set = parse_rules(rules({{{"name", "a"}, {"model", "m"}, {"asset_class", "pump"}, {"raise_above", "model"}, {"clear_ratio", 0.7},
                                          {"min_duration_s", 60}, {"severity", "critical"}},
                                         {{"name", "b"}, {"raise_above", 0.5}, {"clear_below", 0.25}}},
                                        {{"warning", {"technician"}}}),
                                  "rules.json");
  const json doc = rules_json(set);
  EXPECT_EQ(doc["rules"][1], (json{{"name", "b"}, {"raise_above", 0.5}, {"clear_below", 0.25}, {"min_duration_s", 0.0}, {"severity", "warning"}}));
  EXPECT_EQ(doc["routes"]["warning"], json({"technician"}));
  const RuleSet back = parse_rules(doc, "written");
  ASSERT_EQ(back.rules.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const Rule &x = set.rules[i], &y = back.rules[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.model, y.model);
    EXPECT_EQ(x.asset_class, y.asset_class);
    EXPECT_EQ(x.raise_at_model_threshold, y.raise_at_model_threshold);
    EXPECT_EQ(x.raise_above, y.raise_above);
    EXPECT_EQ(x.clear_below, y.clear_below);
    EXPECT_EQ(x.clear_ratio, y.clear_ratio);
    EXPECT_EQ(x.min_duration_us, y.min_duration_us);
    EXPECT_EQ(x.severity, y.severity);
  }
  EXPECT_EQ(back.routes, set.routes);
}

TEST(Rules, BadRulesNameThePathAndTheRule) {
  EXPECT_EQ(error_of(rules({{{"name", "r"}, {"raise_above", "high"}}})),
            "rules.json: /rules/0/raise_above: expected a score threshold (a number) or \"model\" (the model package's threshold), got \"high\"");
  EXPECT_EQ(error_of(rules({{{"name", "r"}, {"raise_above", 1}, {"severity", "urgent"}}})),
            "rules.json: /rules/0/severity: expected \"info\", \"warning\" or \"critical\", got 'urgent'");
  EXPECT_EQ(error_of(rules({{{"name", "r"}, {"raise_above", 1}, {"clear_below", 2}}})),
            "rules.json: /rules/0/clear_below: expected a value <= raise_above (hysteresis clears below where it raises)");
  EXPECT_EQ(error_of(rules({{{"name", "r"}, {"raise_above", 1}}}, {{"warning", {"ceo"}}})),
            "rules.json: /routes/warning/0: expected a role (technician, operator, executive), got \"ceo\"");
  EXPECT_EQ(error_of(json{{"format", "twinbench-rules/2"}, {"rules", json::array()}}), "rules.json: /format: expected \"twinbench-rules/1\", got 'twinbench-rules/2'");
}

}  // namespace
}  // namespace twinbench::runtime
