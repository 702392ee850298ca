#include "twinbench/twins/dtdl/Terms.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace twinbench::twins::dtdl {

namespace {
template <std::size_t N> bool one_of(const std::array<std::string_view, N>& set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}
constexpr std::array<std::string_view, 10> kPrimitives = {"boolean", "date", "dateTime", "double", "duration",
                                                          "float", "integer", "long", "string", "time"};
constexpr std::array<std::string_view, 6> kGeospatial = {"lineString", "multiLineString", "multiPoint", "multiPolygon", "point", "polygon"};
constexpr std::array<std::string_view, 4> kNumeric = {"double", "float", "integer", "long"};
bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)); }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)); }
}  // namespace

bool valid_name(std::string_view s) {
  if (s.empty() || !alpha(s.front()) || s.back() == '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '_'; });
}

bool valid_language_tag(std::string_view s) {
  std::size_t start = 0;
  for (int part = 0;; ++part) {
    const auto dash = s.find('-', start);
    const std::string_view seg = s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (seg.empty() || seg.size() > 8) return false;
    if (!std::all_of(seg.begin(), seg.end(), part == 0 ? alpha : alnum)) return false;
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

bool is_primitive_schema(std::string_view term) { return one_of(kPrimitives, term); }
bool is_geospatial_schema(std::string_view term) { return one_of(kGeospatial, term); }
bool is_numeric_schema(std::string_view term) { return one_of(kNumeric, term); }

}  // namespace twinbench::twins::dtdl
