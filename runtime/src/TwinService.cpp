#include "twinbench/runtime/TwinService.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cassert>

#include "twinbench/twins/dtdl/TwinRegistry.hpp"

namespace twinbench::runtime {

using nlohmann::json;

namespace {

constexpr std::uint64_t kDevicesPerOperationMax = 16'000'000;

std::optional<json> parse(std::span<const std::uint8_t> payload) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

/** "component/name" or "name" (properties); "component*name" or "name" (commands, as Plug and Play names them). */
std::pair<std::string, std::string> split(const std::string& path, char sep) {
  const auto at = path.find(sep);
  if (at == std::string::npos) return {"", path};
  return {path.substr(0, at), path.substr(at + 1)};
}

bool is_ack(const json& v) { return v.is_object() && v.contains("value") && v.contains("ac") && v.contains("av"); }

}  // namespace

std::string twin_topic::base(std::string_view prefix, ConnId device) {
  std::string t(prefix);
  t += '/';
  t += std::to_string(device);
  return t;
}

struct TwinService::DeviceState {
  twins::dtdl::Twin twin;
  std::uint64_t desired_version = 0;
  std::vector<Pending> pending;  ///< desired values sent, not yet acknowledged
};

TwinService::TwinService(std::shared_ptr<const twins::dtdl::ModelSet> models, std::string_view dtmi, std::string topic_prefix, Clock& clock,
                         TwinHost& host, TimeUs command_timeout_us)
    : models_(std::move(models)), model_(models_->find(dtmi)), dtmi_(dtmi), prefix_(std::move(topic_prefix)), clock_(clock), host_(host),
      command_timeout_us_(command_timeout_us) {
  assert(model_ != nullptr);
}

TwinService::~TwinService() {
  for (const auto& [op, timer] : expiry_timers_) clock_.cancel(timer);
}

TwinService::DeviceState& TwinService::device(ConnId d) {
  auto& slot = devices_[d];
  if (!slot) slot.reset(new DeviceState{twins::dtdl::Twin("d" + std::to_string(d), *model_, *models_), 0, {}});
  return *slot;
}

const twins::dtdl::Twin* TwinService::twin(ConnId device) const {
  auto it = devices_.find(device);
  return it == devices_.end() ? nullptr : &it->second->twin;
}

bool TwinService::on_cloud_operation(std::span<const std::uint8_t> payload) {
  auto j = parse(payload);
  if (!j) return false;
  const json& op_j = (*j)["op"];
  const json& devices = (*j)["devices"];
  const bool is_property = j->contains("property"), is_command = j->contains("command");
  if (!op_j.is_number_unsigned() || op_j.get<std::uint64_t>() > UINT32_MAX || !devices.is_array() || is_property == is_command) return false;
  const json& target = is_property ? (*j)["property"] : (*j)["command"];
  if (!target.is_string() || (is_property && !j->contains("value"))) return false;
  std::vector<std::pair<ConnId, ConnId>> ranges;
  std::uint64_t count = 0;
  for (const json& r : devices) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() || !r[1].is_number_unsigned()) return false;
    const auto first = r[0].get<std::uint64_t>(), last = r[1].get<std::uint64_t>();
    if (first > last || last >= kNoConn - 1) return false;
    count += last - first + 1;
    if (count > kDevicesPerOperationMax) return false;
    ranges.emplace_back(static_cast<ConnId>(first), static_cast<ConnId>(last));
  }
  const auto op = static_cast<std::uint32_t>(op_j.get<std::uint64_t>());
  const auto [component, name] = split(target.get<std::string>(), is_property ? '/' : '*');
  const json none;
  const json& value = is_property ? (*j)["value"] : j->value("request", none);
  const std::string value_json = value.dump();
  const std::size_t commands_before = commands_.size();
  for (const auto& [first, last] : ranges)
    for (std::uint64_t d = first; d <= last; ++d) {
      if (is_property) desire(static_cast<ConnId>(d), op, component, name, value, value_json);
      else command(static_cast<ConnId>(d), op, component, name, value, value_json);
    }
  if (commands_.size() > commands_before)
    expiry_timers_[op] = clock_.schedule(command_timeout_us_, [this, op] {
      expiry_timers_.erase(op);
      expire_commands(op);
    });
  return true;
}

void TwinService::desire(ConnId d, std::uint32_t op, const std::string& component, const std::string& name, const json& value,
                         const std::string& value_json) {
  DeviceState& s = device(d);
  if (!s.twin.desire(component, name, value).ok()) {
    result(op, d, twin_bad_request);
    return;
  }
  auto& pending = s.pending;
  for (auto it = pending.begin(); it != pending.end();) {
    if (it->component == component && it->name == name) {
      result(it->op, d, twin_superseded);
      it = pending.erase(it);
    } else {
      ++it;
    }
  }
  pending.push_back({op, ++s.desired_version, component, name, value_json});
  if (host_.online(d)) send_desired(d, pending.back());
}

