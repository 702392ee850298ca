// twinbench shape: the lab's shaping proxy (hil/ShapingProxy) between simulated devices and a real
// gateway, with a simulated link preset's latency distribution, loss and bandwidth, because this kernel
// has no netem.

#include <sys/resource.h>

#include <charconv>
#include <iostream>
#include <optional>

#include "Commands.hpp"
#include "twinbench/core/Endpoint.hpp"
#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/hil/ShapingProxy.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::app {

namespace {

constexpr const char* kShapeHelp = R"(usage: twinbench shape --to HOST:PORT [--listen HOST:PORT] [--udp] [--preset NAME] [overrides] [--seed N] [--speed X]

Relay TCP connections (or, with --udp, datagrams) from --listen to --to, shaped like a simulated access
link: each chunk of bytes waits the link's latency floor plus a log-normal extra, the medium's bandwidth
is shared by every connection in each direction, and the loss model applies (docs/fidelity.md). A TCP
stream loses no bytes: a lost chunk arrives a retransmission timeout later (200 ms, doubling), and no
chunk overtakes the one ahead of it. A UDP datagram the model loses is dropped. Each client address gets
its own socket towards the target. Draws are seeded: connection k in arrival order uses stream k.

  --to HOST:PORT            the gateway (an IP address and port); required
  --listen HOST:PORT        where devices connect (default 127.0.0.1:0: a free port, printed)
  --udp                     relay UDP datagrams (CoAP/LwM2M) instead of TCP connections
  --preset NAME             a link preset: ethernet, wifi, cellular-4g, lorawan (default: no shaping)
  --latency-ms X            override the latency floor
  --jitter-median-ms X      override the log-normal extra's median (0: none)
  --jitter-sigma X          override its log-space standard deviation
  --loss X                  override the loss probability, in [0, 1)
  --bandwidth-bps X         override the bandwidth (0: no cap)
  --seed N                  seed of the draws (default 1)
  --speed X                 the lab's pace (twinbench hil --speed): play the link in simulated time, so every
                            duration (latency, jitter, retransmission timeout) is divided by X and the
                            bandwidth multiplied by X (default 1)
  --for-s X                 stop after X seconds of wall time (default: at SIGINT or SIGTERM)

Prints "listening on HOST:PORT" once bound, and the relay's figures when it stops.
exit codes: 0 ok, 2 bad input or usage (nothing is relayed).
)";

std::pair<std::string, std::uint16_t> parse_endpoint(const std::string& s, const std::string& option) {
  const auto e = core::parse_endpoint(s, 0);
  if (!e || !e->scheme.empty()) throw UsageError{option + ": expected HOST:PORT with an IP address and a port 0-65535, got '" + s + "'"};
  return {e->host, e->port};
}

double parse_number(const std::string& s, const std::string& option, double min, double max_exclusive) {
  double v = 0;
  const char* end = s.data() + s.size();
  if (std::from_chars(s.data(), end, v).ptr != end || !(v >= min) || !(v < max_exclusive))
    throw UsageError{option + ": expected a number in [" + std::to_string(min) + ", " + std::to_string(max_exclusive) + "), got '" + s + "'"};
  return v;
}

/** Raise the soft file limit to the hard one; two descriptors per relayed connection, 64 kept back. */
std::size_t flows_that_fit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1000;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur == RLIM_INFINITY) return 100'000;
  return rl.rlim_cur > 192 ? static_cast<std::size_t>((rl.rlim_cur - 64) / 2) : 64;
}

}  // namespace

