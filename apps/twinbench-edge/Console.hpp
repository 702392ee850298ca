#pragma once
// twinbench-edge's web console (docs/console.md): HTTPS pages and a JSON API for the people of a plant,
// each with a role. Technicians get the alerts routed to them on a phone-sized page and acknowledge them;
// operators see the gateway's health and every alert, and tune the alert rules themselves (a preview over
// the scores the gateway kept, a new version on save, in force at once, any version restorable); managers
// see the alerts by severity and the money: the bench's business case (core/Economics) over the faults
// technicians confirmed and the false alarms they found. Live updates come as Server-Sent Events. People log in with the passwords of
// the daemon's password file (scrypt, on the worker thread); a session is a random token in a Secure,
// HttpOnly, SameSite=Strict cookie, and requests that change something must also carry the console's own
// header, so another site cannot make a browser send them. Every refusal and every change is audited.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/core/Economics.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/hil/HttpsServer.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/mqtt/Passwords.hpp"
#include "twinbench/runtime/ports/Audit.hpp"
#include "twinbench/runtime/ports/PasswordCheck.hpp"

namespace twinbench::twins::dtdl {
struct Content;
}

namespace twinbench::edge {

enum class ConsoleRole : std::uint8_t { technician, operator_, manager };
const char* to_string(ConsoleRole r);

/** The "console" object of edge.json. */
struct ConsoleConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  hil::TlsServerConfig tls;
  std::map<std::string, ConsoleRole> users;  ///< each also in the password file
  std::int64_t session_us = 8ll * 3600 * 1'000'000;
  std::string rules_dir;           ///< the rules' versions (v<N>.json), kept across restarts
  nlohmann::json initial_rules;    ///< version 1 when rules_dir has none: the rules file's document
  std::optional<core::Economics> economics;  ///< the business case the manager's figures follow; none: no money figures
};

/** @brief Read "console" (bad input names the file and path); `passwords` must hold every user. */
ConsoleConfig read_console(const std::string& file, const core::JsonObject& c, const runtime::mqtt::PasswordFile& passwords,
                           const std::function<std::string(const std::string&)>& relative);

class Console {
public:
  /** @brief What operators see of the gateway's health besides the runtime's own figures (sessions, CPU...). */
  using Health = std::function<nlohmann::json()>;
  Console(ConsoleConfig config, runtime::EdgeRuntime& rt, runtime::Clock& clock, runtime::PasswordCheck& passwords,
          runtime::mqtt::PasswordFile hashes, runtime::AuditTrail* audit, Health health);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;
  /** @brief Apply the newest rules version kept in rules_dir (or keep version 1 there); before serving. */
  void start();
  /** @brief The HttpsServer's handler. */
  void handle(const hil::HttpIn& in, hil::HttpReply reply);

private:
  struct Session {
    std::string user;
    ConsoleRole role;
    std::int64_t expires_us;
  };
  struct Stream {
    std::weak_ptr<hil::EventStream> stream;
    ConsoleRole role;
  };
  struct Version {
    std::uint64_t version = 0;
    std::string by;
    std::int64_t at_us = 0;
    nlohmann::json document;
  };

  const Session* session_of(const hil::HttpIn& in);
  void login(const hil::HttpIn& in, hil::HttpReply reply);
  void refuse(const Session& s, const std::string& action, hil::HttpReply& reply);
  void record(const std::string& actor, const std::string& action, const nlohmann::json& details);
  void push(const runtime::AlertEntry& e, runtime::AlertBook::Change change);
  nlohmann::json alerts_for(ConsoleRole role) const;
  nlohmann::json summary() const;
  nlohmann::json rules_view() const;
  nlohmann::json devices() const;
  void save_rules(const Session& s, const nlohmann::json& document, const std::string& note, hil::HttpReply& reply);
  std::int64_t utc_now() const;
  void tick();

  ConsoleConfig config_;
  runtime::EdgeRuntime& rt_;
  runtime::Clock& clock_;
  runtime::PasswordCheck& passwords_;
  runtime::mqtt::PasswordFile hashes_;
  runtime::AuditTrail* audit_;
  Health health_;
  std::map<std::string, Session> sessions_;  ///< by token
  std::vector<Stream> streams_;
  std::vector<Version> versions_;  ///< oldest first
  runtime::TimerId timer_ = 0;
  /// The devices' Interface's properties and its Components' (component name, property; "" for its own), with twinbench-edge's "twin".
  std::vector<std::pair<std::string, const twins::dtdl::Content*>> twin_properties_;
};

}  // namespace twinbench::edge
