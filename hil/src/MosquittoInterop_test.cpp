// Our MQTT client session (runtime/mqtt/Client) on real sockets against Debian's mosquitto, which the
// test starts on a free loopback port: QoS 1 and 2 across a connection cut while every message is in
// flight, retained messages, the will of a client that vanishes, and reconnecting with backoff to a
// broker that comes back; in MQTT 3.1.1 and in MQTT 5, where the client also keeps to the limits a
// mosquitto configured with max_qos, retain_available and max_packet_size announces in its CONNACK.
// Skipped, saying why, only where mosquitto is not installed.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <fcntl.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

#include "twinbench/hil/AsioClock.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"

extern char** environ;

namespace twinbench::hil {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace mqtt = runtime::mqtt;

std::string find_mosquitto() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"})
    if (fs::exists(p)) return p;
  return "";
}

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

bool accepts(std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

/** mosquitto on 127.0.0.1 (anonymous, in memory), stopped when this goes. Without a port it takes a free one:
 * mosquitto cannot be told to bind port 0, so a port another process takes meanwhile is tried again with another. */
class Mosquitto {
public:
  Mosquitto(const std::string& binary, std::uint16_t port = 0, const std::string& extra_config = "") {
    dir_ = fs::temp_directory_path() / "twinbench-mosquitto-XXXXXX";
    std::string dir = dir_.string();
    if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = port ? port : free_port();
      if (start(binary, extra_config)) return;
      if (port) break;
    }
    throw std::runtime_error("mosquitto did not listen; see " + (dir_ / "mosquitto.log").string());
  }
  ~Mosquitto() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }

private:
  /** True once it accepts connections and is still alive (so the listener is its own). */
  bool start(const std::string& binary, const std::string& extra_config) {
    std::ofstream(dir_ / "mosquitto.conf") << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\npersistence false\n" << extra_config;
    const std::string conf = (dir_ / "mosquitto.conf").string(), log = (dir_ / "mosquitto.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const char* argv[] = {binary.c_str(), "-c", conf.c_str(), nullptr};
    const int rc = posix_spawn(&pid_, binary.c_str(), &fa, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + binary);
    for (int i = 0; i < 400; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return false;  // it exited: the port was taken
      if (accepts(port_)) return waitpid(pid_, nullptr, WNOHANG) == 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));  // polling for the listener, at most 10 s
    }
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    return false;
  }
  std::uint16_t port_ = 0;
  fs::path dir_;
  pid_t pid_ = 0;
};

/** A client with its deliveries recorded. */
struct Peer final : mqtt::ClientHooks {
  std::map<std::string, int> received;  ///< payload -> deliveries
  std::vector<bool> retain_flags;
  std::map<std::string, int> qos;  ///< payload -> QoS of its (last) delivery
  int connects = 0;
  void on_connected(bool) override { ++connects; }
  void on_connection_lost() override {}
  void on_message(const mqtt::Publish& p) override {
    ++received[std::string(p.payload.begin(), p.payload.end())];
    qos[std::string(p.payload.begin(), p.payload.end())] = p.qos;
    retain_flags.push_back(p.retain);
  }
};

/** The transport with a fault of our own: cut() drops a connection as a network failure would. */
struct CuttableTransport final : runtime::Transport, runtime::TransportHandler {
  explicit CuttableTransport(TcpTransport& t) : tcp(t) {}
  runtime::ConnId connect(std::string_view endpoint, runtime::TransportHandler& h) override {
    const auto id = tcp.connect(endpoint, *this);
    handlers[id] = &h;
    return id;
  }
  runtime::SendStatus send(runtime::ConnId c, std::span<const std::uint8_t> b) override { return tcp.send(c, b); }
  void close(runtime::ConnId c) override { tcp.close(c); }
  void cut(runtime::ConnId c) {
    tcp.close(c);  // what was sent still goes out; the answers are lost with the connection
    handlers[c]->on_closed(c);
  }
  void on_open(runtime::ConnId c) override { handlers[c]->on_open(c); }
  void on_bytes(runtime::ConnId c, std::span<const std::uint8_t> b) override { handlers[c]->on_bytes(c, b); }
  void on_closed(runtime::ConnId c) override { handlers[c]->on_closed(c); }
  TcpTransport& tcp;
  std::map<runtime::ConnId, runtime::TransportHandler*> handlers;
};

