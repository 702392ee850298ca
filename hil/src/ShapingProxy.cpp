#include "twinbench/hil/ShapingProxy.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <stdexcept>
#include <vector>

namespace twinbench::hil {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

TimeUs now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
asio::steady_timer::time_point at(TimeUs us) { return asio::steady_timer::time_point(std::chrono::microseconds(us)); }

asio::ip::address parse_address(const std::string& host, const char* what) {
  boost::system::error_code ec;
  const auto a = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error(std::string(what) + " '" + host + "' is not an IP address");
  return a;
}

}  // namespace

struct ShapingProxy::Impl {
  Impl(asio::io_context& io, Options o)
      : io(io), opt(std::move(o)), up(opt.shaping), down(opt.shaping), rng(opt.seed), acceptor(io), server(io), timer(io), sweeper(io) {
    target_address = parse_address(opt.target_host, "the target");
    listen_address = parse_address(opt.listen_host, "the listening address");
    if (opt.target_port == 0) throw std::runtime_error("the target needs a port");
  }

  asio::io_context& io;
  Options opt;
  ShapedLink up, down;  ///< client -> target, target -> client
  core::Rng rng;
  asio::ip::address target_address, listen_address;
  Stats stats;
  std::uint64_t next_flow = 0;

  // ---- TCP ----
  struct Session;
  struct Pipe {
    Pipe(asio::io_context& io, ShapedLink& link, core::RngStream s) : link(link), flow(s), timer(io) {}
    ShapedLink& link;
    Flow flow;
    struct Chunk {
      TimeUs due_us;
      std::vector<std::uint8_t> bytes;
    };
    std::deque<Chunk> queue;
    std::size_t queued = 0;
    bool reading = false, eof = false, writing = false, shut = false, armed = false;
    TimeUs armed_for = 0;
    asio::steady_timer timer;
    std::vector<std::uint8_t> tx;
  };
  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl& impl, std::uint64_t id, tcp::socket c)
        : impl(impl), id(id), client(std::move(c)), upstream(impl.io),
          to_target(impl.io, impl.up, impl.rng.stream("proxy/up", id)), to_client(impl.io, impl.down, impl.rng.stream("proxy/down", id)) {}
    Impl& impl;
    std::uint64_t id;
    tcp::socket client, upstream;
    Pipe to_target, to_client;
    bool connected = false, closed = false;

    tcp::socket& source(Pipe& p) { return &p == &to_target ? client : upstream; }
    tcp::socket& sink(Pipe& p) { return &p == &to_target ? upstream : client; }

    void start() {
      auto self = shared_from_this();
      read(to_target);
      upstream.async_connect(tcp::endpoint(impl.target_address, impl.opt.target_port), [self](boost::system::error_code ec) {
        if (self->closed) return;
        if (ec) return self->close();
        self->connected = true;
        self->read(self->to_client);
        self->pump(self->to_target);
      });
    }
    /** Wait until the source is readable, then read into the buffer every connection shares (an idle
     * connection holds none: thousands of them cost little). */
    void read(Pipe& p) {
      if (closed || p.reading || p.eof || p.queued >= impl.opt.queued_bytes_max) return;
      p.reading = true;
      auto self = shared_from_this();
      source(p).async_wait(tcp::socket::wait_read, [self, &p](boost::system::error_code ec) {
        p.reading = false;
        if (self->closed) return;
        std::size_t n = 0;
        if (!ec) n = self->source(p).read_some(asio::buffer(self->impl.rx), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) return self->read(p);  // woken for nothing
        if (ec == asio::error::eof) {
          p.eof = true;
          return self->pump(p);
        }
        if (ec) return self->close();
        const TimeUs due = p.link.stream_due_us(p.flow, now_us(), n);
        p.queue.push_back({due, std::vector<std::uint8_t>(self->impl.rx.begin(), self->impl.rx.begin() + static_cast<std::ptrdiff_t>(n))});
        p.queued += n;
        ++self->impl.stats.chunks;
        (&p == &self->to_target ? self->impl.stats.bytes_up : self->impl.stats.bytes_down) += n;
        self->pump(p);
        self->read(p);
      });
    }
    /** Write every chunk that is due, then wait for the next one; after the source's FIN, pass it on. */
    void pump(Pipe& p) {
      if (closed || p.writing || !connected) return;
      if (p.queue.empty()) {
        if (p.eof && !p.shut) {
          p.shut = true;
          boost::system::error_code ignored;
          sink(p).shutdown(tcp::socket::shutdown_send, ignored);
          if (to_target.shut && to_client.shut) close();
        }
        return;
      }
      const TimeUs now = now_us();
      if (p.queue.front().due_us > now) {
        if (p.armed && p.armed_for <= p.queue.front().due_us) return;
        p.armed = true;
        p.armed_for = p.queue.front().due_us;
        p.timer.expires_at(at(p.armed_for));
        auto self = shared_from_this();
        p.timer.async_wait([self, &p](boost::system::error_code ec) {
          if (ec == asio::error::operation_aborted) return;
          p.armed = false;
          self->pump(p);
        });
        return;
      }
      p.tx.clear();
      while (!p.queue.empty() && p.queue.front().due_us <= now) {
        p.tx.insert(p.tx.end(), p.queue.front().bytes.begin(), p.queue.front().bytes.end());
        p.queued -= p.queue.front().bytes.size();
        p.queue.pop_front();
      }
      p.writing = true;
      auto self = shared_from_this();
      asio::async_write(sink(p), asio::buffer(p.tx), [self, &p](boost::system::error_code ec, std::size_t) {
        p.writing = false;
        if (self->closed) return;
        if (ec) return self->close();
        self->pump(p);
        self->read(p);  // reading resumes once the queue is below its bound
      });
    }
    void close() {
      if (closed) return;
      closed = true;
      boost::system::error_code ignored;
      to_target.timer.cancel();
      to_client.timer.cancel();
      client.close(ignored);
      upstream.close(ignored);
      impl.sessions.erase(id);
    }
  };
  tcp::acceptor acceptor;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions;
  std::array<std::uint8_t, 16384> rx{};  ///< what a read takes, before it is queued as a chunk

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (sessions.size() >= opt.flows_max) {
          ++stats.flows_refused;
          boost::system::error_code ignored;
          s.close(ignored);
        } else {
          boost::system::error_code ignored;
          s.set_option(tcp::no_delay(true), ignored);
          const std::uint64_t id = next_flow++;
          ++stats.flows;
          auto session = std::make_shared<Session>(*this, id, std::move(s));
          session->client.non_blocking(true, ignored);
          session->upstream.open(target_address.is_v4() ? tcp::v4() : tcp::v6(), ignored);
          session->upstream.set_option(tcp::no_delay(true), ignored);
          session->upstream.non_blocking(true, ignored);
          sessions.emplace(id, session);
          session->start();
        }
      }
      accept();  // out of descriptors (EMFILE) included: the next accept may succeed
    });
  }

  // ---- UDP ----
  struct Peer {
    Peer(asio::io_context& io, core::RngStream u, core::RngStream d) : socket(io), up(u), down(d) {}
    udp::socket socket;
    udp::endpoint client;
    Flow up, down;
    TimeUs last_us = 0;
  };
  udp::socket server;
  udp::endpoint from;
  std::array<std::uint8_t, 65536> server_rx{};  ///< the pending receive's buffer: a client's datagram
  std::array<std::uint8_t, 65536> peer_rx{};    ///< a target's answer, read synchronously when a peer's socket is readable
  std::map<udp::endpoint, std::shared_ptr<Peer>> peers;
  // Datagrams waiting for their due time, in due order (ties in arrival order).
  std::multimap<TimeUs, std::function<void()>> due;
  asio::steady_timer timer, sweeper;
  bool armed = false;
  TimeUs armed_for = 0;

  void schedule(TimeUs t, std::function<void()> fn) {
    due.emplace(t, std::move(fn));
    arm();
  }
  /** The timer waits for the earliest datagram (re-arming it for an earlier one cancels the later wait). */
  void arm() {
    if (due.empty() || (armed && armed_for <= due.begin()->first)) return;
    armed = true;
    armed_for = due.begin()->first;
    timer.expires_at(at(armed_for));
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      armed = false;
      const TimeUs now = now_us();
      while (!due.empty() && due.begin()->first <= now) {
        auto fn = std::move(due.begin()->second);
        due.erase(due.begin());
        fn();
      }
      arm();
    });
  }
  void receive_clients() {
    server.async_receive_from(asio::buffer(server_rx), from, [this](boost::system::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) relay_up(n);
      receive_clients();
    });
  }
  void relay_up(std::size_t n) {
    auto it = peers.find(from);
    if (it == peers.end()) {
      if (peers.size() >= opt.flows_max) {
        ++stats.flows_refused;
        return;
      }
      const std::uint64_t id = next_flow++;
      auto p = std::make_shared<Peer>(io, rng.stream("proxy/up", id), rng.stream("proxy/down", id));
      boost::system::error_code ec;
      p->socket.open(target_address.is_v4() ? udp::v4() : udp::v6(), ec);
      if (!ec) p->socket.connect(udp::endpoint(target_address, opt.target_port), ec);
      if (!ec) p->socket.non_blocking(true, ec);
      if (ec) {
        ++stats.flows_refused;  // out of sockets: the datagram is lost, as UDP may lose it
        return;
      }
      p->client = from;
      ++stats.flows;
      it = peers.emplace(from, p).first;
      receive_target(p);
    }
    auto p = it->second;
    p->last_us = now_us();
    ++stats.chunks;
    stats.bytes_up += n;
    const auto t = up.datagram_due_us(p->up, p->last_us, n);
    if (!t) {
      ++stats.dropped;
      return;
    }
    schedule(*t, [p, bytes = std::vector<std::uint8_t>(server_rx.begin(), server_rx.begin() + static_cast<std::ptrdiff_t>(n))] {
      boost::system::error_code ignored;
      p->socket.send(asio::buffer(bytes), 0, ignored);
    });
  }
  /** What the target answers a peer, read when its socket is readable into the buffer all peers share. */
  void receive_target(const std::shared_ptr<Peer>& p) {
    p->socket.async_wait(udp::socket::wait_read, [this, p](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || !p->socket.is_open()) return;
      std::size_t n = 0;
      if (!ec) n = p->socket.receive(asio::buffer(peer_rx), 0, ec);
      if (!ec) {
        ++stats.chunks;
        stats.bytes_down += n;
        p->last_us = now_us();
        if (const auto t = down.datagram_due_us(p->down, p->last_us, n)) {
          schedule(*t, [this, p, bytes = std::vector<std::uint8_t>(peer_rx.begin(), peer_rx.begin() + static_cast<std::ptrdiff_t>(n))] {
            boost::system::error_code ignored;
            server.send_to(asio::buffer(bytes), p->client, 0, ignored);
          });
        } else {
          ++stats.dropped;
        }
      }
      receive_target(p);  // an ICMP error (the target gone) does not end the peer
    });
  }
  void sweep_idle() {
    sweeper.expires_after(std::chrono::seconds(10));
    sweeper.async_wait([this](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      const TimeUs cutoff = now_us() - static_cast<TimeUs>(opt.udp_idle_s * 1e6);
      for (auto it = peers.begin(); it != peers.end();) {
        if (it->second->last_us < cutoff) {
          boost::system::error_code ignored;
          it->second->socket.close(ignored);
          it = peers.erase(it);
        } else {
          ++it;
        }
      }
      sweep_idle();
    });
  }
};

