#include "twinbench/hil/TcpTransport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace twinbench::hil {

namespace asio = boost::asio;
using asio::ip::tcp;
using runtime::ConnId;

struct TcpTransport::Acceptor {
  explicit Acceptor(asio::io_context& io) : a(io) {}
  tcp::acceptor a;
};

struct TcpTransport::Resolver {
  explicit Resolver(asio::io_context& io) : r(io) {}
  tcp::resolver r;
};

struct TcpTransport::Conn {
  Conn(tcp::socket s, runtime::TransportHandler& h) : socket(std::move(s)), handler(&h) {}
  tcp::socket socket;
  runtime::TransportHandler* handler;
  ConnId id = runtime::kNoConn;
  bool open = false;     ///< established (an outgoing connection is not until its connect completes)
  bool closed = false;   ///< no longer ours: closed by the runtime or lost; its handlers only finish up
  bool writing = false;
  bool close_after_write = false;
  std::vector<std::uint8_t> queued, in_flight;
  std::array<std::uint8_t, 16384> rx;
};

TcpTransport::TcpTransport(EventLoop& loop) : loop_(loop) {}

TcpTransport::~TcpTransport() {
  for (auto& [id, c] : conns_) {
    c->closed = true;
    boost::system::error_code ignored;
    c->socket.close(ignored);
  }
}

std::uint16_t TcpTransport::listen(const std::string& host, std::uint16_t port, runtime::TransportHandler& handler) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": '" + host + "' is not an IP address");
  acceptor_ = std::make_unique<Acceptor>(loop_.context());
  tcp::acceptor& a = acceptor_->a;
  const tcp::endpoint ep(address, port);
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  accept(handler);
  return a.local_endpoint().port();
}

ConnId TcpTransport::allocate_id() {
  if (free_ids_.empty()) return next_id_++;
  const ConnId id = *free_ids_.begin();
  free_ids_.erase(free_ids_.begin());
  return id;
}

void TcpTransport::accept(runtime::TransportHandler& handler) {
  acceptor_->a.async_accept([this, &handler](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto c = std::make_shared<Conn>(std::move(socket), handler);
      c->id = allocate_id();
      conns_.emplace(c->id, c);
      opened(c);
    }
    accept(handler);
  });
}

void TcpTransport::opened(const std::shared_ptr<Conn>& c) {
  boost::system::error_code ignored;
  c->socket.set_option(tcp::no_delay(true), ignored);  // MQTT acks are small and latency-bound
  c->open = true;
  c->handler->on_open(c->id);
  if (!c->closed) {
    read(c);
    if (!c->queued.empty() && !c->writing) write(c);
  }
}

ConnId TcpTransport::connect(std::string_view endpoint, runtime::TransportHandler& handler) {
  std::string_view rest = endpoint;
  if (rest.starts_with("mqtt://")) rest.remove_prefix(7);
  else if (rest.starts_with("tcp://")) rest.remove_prefix(6);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return runtime::kNoConn;
  std::string host(rest.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);  // [::1]:1883
  const std::string_view port = rest.substr(colon + 1);
  unsigned port_number = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (err != std::errc{} || end != port.data() + port.size() || port_number == 0 || port_number > 65535) return runtime::kNoConn;

  auto c = std::make_shared<Conn>(tcp::socket(loop_.context()), handler);
  c->id = allocate_id();
  conns_.emplace(c->id, c);
  if (!resolver_) resolver_ = std::make_unique<Resolver>(loop_.context());
  resolver_->r.async_resolve(host, std::string(port), [this, c](const boost::system::error_code& ec, const tcp::resolver::results_type& addrs) {
    if (c->closed) return;
    if (ec) {
      lost(c);
      return;
    }
    asio::async_connect(c->socket, addrs, [this, c](const boost::system::error_code& ec2, const tcp::endpoint&) {
      if (c->closed) return;
      if (ec2) lost(c);
      else opened(c);
    });
  });
  return c->id;
}

void TcpTransport::read(const std::shared_ptr<Conn>& c) {
  c->socket.async_read_some(asio::buffer(c->rx), [this, c](const boost::system::error_code& ec, std::size_t n) {
    if (c->closed) return;
    if (ec) {
      lost(c);
      return;
    }
    c->handler->on_bytes(c->id, std::span<const std::uint8_t>(c->rx.data(), n));
    if (!c->closed) read(c);
  });
}

void TcpTransport::lost(const std::shared_ptr<Conn>& c) {
  if (c->closed) return;
  c->closed = true;
  conns_.erase(c->id);
  free_ids_.insert(c->id);
  boost::system::error_code ignored;
  c->socket.close(ignored);
  c->handler->on_closed(c->id);
}

runtime::SendStatus TcpTransport::send(ConnId conn, std::span<const std::uint8_t> bytes) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return runtime::SendStatus::closed;
  const std::shared_ptr<Conn> c = it->second;
  if (c->queued.size() + bytes.size() > kMaxQueuedBytes) {
    // A peer that does not read: drop it rather than grow without bound. The handler hears of it from
    // the event loop, not from inside its own send().
    asio::post(loop_.context(), [this, c] { lost(c); });
    return runtime::SendStatus::closed;
  }
  c->queued.insert(c->queued.end(), bytes.begin(), bytes.end());
  if (c->open && !c->writing) write(c);  // an outgoing connection still opening sends once it is up
  return runtime::SendStatus::ok;
}

void TcpTransport::write(const std::shared_ptr<Conn>& c) {
  c->writing = true;
  c->in_flight.swap(c->queued);
  c->queued.clear();
  asio::async_write(c->socket, asio::buffer(c->in_flight), [this, c](const boost::system::error_code& ec, std::size_t) {
    c->writing = false;
    c->in_flight.clear();
    if (ec) {
      lost(c);  // the read side reports it too; lost() happens once
      return;
    }
    if (!c->queued.empty()) {
      write(c);
    } else if (c->close_after_write) {
      boost::system::error_code ignored;
      c->socket.shutdown(tcp::socket::shutdown_both, ignored);
      c->socket.close(ignored);
    }
  });
}

void TcpTransport::close(ConnId conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  const std::shared_ptr<Conn> c = it->second;
  conns_.erase(it);
  free_ids_.insert(conn);
  c->closed = true;  // the runtime knows: no on_closed for this one
  if (c->open && (c->writing || !c->queued.empty())) {
    c->close_after_write = true;
    if (!c->writing) write(c);
    return;
  }
  boost::system::error_code ignored;
  c->socket.shutdown(tcp::socket::shutdown_both, ignored);
  c->socket.close(ignored);
}

}  // namespace twinbench::hil
