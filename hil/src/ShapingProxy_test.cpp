// The shaping proxy on real sockets: bytes arrive whole and in order, never before the link's floor and
// with its median extra; a FIN passes through; a target that refuses closes the client's connection;
// UDP datagrams are lost at the loss probability, both ways. The client and the target are blocking
// sockets in threads of their own; the proxy's loop runs in the test's thread until they finish.
#include "twinbench/hil/ShapingProxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace twinbench::hil {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_us() { return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count(); }

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/** A listening socket on a free loopback port. */
int listen_any(int type, std::uint16_t& port) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a = loopback(0);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  if (type == SOCK_STREAM) {
    EXPECT_EQ(::listen(fd, 16), 0);
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(port);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/** Run the proxy's loop until `done` (or 30 s: a hang fails the test instead of the suite). */
void run_until(EventLoop& loop, const std::atomic<bool>& done) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!done && Clock::now() < deadline) loop.run_for_ms(5);
  ASSERT_TRUE(done) << "timed out";
}

/**
 * A TCP connection through a proxy shaped by `shaping` to a target on loopback: `serve` runs on the
 * target's accepted socket and `send` on the client's, each in a thread of its own; the client then
 * half-closes, and this returns the proxy's figures once the target has read to the end.
 */
ShapingProxy::Stats relay(const Shaping& shaping, const std::function<void(int)>& serve, const std::function<void(int)>& send) {
  std::uint16_t target_port = 0;
  const int listener = listen_any(SOCK_STREAM, target_port);
  EventLoop loop;
  ShapingProxy::Options o;
  o.target_host = "127.0.0.1";
  o.target_port = target_port;
  o.shaping = shaping;
  ShapingProxy proxy(loop, o);
  EXPECT_NE(proxy.port(), 0);
  std::atomic<bool> done{false};
  std::thread target([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    serve(fd);
    ::close(fd);
  });
  std::thread client([&] {
    const int fd = connect_to(proxy.port());
    send(fd);
    ::shutdown(fd, SHUT_WR);
    target.join();
    ::close(fd);
    done = true;
  });
  run_until(loop, done);
  client.join();
  ::close(listener);
  return proxy.stats();
}