ShapingProxy::ShapingProxy(EventLoop& loop, Options options) : impl_(std::make_unique<Impl>(loop.context(), std::move(options))) {
  Impl& m = *impl_;
  boost::system::error_code ec;
  if (m.opt.udp) {
    const udp::endpoint ep(m.listen_address, m.opt.listen_port);
    m.server.open(ep.protocol(), ec);
    if (!ec) m.server.bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on udp " + m.opt.listen_host + ":" + std::to_string(m.opt.listen_port) + ": " + ec.message());
    m.receive_clients();
    m.sweep_idle();
  } else {
    const tcp::endpoint ep(m.listen_address, m.opt.listen_port);
    m.acceptor.open(ep.protocol(), ec);
    if (!ec) m.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) m.acceptor.bind(ep, ec);
    if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on tcp " + m.opt.listen_host + ":" + std::to_string(m.opt.listen_port) + ": " + ec.message());
    m.accept();
  }
}

ShapingProxy::~ShapingProxy() {
  Impl& m = *impl_;
  boost::system::error_code ignored;
  m.acceptor.close(ignored);
  m.server.close(ignored);
  m.timer.cancel();
  m.sweeper.cancel();
  for (auto it = m.sessions.begin(); it != m.sessions.end();) (it++)->second->close();
  for (auto& [ep, p] : m.peers) p->socket.close(ignored);
}

std::uint16_t ShapingProxy::port() const {
  boost::system::error_code ec;
  if (impl_->opt.udp) return impl_->server.local_endpoint(ec).port();
  return impl_->acceptor.local_endpoint(ec).port();
}

ShapingProxy::Stats ShapingProxy::stats() const {
  Stats s = impl_->stats;
  s.retransmits = impl_->up.retransmits() + impl_->down.retransmits();
  return s;
}

}  // namespace twinbench::hil
