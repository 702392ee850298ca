#pragma once
// Text inside XML and HTML (JUnit reports, the HTML report and its SVG): &, <, > and " escaped.

#include <string>

namespace twinbench::results {

inline std::string escape_markup(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

}  // namespace twinbench::results
