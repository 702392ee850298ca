#pragma once
// The gateway's side of device twins. Desired properties and commands arrive from the cloud as
// operations; the service checks them against the devices' DTDL Interface, sends them to the devices,
// checks what the devices answer against the same model, and keeps one result per (operation, device)
// for the cloud. Message formats follow the IoT Plug and Play conventions; docs/dtdl.md has them all.
//
// Topics (<base> is a device's topic root, e.g. tb/plant-gw-0/17):
//   gateway -> device  <base>/twin/desired       {"alertThreshold": 0.8, "$version": 3}
//   device -> gateway  <base>/twin/reported      {"alertThreshold": {"value": 0.8, "ac": 200, "av": 3}}
//   gateway -> device  <base>/commands/<name>    {"rid": 12, "request": 30}
//   device -> gateway  <base>/commands/response  {"rid": 12, "status": 200, "response": true}
// Component elements nest as {"cooler": {"__t": "c", "fanOverride": ...}}; component commands are named
// "cooler*name".

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::twins::dtdl {
class ModelSet;
struct Interface;
class Twin;
}  // namespace twinbench::twins::dtdl

namespace twinbench::runtime {

/** Outcome of one operation on one device, as HTTP-style codes (Plug and Play's "ac"). */
enum TwinStatus : int {
  twin_ok = 200,
  twin_bad_request = 400,       ///< refused by the model (gateway) or by the device
  twin_device_offline = 404,    ///< command for a device without a session
  twin_superseded = 409,        ///< a newer desired value of the same property was sent before the device answered
  twin_not_implemented = 501,   ///< the device does not implement the command
  twin_bad_answer = 502,        ///< the device's answer does not fit the model
  twin_timeout = 504,           ///< no command response in time
};

/** The topic leaves of the twin protocol; the device's base topic comes first. */
namespace twin_topic {
inline constexpr std::string_view telemetry = "/telemetry";
inline constexpr std::string_view desired = "/twin/desired";
inline constexpr std::string_view reported = "/twin/reported";
inline constexpr std::string_view commands = "/commands/";
inline constexpr std::string_view response = "/commands/response";
/** <prefix>/<device> */
std::string base(std::string_view prefix, ConnId device);
}  // namespace twin_topic

struct TwinResult {
  std::uint32_t op = 0;
  ConnId device = 0;
  int status = 0;
};

/** What the service needs from its host (the edge runtime). */
class TwinHost {
public:
  virtual ~TwinHost() = default;
  virtual bool online(ConnId device) const = 0;
  /** Send a QoS 0 PUBLISH to a connected device. */
  virtual void publish(ConnId device, std::string_view topic, std::string_view payload) = 0;
  /** A result was decided (take_results() has something). */
  virtual void results_ready() = 0;
};

class TwinService {
public:
  /**
   * @param models the DTDL model set (kept alive by the service)
   * @param dtmi the devices' Interface; must be in `models`
   * @param topic_prefix devices' topics are <prefix>/<device>/...
   */
  TwinService(std::shared_ptr<const twins::dtdl::ModelSet> models, std::string_view dtmi, std::string topic_prefix, Clock& clock,
              TwinHost& host, TimeUs command_timeout_us);
  ~TwinService();
  TwinService(const TwinService&) = delete;
  TwinService& operator=(const TwinService&) = delete;

  /**
   * @brief An operation from the cloud (JSON):
   *   {"op": 3, "devices": [[0, 49]], "property": "cooler/fanOverride", "value": true}
   *   {"op": 4, "devices": [[0, 49]], "command": "setReportingPeriod", "request": 30}
   * `devices` lists inclusive ranges. False if the message is malformed (nothing happens then).
   */
  bool on_cloud_operation(std::span<const std::uint8_t> payload);
  /** @brief A device (re)connected: it gets the desired values it has not acknowledged. */
  void on_device_online(ConnId device);
  /** @brief A PUBLISH from a device on a twin topic; false if `topic` is not one (it is telemetry then). */
  bool on_device_publish(ConnId device, std::string_view topic, std::span<const std::uint8_t> payload);

  /** @brief Results since the last call, in the order they were decided. */
  std::vector<TwinResult> take_results();
  /** @brief Device messages refused since the last call: malformed, or values that do not fit the model. */
  std::uint64_t take_refused();
  /** @brief Desired values sent and not yet acknowledged, over all devices. */
  std::size_t desired_pending() const;
  std::size_t commands_pending() const { return commands_.size(); }

  /** @brief The device's twin (nullptr if no operation has touched it yet). */
  const twins::dtdl::Twin* twin(ConnId device) const;
  /** @brief The models and the devices' Interface (its DTMI). */
  const twins::dtdl::ModelSet* models() const { return models_.get(); }
  const std::string& interface_id() const { return dtmi_; }

private:
  struct Pending {
    std::uint32_t op;
    std::uint64_t version;
    std::string component, name;
    std::string value;  ///< JSON
  };
  struct DeviceState;
  struct Command {
    std::uint32_t op;
    ConnId device;
    std::string component, name;
  };

  DeviceState& device(ConnId d);
  /** `value` and its JSON text (parsed and printed once per operation, not per device). */
  void desire(ConnId d, std::uint32_t op, const std::string& component, const std::string& name, const nlohmann::json& value,
              const std::string& value_json);
  void command(ConnId d, std::uint32_t op, const std::string& component, const std::string& name, const nlohmann::json& request,
               const std::string& request_json);
  void send_desired(ConnId d, const Pending& p);
  void on_reported(ConnId d, std::span<const std::uint8_t> payload);
  void on_response(ConnId d, std::span<const std::uint8_t> payload);
  void expire_commands(std::uint32_t op);
  void result(std::uint32_t op, ConnId d, int status) {
    results_.push_back({op, d, status});
    host_.results_ready();
  }

  std::shared_ptr<const twins::dtdl::ModelSet> models_;
  const twins::dtdl::Interface* model_;
  std::string dtmi_;
  std::string prefix_;
  Clock& clock_;
  TwinHost& host_;
  TimeUs command_timeout_us_;
  std::map<ConnId, std::unique_ptr<DeviceState>> devices_;  ///< only devices an operation touched
  std::map<std::uint64_t, Command> commands_;               ///< awaiting a response, by request id
  std::map<std::uint32_t, TimerId> expiry_timers_;          ///< per operation with commands (cancelled on destruction)
  std::uint64_t next_rid_ = 1;
  std::vector<TwinResult> results_;
  std::uint64_t refused_ = 0;
  std::string scratch_;
};

}  // namespace twinbench::runtime
