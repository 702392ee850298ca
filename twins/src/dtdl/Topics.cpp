#include "twinbench/twins/dtdl/Topics.hpp"

namespace twinbench::twins::dtdl {

namespace {
bool letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/** A token body: letters, or letters ':' letters. */
bool valid_token(std::string_view t) {
  const auto colon = t.find(':');
  auto letters = [](std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
      if (!letter(c)) return false;
    return true;
  };
  return colon == std::string_view::npos ? letters(t) : letters(t.substr(0, colon)) && letters(t.substr(colon + 1));
}
}  // namespace

std::optional<std::string> topic_pattern_error(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  if (pattern.front() == '$') return "starts with '$' (reserved for the broker)";
  std::size_t start = 0;
  for (;;) {
    const auto slash = pattern.find('/', start);
    const std::string_view label = pattern.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (label.empty()) return "has an empty label";
    if (label.front() == '{' || label.back() == '}') {
      if (label.size() < 3 || label.front() != '{' || label.back() != '}' || !valid_token(label.substr(1, label.size() - 2)))
        return "has a malformed token '" + std::string(label) + "' (expected {name} or {prefix:name}, ASCII letters)";
    } else {
      for (char c : label)
        if (c <= ' ' || c > '~' || c == '"' || c == '+' || c == '#' || c == '{' || c == '}')
          return "has a character not allowed in a label ('" + std::string(1, c) + "' in '" + std::string(label) + "')";
    }
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

std::optional<std::string> expand_topic(std::string_view pattern, const std::map<std::string, std::string, std::less<>>& tokens,
                                        std::string* error) {
  std::string out;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    const auto open = pattern.find('{', pos);
    if (open == std::string_view::npos) {
      out += pattern.substr(pos);
      break;
    }
    const auto close = pattern.find('}', open);
    out += pattern.substr(pos, open - pos);
    const std::string_view token = pattern.substr(open + 1, close - open - 1);
    auto it = tokens.find(token);
    if (it == tokens.end()) {
      if (error) *error = "no value for token {" + std::string(token) + "}";
      return std::nullopt;
    }
    out += it->second;
    pos = close + 1;
  }
  return out;
}

}  // namespace twinbench::twins::dtdl
