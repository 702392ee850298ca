#include "twinbench/twins/dtdl/Terms.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace twinbench::twins::dtdl {

namespace {
template <std::size_t N> bool one_of(const std::array<std::string_view, N>& set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}
constexpr std::array<std::string_view, 10> kPrimitives = {"boolean", "date", "dateTime", "double", "duration",
                                                          "float", "integer", "long", "string", "time"};
constexpr std::array<std::string_view, 6> kGeospatial = {"lineString", "multiLineString", "multiPoint", "multiPolygon", "point", "polygon"};
constexpr std::array<std::string_view, 4> kNumeric = {"double", "float", "integer", "long"};
// ISO 639-1: the two-letter language codes (184), sorted.
constexpr std::array<std::string_view, 184> kIso639_1 = {
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh", "bi", "bm", "bn",
    "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el", "en",
    "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he",
    "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv",
    "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li",
    "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne",
    "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm",
    "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st",
    "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk",
    "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu"};
bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)); }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)); }
}  // namespace

bool valid_name(std::string_view s) {
  if (s.empty() || !alpha(s.front()) || s.back() == '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '_'; });
}

bool valid_language_tag(std::string_view s) {
  // BCP 47 (RFC 5646): language [-script] [-region] *(-variant) *(-extension) [-privateuse], subtags of at
  // most 8 letters or digits. The language must be a code: ISO 639-1 (two letters, checked against the
  // list) or ISO 639-2/3 (three letters); "x-..." is private use. "english" is well-formed but no code.
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dash = s.find('-', start);
    parts.push_back(s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  for (std::string_view p : parts)
    if (p.empty() || p.size() > 8 || !std::all_of(p.begin(), p.end(), alnum)) return false;
  const std::string_view lang = parts[0];
  std::string lower(lang);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "x") return parts.size() > 1;  // private use
  if (!std::all_of(lang.begin(), lang.end(), alpha)) return false;
  if (lang.size() == 2) return std::binary_search(kIso639_1.begin(), kIso639_1.end(), std::string_view(lower));
  return lang.size() == 3;
}

bool iso8601_duration(std::string_view s) {
  if (s.size() < 3 || s[0] != 'P') return false;
  constexpr std::string_view kDate = "YMWD", kTime = "HMS";
  std::string_view units = kDate;
  std::size_t next = 0;  // designators must come in order, each once
  bool any = false, in_time = false, time_part = false;
  for (std::size_t i = 1; i < s.size();) {
    if (s[i] == 'T') {
      if (in_time) return false;
      in_time = true, units = kTime, next = 0, ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return false;
    bool fraction = false;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      const std::size_t dot = ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i == dot) return false;
      fraction = true;
    }
    if (i == s.size()) return false;
    const auto at = units.find(s[i], next);
    if (at == std::string_view::npos || (fraction && !(in_time && s[i] == 'S'))) return false;
    next = at + 1, any = true, time_part = time_part || in_time, ++i;
  }
  return any && (!in_time || time_part);
}

bool is_primitive_schema(std::string_view term) { return one_of(kPrimitives, term); }
bool is_geospatial_schema(std::string_view term) { return one_of(kGeospatial, term); }
bool is_numeric_schema(std::string_view term) { return one_of(kNumeric, term); }

}  // namespace twinbench::twins::dtdl
