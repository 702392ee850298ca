#include "twinbench/hil/UdpTransport.hpp"

#include <boost/asio/ip/udp.hpp>

#include <array>
#include <map>
#include <stdexcept>

namespace twinbench::hil {

namespace asio = boost::asio;
using asio::ip::udp;

struct UdpTransport::Impl {
  explicit Impl(asio::io_context& io) : socket(io) {}
  udp::socket socket;
  runtime::DatagramHandler* handler = nullptr;
  udp::endpoint from;
  std::array<std::uint8_t, 65536> rx;
  std::map<udp::endpoint, runtime::PeerId> ids;
  std::vector<udp::endpoint> peers;  ///< by PeerId - kFirstPeer
};

UdpTransport::UdpTransport(EventLoop& loop) : impl_(std::make_unique<Impl>(loop.context())) {}

UdpTransport::~UdpTransport() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

std::uint16_t UdpTransport::listen(const std::string& host, std::uint16_t port, runtime::DatagramHandler& handler) {
  const std::string where = "cannot listen on udp " + host + ":" + std::to_string(port) + ": ";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error(where + "'" + host + "' is not an IP address");
  const udp::endpoint ep(address, port);
  impl_->socket.open(ep.protocol(), ec);
  if (!ec) impl_->socket.bind(ep, ec);
  if (!ec) impl_->socket.non_blocking(true, ec);
  if (ec) throw std::runtime_error(where + ec.message());
  impl_->handler = &handler;
  receive();
  return impl_->socket.local_endpoint().port();
}

void UdpTransport::receive() {
  impl_->socket.async_receive_from(asio::buffer(impl_->rx), impl_->from, [this](boost::system::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted) return;  // closed
    if (!ec) {
      auto [it, added] = impl_->ids.try_emplace(impl_->from, kFirstPeer + static_cast<runtime::PeerId>(impl_->peers.size()));
      if (added) impl_->peers.push_back(impl_->from);
      impl_->handler->on_datagram(it->second, std::span<const std::uint8_t>(impl_->rx.data(), n));
    }
    receive();  // an ICMP error (a peer gone) does not stop the socket
  });
}

runtime::SendStatus UdpTransport::send_to(runtime::PeerId to, std::span<const std::uint8_t> bytes) {
  if (to < kFirstPeer || to - kFirstPeer >= impl_->peers.size()) return runtime::SendStatus::closed;
  boost::system::error_code ec;
  impl_->socket.send_to(asio::buffer(bytes.data(), bytes.size()), impl_->peers[to - kFirstPeer], 0, ec);
  return ec ? runtime::SendStatus::unreachable : runtime::SendStatus::ok;
}

std::string UdpTransport::peer_address(runtime::PeerId peer) const {
  if (peer < kFirstPeer || peer - kFirstPeer >= impl_->peers.size()) return "?";
  const udp::endpoint& e = impl_->peers[peer - kFirstPeer];
  return e.address().to_string() + ":" + std::to_string(e.port());
}

std::size_t UdpTransport::peers() const { return impl_->peers.size(); }

}  // namespace twinbench::hil