int cmd_shape(const std::vector<std::string>& args) {
  hil::ShapingProxy::Options o;
  std::optional<double> latency, median, sigma, loss, bandwidth, for_s;
  double speed = 1;
  std::string preset;
  bool have_target = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kShapeHelp;
      return kOk;
    } else if (a == "--to") {
      std::tie(o.target_host, o.target_port) = parse_endpoint(value(), a);
      if (o.target_port == 0) throw UsageError{"--to: the gateway's port cannot be 0"};
      have_target = true;
    } else if (a == "--listen") {
      std::tie(o.listen_host, o.listen_port) = parse_endpoint(value(), a);
    } else if (a == "--udp") {
      o.udp = true;
    } else if (a == "--preset") {
      preset = value();
    } else if (a == "--latency-ms") {
      latency = parse_number(value(), a, 0, 1e6);
    } else if (a == "--jitter-median-ms") {
      median = parse_number(value(), a, 0, 1e6);
    } else if (a == "--jitter-sigma") {
      sigma = parse_number(value(), a, 0, 5.000001);
    } else if (a == "--loss") {
      loss = parse_number(value(), a, 0, 1);
    } else if (a == "--bandwidth-bps") {
      bandwidth = parse_number(value(), a, 0, 1e12);
    } else if (a == "--seed") {
      o.seed = parse_seed(value());
    } else if (a == "--speed") {
      speed = parse_number(value(), a, 0.001, 1e6);
    } else if (a == "--for-s") {
      for_s = parse_number(value(), a, 0, 1e9);
    } else {
      throw UsageError{"unknown argument '" + a + "'"};
    }
  }
  if (!have_target) throw UsageError{"missing --to HOST:PORT (the gateway)"};
  hil::Shaping& s = o.shaping;
  if (!preset.empty()) {
    const auto l = sim::link_preset(preset);
    if (!l) {
      std::string names;
      for (const auto& n : sim::link_preset_names()) names += (names.empty() ? "" : ", ") + n;
      throw UsageError{"--preset: unknown preset '" + preset + "' (expected one of: " + names + ")"};
    }
    s.latency_ms = l->latency_ms;
    s.jitter = {l->jitter_median_ms * 1e3, l->jitter_sigma};
    s.loss_probability = l->loss_probability;
    s.burst_loss = l->burst_loss;
    s.bandwidth_bps = l->bandwidth_bps;
  }
  if (latency) s.latency_ms = *latency;
  if (median) s.jitter.median_us = *median * 1e3;
  if (sigma) s.jitter.sigma = *sigma;
  if (loss) {
    s.loss_probability = *loss;
    s.burst_loss.reset();
  }
  if (bandwidth) s.bandwidth_bps = *bandwidth;
  if (speed != 1) {  // the link in simulated time: at speed X a simulated second lasts 1/X s
    s.latency_ms /= speed;
    s.jitter.median_us /= speed;
    s.retransmit_ms /= speed;
    s.bandwidth_bps *= speed;
  }
  o.flows_max = flows_that_fit();

  hil::EventLoop loop;
  std::optional<hil::ShapingProxy> proxy;
  try {
    proxy.emplace(loop, o);
  } catch (const std::runtime_error& e) {
    throw UsageError{e.what()};
  }
  std::cout << "twinbench shape: listening on " << o.listen_host << ':' << proxy->port() << " (" << (o.udp ? "udp" : "tcp") << ") -> "
            << o.target_host << ':' << o.target_port << ", latency " << s.latency_ms << " ms";
  if (s.jitter.any()) std::cout << " + log-normal extra (median " << s.jitter.median_us / 1e3 << " ms, sigma " << s.jitter.sigma << ")";
  if (s.burst_loss) std::cout << ", Gilbert-Elliott loss " << s.burst_loss->loss_ratio();
  else std::cout << ", loss " << s.loss_probability;
  if (s.bandwidth_bps > 0) std::cout << ", " << s.bandwidth_bps << " bit/s shared";
  std::cout << ", seed " << o.seed;
  if (speed != 1) std::cout << " (wall time at speed " << speed << ")";
  std::cout << std::endl;
  loop.on_shutdown_signal([&](int) { loop.stop(); });
  if (for_s) loop.run_for_ms(static_cast<long>(*for_s * 1000));
  else loop.run();
  const auto st = proxy->stats();
  std::cout << "twinbench shape: " << st.flows << (o.udp ? " peers" : " connections") << " (" << st.flows_refused << " refused), "
            << st.bytes_up << " bytes to the target, " << st.bytes_down << " back, " << st.chunks << " chunks, " << st.retransmits
            << " retransmissions, " << st.dropped << " datagrams lost" << std::endl;
  return kOk;
}

}  // namespace twinbench::app