class MosquittoInterop : public ::testing::Test {
protected:
  void SetUp() override {
    const std::string bin = find_mosquitto();
    if (bin.empty()) GTEST_SKIP() << "mosquitto is not installed (apt-get install mosquitto): interop tests skipped";
    broker = std::make_unique<Mosquitto>(bin);
  }
  mqtt::ClientConfig config(std::string id, bool clean = true, mqtt::Version version = mqtt::Version::v311) {
    mqtt::ClientConfig c;
    c.version = version;
    c.endpoint = broker->url();
    c.client_id = std::move(id);
    c.clean_session = clean;
    c.keepalive_s = 5;
    c.backoff = {50'000, 400'000};
    return c;
  }
  /** Run the loop until `done` holds (or 10 s pass). */
  template <typename F> bool run_until(F done) {
    for (int i = 0; i < 500 && !done(); ++i) loop.run_for_ms(20);
    return done();
  }
  /** The client's subscription is in force once a message it publishes on `topic` comes back to it (the broker
   * handles a connection's packets in order): a condition to wait for, where a fixed wait for the SUBACK was. */
  bool subscribed(mqtt::Client& c, Peer& hooks, const std::string& topic) {
    const std::uint8_t probe[] = {'p', 'r', 'o', 'b', 'e'};
    return c.publish(topic, probe, 1) && run_until([&] { return hooks.received.count("probe") == 1; });
  }
  std::unique_ptr<Mosquitto> broker;
  EventLoop loop;
  AsioClock clock{loop};
  TcpTransport tcp{loop};

  void survive_a_cut(mqtt::Version version);
};

void MosquittoInterop::survive_a_cut(mqtt::Version version) {
  Peer sub_hooks, pub_hooks;
  mqtt::Client sub(config("itest-sub", true, version), {clock, tcp, core::RngStream(1)}, sub_hooks);
  sub.subscribe("itest/#", 2);
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.connected(); }));
  ASSERT_TRUE(subscribed(sub, sub_hooks, "itest/probe"));

  CuttableTransport cuttable(tcp);
  auto pub_config = config("itest-pub", /*clean=*/false, version);
  pub_config.max_inflight = 64;  // room for all of them at once
  mqtt::Client pub(pub_config, {clock, cuttable, core::RngStream(2)}, pub_hooks);
  pub.start();
  ASSERT_TRUE(run_until([&] { return pub.connected(); }));
  constexpr int kEach = 20;
  for (int i = 0; i < kEach; ++i) {
    for (std::uint8_t qos : {1, 2}) {
      const std::string payload = "q" + std::to_string(qos) + "-" + std::to_string(i);
      ASSERT_TRUE(pub.publish("itest/data", std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), qos));
    }
  }
  // Every PUBLISH the window lets out is on its way and none is acknowledged yet: cut the connection now.
  // (MQTT 5: mosquitto announces a Receive Maximum of 20, its max_inflight_messages, and the client keeps to it.)
  const std::size_t in_flight = std::min<std::size_t>(2 * kEach, pub.window());
  EXPECT_EQ(pub.window(), version == mqtt::Version::v5 ? 20 : 64);
  cuttable.cut(cuttable.handlers.rbegin()->first);
  EXPECT_EQ(pub.pending(), 2u * kEach);
  ASSERT_TRUE(run_until([&] { return pub.connected() && pub.pending() == 0; })) << pub.pending() << " still pending";
  ASSERT_TRUE(run_until([&] { return sub_hooks.received.size() == 2u * kEach + 1; })) << sub_hooks.received.size();
  // Duplicates, if any, were sent before this last message, and the broker keeps a topic's order.
  const std::uint8_t end[] = {'e', 'n', 'd'};
  ASSERT_TRUE(pub.publish("itest/data", end, 1));
  ASSERT_TRUE(run_until([&] { return sub_hooks.received.count("end") == 1; }));
  EXPECT_EQ(pub.stats().resent, in_flight);  // the cut hit every one of them
  EXPECT_EQ(pub_hooks.connects, 2);
  for (int i = 0; i < kEach; ++i) {
    EXPECT_GE(sub_hooks.received["q1-" + std::to_string(i)], 1) << "QoS 1 is at least once";
    EXPECT_EQ(sub_hooks.received["q2-" + std::to_string(i)], 1) << "QoS 2 is exactly once";
  }
}

TEST_F(MosquittoInterop, Qos1AndQos2SurviveACutWithEveryMessageInFlight) { survive_a_cut(mqtt::Version::v311); }

TEST_F(MosquittoInterop, Mqtt5Qos1AndQos2SurviveACutWithEveryMessageInFlight) { survive_a_cut(mqtt::Version::v5); }

