#include "twinbench/runtime/mqtt/Passwords.hpp"

#include <charconv>
#include <stdexcept>
#include <vector>

#include "twinbench/runtime/ota/Crypto.hpp"
#include "twinbench/runtime/ports/PasswordCheck.hpp"

namespace twinbench::runtime::mqtt {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kSaltBytes = 16, kKeyBytes = 32;

std::span<const std::uint8_t> bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

/** "name=<decimal>" at the start of `s`, within [lo, hi]; advances `s` past it. */
bool parameter(std::string_view& s, std::string_view name, std::uint64_t lo, std::uint64_t hi, std::uint64_t& out) {
  if (!s.starts_with(name) || s.size() <= name.size() || s[name.size()] != '=') return false;
  s.remove_prefix(name.size() + 1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end == s.data() || (s[0] == '0' && end - s.data() > 1) || out < lo || out > hi) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

struct Parsed {
  ScryptCost cost;
  std::string salt, key;
};

std::optional<Parsed> parse(std::string_view e, std::string* why) {
  const auto bad = [&](const char* what) -> std::optional<Parsed> {
    if (why) *why = what;
    return std::nullopt;
  };
  if (!e.starts_with("$scrypt$")) return bad("expected a hash starting \"$scrypt$\" (twinbench-edge passwd makes them)");
  e.remove_prefix(8);
  std::uint64_t ln = 0, r = 0, p = 0;
  if (!parameter(e, "ln", kLeastPasswordCost.log2_n, 20, ln) || !e.starts_with(",") || (e.remove_prefix(1), !parameter(e, "r", 1, 32, r)) ||
      !e.starts_with(",") || (e.remove_prefix(1), !parameter(e, "p", 1, 16, p)) || !e.starts_with("$"))
    return bad("expected the cost as \"ln=<4..20>,r=<1..32>,p=<1..16>\"");
  if ((std::uint64_t{128} * r) << ln > (256u << 20)) return bad("the cost needs more than 256 MiB (128 r 2^ln bytes)");
  e.remove_prefix(1);
  const auto dollar = e.find('$');
  if (dollar == std::string_view::npos) return bad("expected \"$<salt>$<key>\" after the cost");
  auto salt = from_base64_unpadded(e.substr(0, dollar));
  auto key = from_base64_unpadded(e.substr(dollar + 1));
  if (!salt || salt->size() != kSaltBytes) return bad("expected a 16-byte salt in unpadded base64");
  if (!key || key->size() != kKeyBytes) return bad("expected a 32-byte key in unpadded base64");
  return Parsed{{static_cast<unsigned>(ln), static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(p)}, std::move(*salt), std::move(*key)};
}

}  // namespace

std::string base64_unpadded(std::span<const std::uint8_t> b) {
  std::string out;
  out.reserve((b.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{b[i]} << 16) | (std::uint32_t{b[i + 1]} << 8) | b[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (const std::size_t rest = b.size() - i) {
    const std::uint32_t v = (std::uint32_t{b[i]} << 16) | (rest == 2 ? std::uint32_t{b[i + 1]} << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> from_base64_unpadded(std::string_view t) {
  if (t.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(t.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : t) {
    const char* at = std::char_traits<char>::find(kAlphabet, 64, c);
    if (!at) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (acc & ((1u << bits) - 1)) return std::nullopt;  // canonical: the bits left over are zero
  return out;
}

std::string hash_password(std::string_view password, std::span<const std::uint8_t, 16> salt, ScryptCost cost) {
  const auto key = crypto::scrypt(password, salt, cost.log2_n, cost.r, cost.p, kKeyBytes);
  if (key.empty()) throw std::invalid_argument("scrypt refused its cost parameters");
  return "$scrypt$ln=" + std::to_string(cost.log2_n) + ",r=" + std::to_string(cost.r) + ",p=" + std::to_string(cost.p) + "$" +
         base64_unpadded(salt) + "$" + base64_unpadded(key);
}

std::optional<ScryptCost> parse_password_hash(std::string_view encoded, std::string* why) {
  const auto p = parse(encoded, why);
  return p ? std::optional(p->cost) : std::nullopt;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  const auto p = parse(encoded, nullptr);
  if (!p) return false;
  const auto key = crypto::scrypt(password, bytes_of(p->salt), p->cost.log2_n, p->cost.r, p->cost.p, kKeyBytes);
  return !key.empty() && crypto::equal_in_constant_time(key, bytes_of(p->key));
}

PasswordFile PasswordFile::parse(std::string_view text) {
  PasswordFile f;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto fail = [&](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
      std::string what = "line " + std::to_string(line_no) + ": ";
      what.append(a).append(b).append(c);
      throw std::invalid_argument(what);
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) fail("expected \"<username>:<hash>\"");
    const std::string_view user = line.substr(0, colon);
    std::string why;
    if (!parse_password_hash(line.substr(colon + 1), &why)) fail("the hash of '", user, "': " + why);
    if (!f.hashes.emplace(user, line.substr(colon + 1)).second) fail("'", user, "' a second time");
  }
  return f;
}

std::string PasswordFile::text() const {
  std::string out = "# twinbench-edge password file: <username>:<scrypt hash>; edit with twinbench-edge passwd\n";
  for (const auto& [user, hash] : hashes) out += user + ":" + hash + "\n";
  return out;
}

}  // namespace twinbench::runtime::mqtt

namespace twinbench::runtime {

void InlinePasswordCheck::check(std::string password, std::string hash, std::function<void(PasswordVerdict)> done) {
  done(mqtt::verify_password(password, hash) ? PasswordVerdict::match : PasswordVerdict::mismatch);
}

}  // namespace twinbench::runtime
