#include "twinbench/hil/UdpClients.hpp"

#include <boost/asio/ip/udp.hpp>

#include <array>
#include <map>
#include <stdexcept>

namespace twinbench::hil {

namespace asio = boost::asio;
using asio::ip::udp;

struct UdpClients::Impl {
  struct Client {
    explicit Client(asio::io_context& io) : socket(io) {}
    udp::socket socket;
    udp::endpoint from;
    std::array<std::uint8_t, 2048> rx;
  };
  Impl(asio::io_context& io, udp::endpoint s, runtime::DatagramHandler& h) : io(io), server(s), handler(h) {}
  void receive(std::uint32_t i, Client& c) {
    c.socket.async_receive_from(asio::buffer(c.rx), c.from, [this, i, &c](boost::system::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec && c.from == server) handler.on_datagram(i, std::span<const std::uint8_t>(c.rx.data(), n));
      receive(i, c);  // an ICMP error (the gateway gone) does not stop the client
    });
  }
  asio::io_context& io;
  udp::endpoint server;
  runtime::DatagramHandler& handler;
  std::map<std::uint32_t, std::unique_ptr<Client>> clients;
};

UdpClients::UdpClients(EventLoop& loop, const std::string& host, std::uint16_t port, runtime::DatagramHandler& handler) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("'" + host + "' is not an IP address");
  impl_ = std::make_unique<Impl>(loop.context(), udp::endpoint(address, port), handler);
}

UdpClients::~UdpClients() {
  for (auto& [i, c] : impl_->clients) {
    boost::system::error_code ignored;
    c->socket.close(ignored);
  }
}

void UdpClients::send(std::uint32_t i, std::span<const std::uint8_t> bytes) {
  auto it = impl_->clients.find(i);
  if (it == impl_->clients.end()) {
    auto c = std::make_unique<Impl::Client>(impl_->io);
    boost::system::error_code ec;
    c->socket.open(impl_->server.protocol(), ec);
    if (ec) return;  // out of sockets: the datagram is lost, as UDP may lose it
    if (!ec) c->socket.bind(udp::endpoint(impl_->server.protocol(), 0), ec);  // an address of its own
    if (!ec) c->socket.non_blocking(true, ec);
    if (ec) return;
    it = impl_->clients.emplace(i, std::move(c)).first;
    impl_->receive(i, *it->second);
  }
  boost::system::error_code ec;
  it->second->socket.send_to(asio::buffer(bytes.data(), bytes.size()), impl_->server, 0, ec);
}

std::size_t UdpClients::sockets() const { return impl_->clients.size(); }

}  // namespace twinbench::hil