TEST_F(MosquittoInterop, Mqtt5KeepsToTheLimitsTheBrokerAnnounces) {
  // mosquitto disconnects a client that publishes above max_qos, with RETAIN when retain_available is
  // false, or a packet over max_packet_size: staying connected through all of this is the test.
  broker.reset();
  broker = std::make_unique<Mosquitto>(find_mosquitto(), 0, "max_qos 1\nretain_available false\nmax_packet_size 300\n");
  Peer sub_hooks, pub_hooks;
  mqtt::Client sub(config("itest-limits-sub", true, mqtt::Version::v5), {clock, tcp, core::RngStream(8)}, sub_hooks);
  sub.subscribe("limits/#", 1);
  sub.start();
  mqtt::Client pub(config("itest-limits-pub", true, mqtt::Version::v5), {clock, tcp, core::RngStream(9)}, pub_hooks);
  pub.start();
  ASSERT_TRUE(run_until([&] { return sub.connected() && pub.connected(); }));
  ASSERT_TRUE(subscribed(sub, sub_hooks, "limits/probe"));
  const auto bytes = [](const std::string& s) { return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
  const std::string big(400, 'x');
  runtime::mqtt::PublishProperties props;
  props.user = {{"k", "v"}};
  ASSERT_TRUE(pub.publish("limits/a", bytes("qos2-retained"), 2, /*retain=*/true, props));
  ASSERT_TRUE(pub.publish("limits/a", bytes(big), 1));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pub.publish("limits/a", bytes("m" + std::to_string(i)), 1));
  ASSERT_TRUE(run_until([&] { return pub.pending() == 0 && sub_hooks.received.size() == 11 + 1; })) << sub_hooks.received.size();
  EXPECT_EQ(pub_hooks.connects, 1);  // never disconnected by mosquitto
  EXPECT_EQ(pub.stats().losses, 0u);
  EXPECT_EQ(pub.stats().downgraded, 1u);
  EXPECT_EQ(pub.stats().too_large, 1u);
  EXPECT_EQ(pub.stats().acked, 11u);
  EXPECT_EQ(sub_hooks.qos["qos2-retained"], 1);
  EXPECT_EQ(sub_hooks.received.count(big), 0u);
}

TEST_F(MosquittoInterop, RetainedMessagesAndTheWillOfAVanishedClient) {
  Peer a_hooks, b_hooks;
  auto will_config = config("itest-doomed");
  will_config.will = mqtt::ClientConfig::Will{"itest/status/doomed", {'o', 'f', 'f'}, 1, false};
  CuttableTransport cuttable(tcp);
  mqtt::Client doomed(will_config, {clock, cuttable, core::RngStream(3)}, a_hooks);
  doomed.start();
  ASSERT_TRUE(run_until([&] { return doomed.connected(); }));
  const std::uint8_t cfg[] = {'4', '2'};
  doomed.publish("itest/cfg", cfg, 1, /*retain=*/true);
  ASSERT_TRUE(run_until([&] { return doomed.pending() == 0; }));

  mqtt::Client watcher(config("itest-watcher"), {clock, tcp, core::RngStream(4)}, b_hooks);
  watcher.subscribe("itest/#", 1);
  watcher.start();
  ASSERT_TRUE(run_until([&] { return b_hooks.received.count("42") == 1; }));
  EXPECT_TRUE(b_hooks.retain_flags.at(0));  // a retained message to a new subscription has RETAIN set
  doomed.stop();  // reconnects would muddle the test; the cut below is what the broker sees
  Peer c_hooks;
  mqtt::Client doomed2(will_config, {clock, cuttable, core::RngStream(5)}, c_hooks);
  doomed2.start();
  ASSERT_TRUE(run_until([&] { return doomed2.connected(); }));
  EXPECT_EQ(b_hooks.received.count("off"), 0u);
  cuttable.cut(cuttable.handlers.rbegin()->first);  // gone without DISCONNECT
  doomed2.stop();
  ASSERT_TRUE(run_until([&] { return b_hooks.received.count("off") == 1; }));
}

TEST_F(MosquittoInterop, AClientReconnectsWithBackoffWhenTheBrokerComesBack) {
  const std::uint16_t port = broker->port();
  Peer hooks;
  mqtt::Client c(config("itest-back"), {clock, tcp, core::RngStream(6)}, hooks);
  c.start();
  ASSERT_TRUE(run_until([&] { return c.connected(); }));
  broker.reset();  // the broker goes away
  ASSERT_TRUE(run_until([&] { return !c.connected(); }));
  ASSERT_TRUE(run_until([&] { return c.stats().losses >= 2; }));  // refused attempts meanwhile, backing off
  broker = std::make_unique<Mosquitto>(find_mosquitto(), port);
  ASSERT_TRUE(run_until([&] { return c.connected(); }));
  EXPECT_EQ(hooks.connects, 2);
}

}  // namespace
}  // namespace twinbench::hil
