#pragma once
// twinbench-edge's configuration file (edge.json, format twinbench-edge/1): what the daemon runs, read
// and checked like a scenario (bad input: core::InputError naming the file, the JSON path and what was
// expected). The keys are listed in twinbench-edge --help.

#include <cstdint>
#include <optional>
#include <string>

#include "Console.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/ota/Crypto.hpp"

namespace twinbench::edge {

struct Options {
  runtime::EdgeConfig edge;
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  bool lwm2m = false;
  std::string lwm2m_host;  ///< empty: the same as host
  std::uint16_t lwm2m_port = 5683;
  std::string file;                   ///< the configuration file, for errors found after loading it
  std::optional<hil::TlsConfig> tls;  ///< for an mqtts:// uplink
  std::optional<hil::TlsServerConfig> listen_tls;  ///< devices connect over TLS
  std::string audit_log;              ///< empty: none
  std::string store;                  ///< store_forward.storage; empty: the uplink buffer is in memory
  struct Ota {
    std::string storage, factory_manifest, model_dir;
    runtime::crypto::PublicKey trusted{};
  };
  std::optional<Ota> ota;  ///< model updates over the air
  hil::TlsConfig webhook_tls;  ///< how webhooks' https:// partners are checked (the system's CAs by default)
  std::optional<ConsoleConfig> console;  ///< the web console (docs/console.md); none: not served
};

/** @brief Read and check the configuration file. */
Options load_config(const std::string& file);

}  // namespace twinbench::edge