TEST(ShapingProxy, RelaysEveryByteInOrderNeverBeforeTheFloorAndPassesTheFin) {
  Shaping shaping;
  shaping.latency_ms = 30;
  shaping.jitter = {10'000, 0.5};  // extra: median 10 ms
  constexpr int kMessages = 100;
  std::vector<std::int64_t> delays;
  std::vector<std::uint8_t> received;
  bool fin = false;
  const auto serve = [&](int fd) {
    std::uint8_t buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        fin = n == 0;
        break;
      }
      const std::int64_t t = now_us();
      // Each message is 16 bytes: its index and when it was sent; a chunk may hold several.
      received.insert(received.end(), buf, buf + n);
      while (delays.size() < received.size() / 16) {
        std::int64_t sent;
        std::memcpy(&sent, received.data() + delays.size() * 16 + 8, 8);
        delays.push_back(t - sent);
      }
    }
  };
  const auto send = [&](int fd) {
    for (std::int64_t i = 0; i < kMessages; ++i) {
      std::uint8_t m[16];
      const std::int64_t t = now_us();
      std::memcpy(m, &i, 8);
      std::memcpy(m + 8, &t, 8);
      ASSERT_EQ(::send(fd, m, 16, 0), 16);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a device's pace, not a wait for a condition
    }
  };
  const auto s = relay(shaping, serve, send);

  ASSERT_EQ(received.size(), 16u * kMessages);
  for (std::int64_t i = 0; i < kMessages; ++i) {
    std::int64_t index;
    std::memcpy(&index, received.data() + i * 16, 8);
    EXPECT_EQ(index, i);
  }
  EXPECT_TRUE(fin);
  std::sort(delays.begin(), delays.end());
  EXPECT_GE(delays.front(), 30'000);  // the floor is a floor
  // The median is the floor plus the extra's median, plus what the machine adds (generous for a busy CI host).
  EXPECT_GE(delays[delays.size() / 2], 30'000 + 10'000 * 0.8);
  EXPECT_LE(delays[delays.size() / 2], 30'000 + 10'000 * 1.2 + 15'000);
  EXPECT_EQ(s.flows, 1u);
  EXPECT_EQ(s.bytes_up, 16u * kMessages);
}

TEST(ShapingProxy, ABulkTransferArrivesWholeAndNoFasterThanTheBandwidthCap) {
  Shaping shaping;
  shaping.bandwidth_bps = 80e6;  // 2 MiB take 0.21 s on the medium
  constexpr std::size_t kBytes = 2u << 20;  // far more than one read (16 KiB) and than the queue's bound (256 KiB)
  std::vector<std::uint8_t> got;
  std::int64_t first_us = 0, last_us = 0, sent_us = 0;
  const auto serve = [&](int fd) {
    std::uint8_t buf[65536];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
      if (got.empty()) first_us = now_us();
      got.insert(got.end(), buf, buf + n);
      last_us = now_us();
    }
  };
  const auto send = [&](int fd) {
    std::vector<std::uint8_t> data(kBytes);
    for (std::size_t i = 0; i < kBytes; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    sent_us = now_us();
    for (std::size_t off = 0; off < kBytes;) {
      const ssize_t n = ::send(fd, data.data() + off, kBytes - off, 0);
      ASSERT_GT(n, 0);
      off += static_cast<std::size_t>(n);
    }
  };
  relay(shaping, serve, send);
  ASSERT_EQ(got.size(), kBytes);
  for (std::size_t i = 0; i < kBytes; ++i)
    if (got[i] != static_cast<std::uint8_t>(i * 7 + i / 251)) FAIL() << "byte " << i << " differs";
  // The medium carries 80 Mbit/s: the last byte cannot arrive sooner than 2 MiB x 8 / 80e6 s after the first was sent.
  EXPECT_GE(last_us - sent_us, static_cast<std::int64_t>(kBytes * 8 / 80.0));
  EXPECT_GT(last_us, first_us);
}

TEST(ShapingProxy, ATargetThatRefusesClosesTheClientsConnection) {
  std::uint16_t dead_port = 0;
  ::close(listen_any(SOCK_STREAM, dead_port));  // nothing listens there now
  EventLoop loop;
  ShapingProxy::Options o;
  o.target_host = "127.0.0.1";
  o.target_port = dead_port;
  ShapingProxy proxy(loop, o);
  std::atomic<bool> done{false};
  ssize_t got = 1;
  std::thread client([&] {
    const int fd = connect_to(proxy.port());
    std::uint8_t b[8];
    got = ::recv(fd, b, sizeof b, 0);  // EOF or a reset, not a hang
    ::close(fd);
    done = true;
  });
  run_until(loop, done);
  client.join();
  EXPECT_LE(got, 0);
}

TEST(ShapingProxy, LosesDatagramsBothWaysAtTheLossProbability) {
  std::uint16_t target_port = 0;
  const int target = listen_any(SOCK_DGRAM, target_port);
  EventLoop loop;
  ShapingProxy::Options o;
  o.target_host = "127.0.0.1";
  o.target_port = target_port;
  o.udp = true;
  o.shaping.latency_ms = 1;
  o.shaping.loss_probability = 0.2;
  ShapingProxy proxy(loop, o);

  constexpr int kDatagrams = 2000;
  std::atomic<int> at_target{0}, echoed{0};
  std::atomic<bool> done{false};
  std::thread echo([&] {
    timeval tv{1, 0};  // the stream is over when nothing more comes for 1 s (a busy machine may stall the proxy for less)
    ::setsockopt(target, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::uint8_t b[64];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    for (ssize_t n; (n = ::recvfrom(target, b, sizeof b, 0, reinterpret_cast<sockaddr*>(&from), &len)) > 0; len = sizeof from) {
      ++at_target;
      ::sendto(target, b, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  std::thread client([&] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = loopback(proxy.port());
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::thread reader([&] {
      std::uint8_t b[64];
      while (::recv(fd, b, sizeof b, 0) > 0) ++echoed;
    });
    for (int i = 0; i < kDatagrams; ++i) {
      ::send(fd, &i, sizeof i, 0);
      if (i % 5 == 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // well below the socket buffers, even if the proxy stalls for 50 ms
    }
    echo.join();
    reader.join();
    ::close(fd);
    done = true;
  });
  run_until(loop, done);
  client.join();
  ::close(target);
  // Up: Binomial(2000, 0.8); back: each of those again at 0.8. Four standard deviations each.
  EXPECT_NEAR(at_target, 0.8 * kDatagrams, 4 * std::sqrt(kDatagrams * 0.8 * 0.2));
  EXPECT_NEAR(echoed, 0.8 * at_target, 4 * std::sqrt(at_target * 0.8 * 0.2));
  EXPECT_EQ(proxy.stats().flows, 1u);
  EXPECT_EQ(proxy.stats().dropped, static_cast<std::uint64_t>(kDatagrams - at_target) + static_cast<std::uint64_t>(at_target - echoed));
}

TEST(ShapingProxy, RefusesAnAddressThatIsNotOne) {
  EventLoop loop;
  ShapingProxy::Options o;
  o.target_host = "gateway.local";
  o.target_port = 1883;
  EXPECT_THROW(ShapingProxy(loop, o), std::runtime_error);
}

}  // namespace
}  // namespace twinbench::hil
