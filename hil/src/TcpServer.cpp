#include "twinbench/hil/TcpServer.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <stdexcept>
#include <vector>

namespace twinbench::hil {

namespace asio = boost::asio;
using asio::ip::tcp;
using runtime::ConnId;

struct TcpServer::Acceptor {
  explicit Acceptor(asio::io_context& io) : a(io) {}
  tcp::acceptor a;
};

struct TcpServer::Conn {
  explicit Conn(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  ConnId id = runtime::kNoConn;
  bool closed = false;   ///< no longer ours: closed by the runtime or lost; its handlers only finish up
  bool writing = false;
  bool close_after_write = false;
  std::vector<std::uint8_t> queued, in_flight;
  std::array<std::uint8_t, 16384> rx;
};

TcpServer::TcpServer(EventLoop& loop) : loop_(loop) {}

TcpServer::~TcpServer() {
  for (auto& [id, c] : conns_) {
    c->closed = true;
    boost::system::error_code ignored;
    c->socket.close(ignored);
  }
}

std::uint16_t TcpServer::listen(const std::string& host, std::uint16_t port, runtime::TransportHandler& handler) {
  handler_ = &handler;
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
  accept();
  return a.local_endpoint().port();
}

ConnId TcpServer::allocate_id() {
  if (free_ids_.empty()) return next_id_++;
  const ConnId id = *free_ids_.begin();
  free_ids_.erase(free_ids_.begin());
  return id;
}

void TcpServer::accept() {
  acceptor_->a.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true));  // MQTT acks are small and latency-bound
      auto c = std::make_shared<Conn>(std::move(socket));
      c->id = allocate_id();
      conns_.emplace(c->id, c);
      handler_->on_open(c->id);
      if (!c->closed) read(c);
    }
    accept();
  });
}

void TcpServer::read(const std::shared_ptr<Conn>& c) {
  c->socket.async_read_some(asio::buffer(c->rx), [this, c](const boost::system::error_code& ec, std::size_t n) {
    if (c->closed) return;
    if (ec) {
      lost(c);
      return;
    }
    handler_->on_bytes(c->id, std::span<const std::uint8_t>(c->rx.data(), n));
    if (!c->closed) read(c);
  });
}

void TcpServer::lost(const std::shared_ptr<Conn>& c) {
  if (c->closed) return;
  c->closed = true;
  conns_.erase(c->id);
  free_ids_.insert(c->id);
  boost::system::error_code ignored;
  c->socket.close(ignored);
  handler_->on_closed(c->id);
}

ConnId TcpServer::connect(std::string_view) { return runtime::kNoConn; }

runtime::SendStatus TcpServer::send(ConnId conn, std::span<const std::uint8_t> bytes) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return runtime::SendStatus::closed;
  const std::shared_ptr<Conn> c = it->second;
  if (c->queued.size() + bytes.size() > kMaxQueuedBytes) {
    // A client that does not read: drop it rather than grow without bound. The handler hears of it
    // from the event loop, not from inside its own send().
    asio::post(loop_.context(), [this, c] { lost(c); });
    return runtime::SendStatus::closed;
  }
  c->queued.insert(c->queued.end(), bytes.begin(), bytes.end());
  if (!c->writing) write(c);
  return runtime::SendStatus::ok;
}

void TcpServer::write(const std::shared_ptr<Conn>& c) {
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

void TcpServer::close(ConnId conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  const std::shared_ptr<Conn> c = it->second;
  conns_.erase(it);
  free_ids_.insert(conn);
  c->closed = true;  // the runtime knows: no on_closed for this one
  if (c->writing || !c->queued.empty()) {
    c->close_after_write = true;
    if (!c->writing) write(c);
    return;
  }
  boost::system::error_code ignored;
  c->socket.shutdown(tcp::socket::shutdown_both, ignored);
  c->socket.close(ignored);
}

}  // namespace twinbench::hil
