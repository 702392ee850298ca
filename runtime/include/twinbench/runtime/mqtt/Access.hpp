#pragma once
// Who may connect to the broker and what each identity may publish and subscribe to (docs/security.md).
//
// Identities: a username whose password verifies against the password file (Passwords.hpp), or the name
// in a verified TLS client certificate (when the listener takes certificates as identities), or
// anonymous (refused unless allow_anonymous). Authorisation is deny by default: an identity may publish
// on a topic, or subscribe to a filter, only where an ACL rule for it allows, with %c (client id), %u
// (username) and %g (gateway name) put into the rule's patterns (a client id or username holding '/',
// '+' or '#' matches no pattern that uses it). Two sets of topics stand above the rules: control topics
// (the gateway's rules, OTA and cloud messages) are writable by the control identities only, and
// reserved topics (what the gateway itself publishes: uplink, alerts, twin, drift) by no client.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/mqtt/Passwords.hpp"

namespace twinbench::runtime::mqtt {

struct AclRule {
  std::string identity;                ///< a username or certificate name; "*": any authenticated identity; "anonymous"
  std::vector<std::string> publish;    ///< topic filters, with %c, %u, %g
  std::vector<std::string> subscribe;  ///< topic filters a subscription must fall within
};

struct AccessConfig {
  bool allow_anonymous = false;
  PasswordFile passwords;
  bool certificate_identity = false;  ///< a verified client certificate's name is the identity (no password needed)
  std::vector<AclRule> acl;
  std::vector<std::string> control_identities;  ///< the only ones that may publish on control_topics
  std::vector<std::string> control_topics;      ///< topic filters
  std::vector<std::string> reserved_topics;     ///< topic filters no client may publish on
  std::string gateway;                          ///< %g
};

/** A connected client's identity: empty name = anonymous. */
struct Identity {
  std::string name;
  bool anonymous() const { return name.empty(); }
};

class Access {
public:
  explicit Access(AccessConfig config);

  /** What to do with a CONNECT's credentials (the password check itself is the caller's: it is slow). */
  struct Admission {
    enum class Kind : std::uint8_t { admit, verify_password, refuse_credentials, refuse_not_authorized } kind;
    Identity identity;           ///< admit: who; verify_password: who, once `hash` verifies
    std::string_view hash;       ///< verify_password: the stored hash (a decoy's for an unknown user)
  };
  /**
   * @brief `certificate_name`: the name in the connection's verified client certificate ("" if none).
   * An unknown username is answered as a wrong password is, after the same work (a decoy hash).
   */
  Admission admit(std::optional<std::string_view> username, bool has_password, std::string_view certificate_name) const;

  bool may_publish(const Identity& who, std::string_view client_id, std::string_view topic) const;
  bool may_subscribe(const Identity& who, std::string_view client_id, std::string_view filter) const;

  const AccessConfig& config() const { return config_; }

private:
  bool rule_applies(const AclRule& r, const Identity& who) const;
  /** `pattern` with %c, %u, %g put in; nullopt if a value is unsafe to put in a filter. */
  std::optional<std::string> expand(std::string_view pattern, const Identity& who, std::string_view client_id) const;
  AccessConfig config_;
  std::string decoy_;  ///< verified for unknown usernames
};

/** @brief Every topic `filter` matches is matched by `pattern` too (both valid filters). */
bool filter_within(std::string_view filter, std::string_view pattern);

}  // namespace twinbench::runtime::mqtt
