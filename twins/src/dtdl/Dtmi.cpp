#include "twinbench/twins/dtdl/Dtmi.hpp"

namespace twinbench::twins::dtdl {

namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/** A version part: 1..max_digits digits, no leading zero. */
bool valid_version_part(std::string_view p, std::size_t max_digits) {
  if (p.empty() || p.size() > max_digits || p[0] == '0') return false;
  for (char c : p)
    if (!is_digit(c)) return false;
  return true;
}

}  // namespace

std::optional<std::string> dtmi_error(std::string_view s, bool user, std::size_t max_length) {
  if (s.size() > max_length) return "is longer than " + std::to_string(max_length) + " characters";
  if (s.substr(0, 5) != "dtmi:") return "does not start with the scheme 'dtmi:'";
  std::string_view rest = s.substr(5);
  std::string_view version;
  if (auto semi = rest.find(';'); semi != std::string_view::npos) {
    version = rest.substr(semi + 1);
    rest = rest.substr(0, semi);
    const auto dot = version.find('.');
    const bool ok = dot == std::string_view::npos
                        ? valid_version_part(version, 9)
                        : valid_version_part(version.substr(0, dot), 9) && valid_version_part(version.substr(dot + 1), 6);
    if (!ok) return "has an invalid version '" + std::string(version) + "' (1 to 9 digits, or major.minor with a minor of 1 to 6 digits; no leading zeros)";
  }
  if (rest.empty()) return "has an empty path";
  bool system = false;
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto colon = rest.find(':', start);
    const std::string_view seg = rest.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (seg.empty()) return "has an empty path segment";
    if (is_digit(seg.front())) return "has a path segment starting with a digit ('" + std::string(seg) + "')";
    if (seg.back() == '_') return "has a path segment ending with an underscore ('" + std::string(seg) + "')";
    for (char c : seg)
      if (!is_letter(c) && !is_digit(c) && c != '_') return "has a character other than letters, digits and '_' in segment '" + std::string(seg) + "'";
    system = system || seg.front() == '_';
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (user && system) return "is a system DTMI (a segment starts with '_'); models may only use user DTMIs";
  return std::nullopt;
}

bool dtmi_reserved(std::string_view s) { return s.substr(0, 10) == "dtmi:dtdl:" || s.substr(0, 14) == "dtmi:standard:"; }

std::string child_dtmi(std::string_view parent, std::string_view property, std::optional<std::string_view> name) {
  const auto semi = parent.find(';');
  std::string out(parent.substr(0, semi));
  out += ":_";
  out += property;
  if (name) {
    out += ":__";
    out += *name;
  }
  if (semi != std::string_view::npos) out += parent.substr(semi);
  return out;
}

}  // namespace twinbench::twins::dtdl
