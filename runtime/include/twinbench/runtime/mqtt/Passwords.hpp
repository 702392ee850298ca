#pragma once
// Passwords of the broker's clients, stored only as salted scrypt hashes (RFC 7914) in the PHC string
// format, one "<username>:<hash>" line each in a password file (twinbench-edge passwd writes it):
//   $scrypt$ln=15,r=8,p=1$<salt>$<key>      (salt 16 bytes, key 32 bytes, both base64 without padding)
// The cost is in the string, so a file made with a higher cost verifies as it was made.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace twinbench::runtime::mqtt {

struct ScryptCost {
  unsigned log2_n = 15;  ///< N = 2^log2_n
  std::uint32_t r = 8, p = 1;
  friend bool operator==(const ScryptCost&, const ScryptCost&) = default;
};
/** What twinbench-edge passwd uses: 32 MiB and about 0.1 s per check on a small gateway CPU. */
inline constexpr ScryptCost kPasswordCost{15, 8, 1};
/** The least a password file may use (what simulated fleets use, whose CPU cost is modelled instead). */
inline constexpr ScryptCost kLeastPasswordCost{4, 8, 1};

/** @brief The PHC string of `password` with `salt` (16 random bytes) at `cost`. */
std::string hash_password(std::string_view password, std::span<const std::uint8_t, 16> salt, ScryptCost cost = kPasswordCost);
/** @brief The cost of a well-formed hash; nullopt, with `why` said, for anything else. */
std::optional<ScryptCost> parse_password_hash(std::string_view encoded, std::string* why = nullptr);
/** @brief True if `password` is the one hashed in `encoded` (compared in constant time); false for a malformed hash. */
bool verify_password(std::string_view password, std::string_view encoded);

/** A password file: usernames and their hashes. */
struct PasswordFile {
  std::map<std::string, std::string, std::less<>> hashes;
  /**
   * @brief Parse the text of a file ("<username>:<hash>" lines; blank lines and lines starting with '#'
   * ignored). Throws std::invalid_argument "line N: ..." for a line that is not that, a username
   * twice, or a hash that is not well-formed.
   */
  static PasswordFile parse(std::string_view text);
  std::string text() const;
};

/** @brief RFC 4648 base64, standard alphabet, without padding (as the PHC format writes it). */
std::string base64_unpadded(std::span<const std::uint8_t> bytes);
/** @brief Its inverse; nullopt for anything not of that form. */
std::optional<std::string> from_base64_unpadded(std::string_view text);

}  // namespace twinbench::runtime::mqtt
