#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::runtime {

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::session_opened: return "session_opened";
    case EventKind::session_closed: return "session_closed";
    case EventKind::telemetry: return "telemetry";
    case EventKind::protocol_error: return "protocol_error";
    case EventKind::uplink_sent: return "uplink_sent";
    case EventKind::uplink_deferred: return "uplink_deferred";
    case EventKind::uplink_dropped: return "uplink_dropped";
    case EventKind::devices_sent: return "devices_sent";
    case EventKind::devices_lost: return "devices_lost";
    case EventKind::devices_dropped: return "devices_dropped";
    case EventKind::acks_received: return "acks_received";
    case EventKind::downlink_dropped: return "downlink_dropped";
    case EventKind::transport_reset: return "transport_reset";
    case EventKind::cloud_received: return "cloud_received";
    case EventKind::fault_onset: return "fault_onset";
    case EventKind::link_down: return "link_down";
    case EventKind::link_up: return "link_up";
    case EventKind::run_end: return "run_end";
  }
  return "unknown";
}

}  // namespace twinbench::runtime
