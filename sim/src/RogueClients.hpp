#pragma once
// Rogue clients at one simulated gateway (a scenario's security.rogue_clients, docs/security.md): each
// attempt is a connection of its own, speaking MQTT 5 so that every refusal shows in a reason code:
//  - wrong_password: a device's username with a wrong password (CONNACK 0x86 expected);
//  - anonymous: no credentials (CONNACK 0x87);
//  - fake_rules: a device's own credentials (stolen), then a rule change on tb/cloud/<gw>/rules and a
//    fake uplink on tb/uplink/<gw>, at QoS 1 (PUBACK 0x87 for both);
//  - read_all: a device's own credentials, then a subscription to '#' (SUBACK 0x87).
// An attempt is refused when every step got a refusal, succeeded when any step was allowed; either way
// the client disconnects. Outcomes are ev::RogueAttempt events.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/sim/Scenario.hpp"
#include "twinbench/sim/Wire.hpp"

namespace twinbench::sim {

class RogueClients {
public:
  /**
   * @brief The attempts of `rogues` at gateway `gateway` (its name, its index for events); connections
   * from `first_conn` up (above its devices'); `device_password`: device 0's password (what a thief has).
   */
  RogueClients(const std::vector<SecuritySpec::Rogue>& rogues, std::string gateway, std::uint32_t gateway_index, runtime::ConnId first_conn,
               std::string device_password);

  runtime::TimeUs next_due_us() const;
  /** @brief The attempts due by `now_us`: their packets, each on a new connection. */
  void produce(runtime::TimeUs now_us, WireBatch& out);
  /** @brief The gateway's answers on the rogue connections (other frames are not ours); outcomes to `sink`. */
  void consume(const WireBatch& in, runtime::TimeUs now_us, runtime::Sink& sink, WireBatch& replies);
  bool empty() const { return due_.empty() && open_.empty(); }

private:
  struct Attempt {
    SecuritySpec::Rogue::Attack attack;
    int steps_left = 0;  ///< answers still awaited
    bool allowed = false;
    std::vector<std::uint8_t> rx;  ///< bytes of a packet not yet whole
  };
  std::vector<std::pair<runtime::TimeUs, SecuritySpec::Rogue::Attack>> due_;  ///< sorted, latest first
  std::map<runtime::ConnId, Attempt> open_;
  std::string gateway_;
  std::uint32_t gateway_index_;
  runtime::ConnId next_conn_;
  std::string password_;
  std::vector<std::uint8_t> packet_;
};

}  // namespace twinbench::sim