void TwinService::send_desired(ConnId d, const Pending& p) {
  // {"name": value, "$version": v} or {"component": {"__t": "c", "name": value}, "$version": v}
  scratch_ = "{";
  if (!p.component.empty()) scratch_ += json(p.component).dump() + ":{\"__t\":\"c\",";
  scratch_ += json(p.name).dump() + ":" + p.value;
  if (!p.component.empty()) scratch_ += "}";
  scratch_ += ",\"$version\":" + std::to_string(p.version) + "}";
  host_.publish(d, twin_topic::base(prefix_, d) + std::string(twin_topic::desired), scratch_);
}

void TwinService::command(ConnId d, std::uint32_t op, const std::string& component, const std::string& name, const json& request,
                          const std::string& request_json) {
  if (!device(d).twin.command_request(component, name, request).ok()) {
    result(op, d, twin_bad_request);
    return;
  }
  if (!host_.online(d)) {
    result(op, d, twin_device_offline);
    return;
  }
  const std::uint64_t rid = next_rid_++;
  commands_.emplace(rid, Command{op, d, component, name});
  std::string topic = twin_topic::base(prefix_, d);
  topic += twin_topic::commands;
  if (!component.empty()) topic += component + "*";
  topic += name;
  scratch_ = "{\"rid\":" + std::to_string(rid);
  if (!request.is_null()) scratch_ += ",\"request\":" + request_json;
  scratch_ += "}";
  host_.publish(d, topic, scratch_);
}

void TwinService::expire_commands(std::uint32_t op) {
  for (auto it = commands_.begin(); it != commands_.end();) {
    if (it->second.op == op) {
      result(op, it->second.device, twin_timeout);
      it = commands_.erase(it);
    } else {
      ++it;
    }
  }
}

void TwinService::on_device_online(ConnId d) {
  auto it = devices_.find(d);
  if (it == devices_.end()) return;
  for (const Pending& p : it->second->pending) send_desired(d, p);
}

bool TwinService::on_device_publish(ConnId d, std::string_view topic, std::span<const std::uint8_t> payload) {
  if (topic.ends_with(twin_topic::reported)) on_reported(d, payload);
  else if (topic.ends_with(twin_topic::response)) on_response(d, payload);
  else return false;
  return true;
}

void TwinService::on_reported(ConnId d, std::span<const std::uint8_t> payload) {
  const auto j = parse(payload);
  if (!j) {
    ++refused_;
    return;
  }
  DeviceState& s = device(d);
  auto handle = [&](const std::string& component, const std::string& name, const json& v) {
    const bool ack = is_ack(v);
    const bool fits = s.twin.report(component, name, ack ? v["value"] : v).ok();
    if (!fits) ++refused_;
    if (!ack) return;
    if (!v["av"].is_number_unsigned() || !v["ac"].is_number_integer()) {
      ++refused_;
      return;
    }
    const auto av = v["av"].get<std::uint64_t>();
    auto it = std::find_if(s.pending.begin(), s.pending.end(),
                           [&](const Pending& p) { return p.version == av && p.component == component && p.name == name; });
    if (it == s.pending.end()) return;  // an acknowledgement we no longer wait for (superseded, or a repeat)
    const int ac = v["ac"].get<int>();
    result(it->op, d, ac == twin_ok && !fits ? twin_bad_answer : ac);
    s.pending.erase(it);
  };
  for (const auto& [key, v] : j->items()) {
    if (key == "$version") continue;
    if (v.is_object() && v.value("__t", "") == "c") {
      for (const auto& [name, cv] : v.items())
        if (name != "__t") handle(key, name, cv);
    } else {
      handle("", key, v);
    }
  }
}

void TwinService::on_response(ConnId d, std::span<const std::uint8_t> payload) {
  auto j = parse(payload);
  if (!j || !(*j)["rid"].is_number_unsigned() || !(*j)["status"].is_number_integer()) {
    ++refused_;
    return;
  }
  auto it = commands_.find((*j)["rid"].get<std::uint64_t>());
  if (it == commands_.end() || it->second.device != d) {
    ++refused_;  // a response to nothing we asked (or asked of another device)
    return;
  }
  const Command c = it->second;
  commands_.erase(it);
  int status = (*j)["status"].get<int>();
  const json none;
  if (status == twin_ok && !device(d).twin.command_response(c.component, c.name, j->value("response", none)).ok()) {
    ++refused_;
    status = twin_bad_answer;
  }
  result(c.op, d, status);
}

std::vector<TwinResult> TwinService::take_results() { return std::exchange(results_, {}); }

std::uint64_t TwinService::take_refused() { return std::exchange(refused_, 0); }

std::size_t TwinService::desired_pending() const {
  std::size_t n = 0;
  for (const auto& [d, s] : devices_) n += s->pending.size();
  return n;
}

}  // namespace twinbench::runtime
