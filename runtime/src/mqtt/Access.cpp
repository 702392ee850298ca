#include "twinbench/runtime/mqtt/Access.hpp"

#include <algorithm>
#include <array>

#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/mqtt/Subscriptions.hpp"

namespace twinbench::runtime::mqtt {
namespace {

std::string_view level(std::string_view s, std::size_t& at) {
  const auto slash = s.find('/', at);
  const std::string_view l = s.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
  at = slash == std::string_view::npos ? s.size() + 1 : slash + 1;
  return l;
}

}  // namespace

bool filter_within(std::string_view filter, std::string_view pattern) {
  // A wildcard first level does not match a topic that begins with '$' (MQTT-4.7.2-1): "#" does not
  // take in "$SYS/#".
  if (filter.starts_with('$') && (pattern.starts_with('#') || pattern.starts_with('+'))) return false;
  std::size_t f = 0, p = 0;
  for (;;) {
    const bool f_done = f > filter.size(), p_done = p > pattern.size();
    if (p_done) return f_done;
    const std::string_view pl = level(pattern, p);
    if (pl == "#") return true;  // whatever follows, including nothing ("a/#" matches "a")
    if (f_done) return false;
    const std::string_view fl = level(filter, f);
    if (fl == "#") return false;  // the filter reaches further than a pattern that is not '#' here
    if (pl == "+") continue;      // any one level, '+' included
    if (fl != pl) return false;   // a literal level must be that literal ('+' in the filter is wider)
  }
}

Access::Admission Access::admit(std::optional<std::string_view> username, bool has_password, std::string_view certificate_name) const {
  using K = Admission::Kind;
  if (config_.certificate_identity && !certificate_name.empty()) {
    if (username && *username != certificate_name) return {K::refuse_not_authorized, {}, {}};  // one identity per connection
    return {K::admit, {std::string(certificate_name)}, {}};
  }
  if (!username) return config_.allow_anonymous ? Admission{K::admit, {}, {}} : Admission{K::refuse_not_authorized, {}, {}};
  if (!has_password || username->empty()) return {K::refuse_credentials, {}, {}};
  if (config_.passwords.hashes.empty()) return {K::refuse_credentials, {}, {}};
  const auto it = config_.passwords.hashes.find(*username);
  if (it == config_.passwords.hashes.end()) return {K::verify_password, {}, decoy_};  // fails, after the same work
  return {K::verify_password, {std::string(*username)}, it->second};
}

Access::Access(AccessConfig config) : config_(std::move(config)) {
  // Unknown users are checked against a hash of no password at the file's own cost, so they take as
  // long as known ones with a wrong password: the time of a refusal does not tell which usernames exist.
  // (With no password file, there is nothing to tell.)
  if (config_.passwords.hashes.empty()) return;
  const ScryptCost cost = *parse_password_hash(config_.passwords.hashes.begin()->second);
  const std::array<std::uint8_t, 16> salt{'t', 'w', 'i', 'n', 'b', 'e', 'n', 'c', 'h', '-', 'd', 'e', 'c', 'o', 'y'};
  decoy_ = hash_password("\x01", salt, cost);
  decoy_.back() = decoy_.back() == 'A' ? 'E' : 'A';  // another key (still canonical base64): no password verifies
}

bool Access::rule_applies(const AclRule& r, const Identity& who) const {
  if (r.identity == "anonymous") return who.anonymous();
  if (who.anonymous()) return false;
  return r.identity == "*" || r.identity == who.name;
}

std::optional<std::string> Access::expand(std::string_view pattern, const Identity& who, std::string_view client_id) const {
  std::string out;
  out.reserve(pattern.size() + client_id.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    std::string_view value;
    switch (pattern[++i]) {
      case 'c': value = client_id; break;
      case 'u': value = who.name; break;
      case 'g': value = config_.gateway; break;
      default: out += '%', out += pattern[i]; continue;
    }
    if (value.empty() || value.find_first_of("/+#") != std::string_view::npos) return std::nullopt;  // no level or wildcard injection
    out += value;
  }
  if (!valid_topic_filter(out)) return std::nullopt;  // a rule that is no filter allows nothing
  return out;
}

bool Access::may_publish(const Identity& who, std::string_view client_id, std::string_view topic) const {
  const auto matches = [&](const std::vector<std::string>& filters) {
    return std::any_of(filters.begin(), filters.end(), [&](const std::string& f) { return topic_matches(f, topic); });
  };
  if (matches(config_.reserved_topics)) return false;
  if (matches(config_.control_topics))
    return !who.anonymous() && std::find(config_.control_identities.begin(), config_.control_identities.end(), who.name) != config_.control_identities.end();
  for (const AclRule& r : config_.acl) {
    if (!rule_applies(r, who)) continue;
    for (const std::string& p : r.publish)
      if (const auto f = expand(p, who, client_id); f && topic_matches(*f, topic)) return true;
  }
  return false;
}

bool Access::may_subscribe(const Identity& who, std::string_view client_id, std::string_view filter) const {
  for (const AclRule& r : config_.acl) {
    if (!rule_applies(r, who)) continue;
    for (const std::string& p : r.subscribe)
      if (const auto f = expand(p, who, client_id); f && filter_within(filter, *f)) return true;
  }
  return false;
}

}  // namespace twinbench::runtime::mqtt
