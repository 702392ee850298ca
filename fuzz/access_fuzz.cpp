// libFuzzer target: the broker's authentication and authorisation (runtime/mqtt/Access, Passwords).
// The input is split at its first NUL: what comes before is parsed as a password file and each of its
// hashes as a PHC string and base64 (never crash; a file that parses must write back to text that parses
// to the same entries); what comes after is lines of "identity \t client id \t filter \t pattern"
// checked against an ACL whose one rule is that pattern, for:
//   - filter_within soundness: if a filter is within a pattern, every topic the filter matches (a
//     concrete one is made from it) is matched by the pattern;
//   - consistency: whoever may subscribe to a filter may publish on its concrete topics, unless they are
//     control or reserved topics (which no ACL opens), and nobody but a control identity publishes on a
//     control topic, nobody at all on a reserved one;
//   - admission: every kind of credentials gets an answer; an unknown username is sent to a password
//     check (a decoy hash), never admitted or refused at once.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/mqtt/Access.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/mqtt/Passwords.hpp"
#include "twinbench/runtime/mqtt/Subscriptions.hpp"

namespace {

using namespace twinbench::runtime::mqtt;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

/** A topic the filter matches: '+' becomes "x", '#' becomes "x/y". */
std::string concrete(std::string_view filter) {
  std::string t;
  bool first = true;
  for (std::string_view level : split(filter, '/')) {
    if (!first) t += '/';
    first = false;
    if (level == "+") t.append("x");
    else if (level == "#") t.append("x/y");
    else t.append(level);
  }
  return t;
}

/** The password-file half: parse, round-trip, and the PHC and base64 parsers on every hash. */
void password_file(std::string_view text) {
  PasswordFile f;
  try {
    f = PasswordFile::parse(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  PasswordFile again;
  try {
    again = PasswordFile::parse(f.text());
  } catch (const std::invalid_argument&) {
    std::abort();  // what it wrote itself does not parse
  }
  if (again.hashes != f.hashes) std::abort();
  for (const auto& [user, hash] : f.hashes) {
    if (!parse_password_hash(hash)) std::abort();  // parse() accepted it
    for (std::string_view part : split(hash, '$'))
      if (const auto raw = from_base64_unpadded(part))
        if (base64_unpadded({reinterpret_cast<const std::uint8_t*>(raw->data()), raw->size()}) != part) std::abort();
  }
}

const std::string& cheap_hash() {
  static const std::string h = [] {
    const std::uint8_t salt[16] = {1, 2, 3};
    return hash_password("device-pass", salt, kLeastPasswordCost);
  }();
  return h;
}

void rules(std::string_view text) {
  for (std::string_view line : split(text, '\n')) {
    const auto f = split(line, '\t');
    if (f.size() < 4) continue;
    const std::string identity(f[0]), client_id(f[1]), filter(f[2]), pattern(f[3]);
    if (!valid_mqtt_utf8(client_id) || !valid_mqtt_utf8(filter) || !valid_mqtt_utf8(pattern)) continue;
    const bool filter_ok = valid_topic_filter(filter);
    if (filter_ok && valid_topic_filter(pattern) && filter_within(filter, pattern)) {
      const std::string t = concrete(filter);
      if (valid_topic_filter(t) && t.find_first_of("+#") == std::string::npos && !topic_matches(pattern, t)) std::abort();
    }
    AccessConfig c;
    c.allow_anonymous = !identity.empty() && identity[0] == 'a';
    c.passwords.hashes["device"] = cheap_hash();
    if (!identity.empty()) c.passwords.hashes[identity] = cheap_hash();
    c.acl.push_back({identity.empty() ? "*" : identity, {pattern}, {pattern}});
    c.control_identities = {"cloud"};
    c.control_topics = {"tb/cloud/g/#"};
    c.reserved_topics = {"tb/uplink/g/#"};
    c.gateway.assign(1, 'g');  // (not = "g": GCC 12 warns falsely of overlapping copies, bug 105329)
    Access access(c);
    for (const Identity& who : {Identity{""}, Identity{identity}, Identity{"cloud"}, Identity{"device"}}) {
      const bool sub = filter_ok && access.may_subscribe(who, client_id, filter);
      const std::string t = filter_ok ? concrete(filter) : filter;
      if (t.empty() || t.find_first_of("+#") != std::string::npos || !valid_mqtt_utf8(t)) continue;
      const bool pub = access.may_publish(who, client_id, t);
      const bool control = topic_matches("tb/cloud/g/#", t), reserved = topic_matches("tb/uplink/g/#", t);
      if (reserved && pub) std::abort();
      if (control && pub && who.name != "cloud") std::abort();
      if (sub && !control && !reserved && !pub) std::abort();
    }
    // Admission: anonymous only when allowed; a known user goes to a check of its own hash, an unknown
    // one to a check of the decoy (never admitted or refused at once: the time would tell).
    using K = Access::Admission::Kind;
    if ((access.admit(std::nullopt, false, "").kind == K::admit) != c.allow_anonymous) std::abort();
    const auto a = access.admit(std::string_view(client_id), true, "");
    if (!client_id.empty()) {
      if (a.kind != K::verify_password || a.hash.empty()) std::abort();
      const auto known = c.passwords.hashes.find(client_id);
      if (known != c.passwords.hashes.end() ? (a.identity.name != client_id || a.hash != known->second) : !a.identity.anonymous()) std::abort();
      if (known == c.passwords.hashes.end() && verify_password("device-pass", a.hash)) std::abort();  // the decoy opens for nobody
    }
    if (access.admit(std::string_view(client_id), false, "").kind != K::refuse_credentials) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = in.find('\0');
  password_file(in.substr(0, nul));
  if (nul != std::string_view::npos) rules(in.substr(nul + 1));
  return 0;
}
