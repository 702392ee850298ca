#pragma once
// What the report pages share (private to results/src/report): reading a results file, formatting a KPI
// for display, the style sheet, and a chart in its figure.

#include <nlohmann/json.hpp>

#include <string>

#include "Svg.hpp"

namespace twinbench::results::report {

using json = nlohmann::ordered_json;

/** The text as a JSON object; std::runtime_error naming `file` otherwise. */
json parse(const std::string& text, const std::string& file);
/** A KPI for display: `digits` significant digits, thousands grouped; "n/a" for null (nothing to measure). */
std::string show(const json& v, int digits = 4);
/** A ratio with `decimals` decimals ("n/a" for null). */
std::string fixed(const json& v, int decimals);
/** The value at a JSON pointer, or null. */
const json& at(const json& j, const std::string& pointer);
/** The page's head up to <main>: charset, generator, title, the style sheet (and `extra_style`). */
std::string head(const std::string& title, const std::string& extra_style = {});
/** The chart in a figure with its caption: the question it answers. */
std::string figure(const Chart& c, const std::string& id, const std::string& caption);

}  // namespace twinbench::results::report
