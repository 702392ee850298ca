// The real ports on real sockets, files and timers: the clock's timers, the TCP transport under the
// edge runtime (a client speaking MQTT to it over loopback), and the file storage's durability.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <filesystem>

#include "twinbench/hil/AsioClock.hpp"
#include "twinbench/hil/FileStorage.hpp"
#include "twinbench/hil/PasswordWorker.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/hil/UdpTransport.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/mqtt/Passwords.hpp"

namespace twinbench::hil {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Bytes = std::vector<std::uint8_t>;
namespace mqtt = runtime::mqtt;

TEST(AsioClock, TimersFireInDeadlineOrderAndCancelledOnesNever) {
  EventLoop loop;
  AsioClock clock(loop);
  std::vector<int> fired;
  const auto t0 = clock.now_us();  // before scheduling: the deadlines count from there
  clock.schedule(30'000, [&] { fired.push_back(3); });
  clock.schedule(10'000, [&] { fired.push_back(1); });
  const auto cancelled = clock.schedule(20'000, [&] { fired.push_back(2); });
  EXPECT_TRUE(clock.cancel(cancelled));
  EXPECT_FALSE(clock.cancel(cancelled));
  loop.run();  // returns when no timer is left
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_GE(clock.now_us() - t0, 30'000);
}

struct NullSink final : runtime::Sink {
  std::vector<runtime::Event> events;
  void emit(const runtime::Event& e) override { events.push_back(e); }
};

/** A blocking MQTT client in the test's thread; the server's loop runs between its steps. */
class Client {
public:
  Client(asio::io_context& io, std::uint16_t port) : socket_(io) { socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }
  void send(const mqtt::Packet& p) {
    Bytes b;
    mqtt::encode(p, b);
    asio::write(socket_, asio::buffer(b));
  }
  /** Every whole packet received so far, in order. */
  const std::vector<Bytes>& packets() {
    socket_.non_blocking(true);
    boost::system::error_code ec;
    std::uint8_t buf[4096];
    for (;;) {
      const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
      if (ec) break;
      rx_.insert(rx_.end(), buf, buf + n);
    }
    closed_ = closed_ || ec == asio::error::eof || ec == asio::error::connection_reset;
    for (;;) {
      const auto r = mqtt::decode(rx_);
      if (r.status != mqtt::DecodeStatus::ok) break;
      packets_.emplace_back(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    }
    return packets_;
  }
  bool closed() {
    packets();
    return closed_;
  }

private:
  tcp::socket socket_;
  Bytes rx_;
  std::vector<Bytes> packets_;
  bool closed_ = false;
};

class EdgeOverTcp : public ::testing::Test {
protected:
  EventLoop loop;
  AsioClock clock{loop};
  TcpTransport server{loop};
  runtime::NoCompute compute;
  NullSink sink;
  std::unique_ptr<runtime::EdgeRuntime> rt;
  std::uint16_t port = 0;
  asio::io_context client_io;

  void SetUp() override {
    runtime::EdgeConfig c;
    c.name = "gw";
    c.uplink = runtime::EdgeConfig::Uplink::own_broker;
    c.forward_interval_us = 100'000;
    c.telemetry_filter = "tb/+/+/telemetry";
    rt = std::make_unique<runtime::EdgeRuntime>(c, runtime::EdgePorts{clock, server, compute, sink});
    port = server.listen("127.0.0.1", 0, *rt);
    rt->start();
  }
  /** Runs the server's loop until `done` holds (at most 10 s): a condition, never a fixed wait. */
  template <class Done>
  bool pump_until(Done done) {
    for (int i = 0; i < 2000 && !done(); ++i) loop.run_for_ms(5);
    return done();
  }
  bool await(Client& c, std::size_t packets) {
    return pump_until([&] { return c.packets().size() >= packets; });
  }
  static mqtt::Connect connect(std::string_view id) {
    mqtt::Connect c;
    c.client_id = id;
    c.keepalive_s = 30;
    return c;
  }
};

TEST_F(EdgeOverTcp, APublishReachesASubscriberOverRealSockets) {
  ASSERT_NE(port, 0);
  Client sub(client_io, port), pub(client_io, port);
  sub.send(connect("sub"));
  sub.send(mqtt::Subscribe{1, {{"plant/#", 1}}});
  ASSERT_TRUE(await(sub, 2));  // CONNACK, SUBACK
  pub.send(connect("pub"));
  const std::uint8_t hello[] = {'h', 'i'};
  pub.send(mqtt::Publish{"plant/a", hello, 1, false, false, 5});
  ASSERT_TRUE(await(pub, 2));
  const auto at_pub = pub.packets();
  EXPECT_EQ(at_pub[1], Bytes({0x40, 2, 0, 5}));  // PUBACK
  ASSERT_TRUE(await(sub, 3));
  const auto at_sub = sub.packets();
  ASSERT_EQ(at_sub.size(), 3u);  // CONNACK, SUBACK, the PUBLISH, once
  const auto r = mqtt::decode(at_sub[2]);
  ASSERT_EQ(r.status, mqtt::DecodeStatus::ok);
  EXPECT_EQ(std::get<mqtt::Publish>(r.packet).topic, "plant/a");
  EXPECT_EQ(rt->sessions_connected(), 2u);
  EXPECT_EQ(server.connections(), 2u);
}

TEST_F(EdgeOverTcp, AProtocolErrorClosesTheSocketAndFreesItsId) {
  Client bad(client_io, port);
  bad.send(mqtt::Pingreq{});  // before CONNECT
  ASSERT_TRUE(pump_until([&] { return bad.closed(); }));
  ASSERT_TRUE(pump_until([&] { return server.connections() == 0; }));
  Client good(client_io, port);
  good.send(connect("good"));
  ASSERT_TRUE(await(good, 1));
  EXPECT_EQ(good.packets().size(), 1u);
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events.back().device, 0u);  // the lowest free id again
}

TEST_F(EdgeOverTcp, APeerThatVanishesEndsItsSessionAndItsWillIsPublished) {
  Client watcher(client_io, port);
  watcher.send(connect("watcher"));
  watcher.send(mqtt::Subscribe{1, {{"status/+", 0}}});
  ASSERT_TRUE(await(watcher, 2));  // subscribed before the other one dies
  {
    Client dying(client_io, port);
    auto c = connect("dying");
    const std::uint8_t gone[] = {'x'};
    c.will = true;
    c.will_topic = "status/dying";
    c.will_message = gone;
    dying.send(c);
    ASSERT_TRUE(await(dying, 1));  // CONNACK
  }  // the socket closes without DISCONNECT
  ASSERT_TRUE(await(watcher, 3));
  const auto got = watcher.packets();
  ASSERT_EQ(got.size(), 3u);  // CONNACK, SUBACK, the will
  EXPECT_EQ(std::get<mqtt::Publish>(mqtt::decode(got[2]).packet).topic, "status/dying");
  EXPECT_EQ(rt->sessions_connected(), 1u);
}

TEST(TcpTransport, ListeningOnABusyPortIsAClearError) {
  EventLoop loop;
  TcpTransport a(loop), b(loop);
  struct Quiet final : runtime::TransportHandler {
    void on_open(runtime::ConnId) override {}
    void on_bytes(runtime::ConnId, std::span<const std::uint8_t>) override {}
    void on_closed(runtime::ConnId) override {}
  } h;
  const auto port = a.listen("127.0.0.1", 0, h);
  try {
    b.listen("127.0.0.1", port, h);
    FAIL() << "two listeners on one port";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  }
  EXPECT_THROW(b.listen("not-an-address", 0, h), std::runtime_error);
}

/** Records what a TcpTransport tells its handler. */
struct Recorder final : runtime::TransportHandler {
  std::vector<runtime::ConnId> opened, closed;
  Bytes got;
  void on_open(runtime::ConnId c) override { opened.push_back(c); }
  void on_bytes(runtime::ConnId, std::span<const std::uint8_t> b) override { got.insert(got.end(), b.begin(), b.end()); }
  void on_closed(runtime::ConnId c) override { closed.push_back(c); }
};

template <class Done>
bool run_until(EventLoop& loop, Done done) {
  for (int i = 0; i < 2000 && !done(); ++i) loop.run_for_ms(5);
  return done();
}

TEST(TcpTransport, BytesArriveWholeAndInOrderThroughTheSharedReadBuffer) {
  EventLoop loop;
  TcpTransport t(loop);
  Recorder h;
  const auto port = t.listen("127.0.0.1", 0, h);
  asio::io_context io;
  tcp::socket peer(io);
  peer.connect({asio::ip::make_address("127.0.0.1"), port});
  Bytes sent(300'000);
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  asio::write(peer, asio::buffer(sent));  // several times the 64 KiB buffer, and the kernel's segments
  ASSERT_TRUE(run_until(loop, [&] { return h.got.size() == sent.size(); }));
  EXPECT_EQ(h.got, sent);
}

/** A peer that connects and never reads (its receive buffer as small as the kernel allows). */
struct Deaf {
  asio::io_context io;
  tcp::socket s{io};
  explicit Deaf(std::uint16_t port) {
    s.open(tcp::v4());
    s.set_option(asio::socket_base::receive_buffer_size(4096));
    s.connect({asio::ip::make_address("127.0.0.1"), port});
  }
};

TEST(TcpTransport, APeerThatReadsNothingIsDroppedAtTheQueueBoundAndItsBytesAreGivenBack) {
  EventLoop loop;
  TcpTransport t(loop);
  Recorder h;
  Deaf deaf(t.listen("127.0.0.1", 0, h));
  ASSERT_TRUE(run_until(loop, [&] { return h.opened.size() == 1; }));
  const Bytes chunk(1u << 20, 'x');
  int accepted = 0;
  while (accepted < 64 && t.send(h.opened[0], chunk) == runtime::SendStatus::ok) {
    ++accepted;
    loop.run_for_ms(1);  // the kernel takes what it will
  }
  // 16 MiB queued, plus what the socket buffers on both sides took (a few MiB at most)
  EXPECT_GE(accepted, 16);
  EXPECT_LT(accepted, 40);
  ASSERT_TRUE(run_until(loop, [&] { return h.closed.size() == 1; }));
  EXPECT_EQ(h.closed[0], h.opened[0]);
  ASSERT_TRUE(run_until(loop, [&] { return t.queued_bytes() == 0; }));
  EXPECT_EQ(t.connections(), 0u);
}

TEST(TcpTransport, AConnectionClosedWithBytesPendingIsCutWhenItsLingerEnds) {
  EventLoop loop;
  TcpTransport t(loop);
  t.linger_for(std::chrono::milliseconds(300));
  Recorder h;
  Deaf deaf(t.listen("127.0.0.1", 0, h));
  ASSERT_TRUE(run_until(loop, [&] { return h.opened.size() == 1; }));
  ASSERT_EQ(t.send(h.opened[0], Bytes(8u << 20, 'y')), runtime::SendStatus::ok);
  loop.run_for_ms(20);
  t.close(h.opened[0]);  // more than the peer's buffers can take: it waits to be sent
  EXPECT_GT(t.queued_bytes(), 0u);
  loop.run_for_ms(100);
  EXPECT_GT(t.queued_bytes(), 0u);  // still lingering
  ASSERT_TRUE(run_until(loop, [&] { return t.queued_bytes() == 0; }));  // cut, and its bytes given back
  EXPECT_TRUE(h.closed.empty());  // the runtime closed it: no on_closed
}

TEST(PasswordWorker, AnswersOnTheLoopAndRefusesWhatCannotWait) {
  EventLoop loop;
  PasswordWorker worker(loop, 2);
  const std::array<std::uint8_t, 16> salt{1, 2, 3};
  // ln=14: about 40 ms a check here, so the worker is busy with the first while the rest are asked.
  const std::string hash = mqtt::hash_password("right", salt, {14, 8, 1});
  std::vector<runtime::PasswordVerdict> answers;
  const auto answer = [&](runtime::PasswordVerdict v) { answers.push_back(v); };
  worker.check("right", hash, answer);
  worker.check("wrong", hash, answer);
  for (int i = 0; i < 8; ++i) worker.check("right", hash, answer);
  EXPECT_TRUE(answers.empty()) << "no answer inside check(): the caller's state may not be ready for it";
  ASSERT_TRUE(run_until(loop, [&] { return answers.size() == 10; }));
  const auto count = [&](runtime::PasswordVerdict v) { return std::count(answers.begin(), answers.end(), v); };
  // At most 2 wait, and the worker takes them one at a time: of 10 asked at once, at most 3 are checked.
  EXPECT_GE(count(runtime::PasswordVerdict::busy), 7);
  EXPECT_LE(count(runtime::PasswordVerdict::mismatch), 1);
  EXPECT_EQ(count(runtime::PasswordVerdict::match) + count(runtime::PasswordVerdict::mismatch), 10 - count(runtime::PasswordVerdict::busy));
  // Once the queue has drained, checks are taken again, and a right password matches.
  answers.clear();
  worker.check("right", hash, answer);
  worker.check("wrong", hash, answer);
  ASSERT_TRUE(run_until(loop, [&] { return answers.size() == 2; }));
  EXPECT_EQ(answers, (std::vector{runtime::PasswordVerdict::match, runtime::PasswordVerdict::mismatch}));
}

TEST(UdpTransport, DatagramsComeWithAPeerIdAndRepliesGoBackToThatAddress) {
  EventLoop loop;
  UdpTransport udp(loop);
  struct Echo final : runtime::DatagramHandler {
    UdpTransport* udp = nullptr;
    std::vector<std::pair<runtime::PeerId, std::string>> got;
    void on_datagram(runtime::PeerId from, std::span<const std::uint8_t> b) override {
      got.emplace_back(from, std::string(b.begin(), b.end()));
      udp->send_to(from, b);
    }
  } echo;
  echo.udp = &udp;
  const std::uint16_t port = udp.listen("127.0.0.1", 0, echo);
  asio::io_context io;
  const asio::ip::udp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
  asio::ip::udp::socket a(io, asio::ip::udp::endpoint(asio::ip::udp::v4(), 0)), b(io, asio::ip::udp::endpoint(asio::ip::udp::v4(), 0));
  a.send_to(asio::buffer(std::string("one")), server);
  b.send_to(asio::buffer(std::string("two")), server);
  a.send_to(asio::buffer(std::string("three")), server);
  for (int i = 0; i < 100 && echo.got.size() < 3; ++i) loop.run_for_ms(10);
  ASSERT_EQ(echo.got.size(), 3u);
  EXPECT_EQ(echo.got[0].first, UdpTransport::kFirstPeer);
  EXPECT_EQ(echo.got[1].first, UdpTransport::kFirstPeer + 1);
  EXPECT_EQ(echo.got[2].first, UdpTransport::kFirstPeer);  // the same address, the same peer
  EXPECT_EQ(udp.peers(), 2u);
  EXPECT_EQ(udp.peer_address(UdpTransport::kFirstPeer), "127.0.0.1:" + std::to_string(a.local_endpoint().port()));
  std::array<char, 16> buf{};
  const std::size_t n = b.receive(asio::buffer(buf));  // the echo of "two" went back to b
  EXPECT_EQ(std::string(buf.data(), n), "two");
  EXPECT_EQ(udp.send_to(7, std::span<const std::uint8_t>()), runtime::SendStatus::closed);  // never heard from
  UdpTransport other(loop);
  EXPECT_THROW(other.listen("not-an-ip", 0, echo), std::runtime_error);
}

TEST(FileStorage, SyncedBlobsSurviveARestartAndUnsyncedOnesDoNot) {
  std::string dir = (std::filesystem::temp_directory_path() / "twinbench-filestorage-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);  // a folder of its own: two builds may test at once
  const Bytes a{1, 2, 3}, b{4};
  {
    FileStorage s(dir);
    ASSERT_EQ(s.write("slot-a", a), runtime::StorageStatus::ok);
    ASSERT_EQ(s.write("slot/A/chunk/0", b), runtime::StorageStatus::ok);  // the OTA updater's keys
    ASSERT_EQ(s.sync(), runtime::StorageStatus::ok);
    ASSERT_EQ(s.write("slot-b", b), runtime::StorageStatus::ok);
    Bytes out;
    EXPECT_EQ(s.read("slot-b", out), runtime::StorageStatus::ok);  // reads see staged writes
    EXPECT_EQ(out, b);
    EXPECT_EQ(s.write("../escape", b), runtime::StorageStatus::io_error);
    EXPECT_EQ(s.write("x.tmp", b), runtime::StorageStatus::io_error);
    EXPECT_EQ(s.write("slot/../x", b), runtime::StorageStatus::io_error);
    EXPECT_EQ(s.write("slot//x", b), runtime::StorageStatus::io_error);
  }  // "power cut": slot-b was never synced
  FileStorage s(dir);
  Bytes out;
  EXPECT_EQ(s.read("slot-a", out), runtime::StorageStatus::ok);
  EXPECT_EQ(out, a);
  EXPECT_EQ(s.read("slot-b", out), runtime::StorageStatus::not_found);
  EXPECT_FALSE(std::filesystem::exists(dir + "/slot-a.tmp"));
  EXPECT_EQ(s.read("slot/A/chunk/0", out), runtime::StorageStatus::ok);
  EXPECT_EQ(out, b);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace twinbench::hil
