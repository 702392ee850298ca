#include "twinbench/core/Endpoint.hpp"
#include "twinbench/hil/TcpTransport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <openssl/x509v3.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace twinbench::hil {

namespace asio = boost::asio;
using asio::ip::tcp;
using runtime::ConnId;

struct TcpTransport::Acceptor {
  explicit Acceptor(asio::io_context& io) : a(io), pause(io) {}
  tcp::acceptor a;
  asio::steady_timer pause;  ///< after a failed accept (out of file descriptors): try again shortly, not in a busy loop
};

struct TcpTransport::Resolver {
  explicit Resolver(asio::io_context& io) : r(io) {}
  tcp::resolver r;
};

struct TcpTransport::Tls {
  explicit Tls(asio::ssl::context::method m = asio::ssl::context::tls_client) : context(m) {}
  asio::ssl::context context;
  bool verify = true;
};

struct TcpTransport::Conn {
  Conn(tcp::socket s, runtime::TransportHandler& h) : socket(std::move(s)), handler(&h) {}
  tcp::socket socket;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;  ///< over `socket`, for mqtts:// endpoints
  std::string where;   ///< "host:port" of an outgoing connection (empty for accepted ones)
  bool heard = false;  ///< bytes have arrived on it
  runtime::TransportHandler* handler;
  ConnId id = runtime::kNoConn;
  bool open = false;     ///< established (an outgoing connection is not until its connect completes)
  bool closed = false;   ///< no longer ours: closed by the runtime or lost; its handlers only finish up
  bool writing = false;
  bool close_after_write = false;
  std::vector<std::uint8_t> queued, in_flight;
  std::unique_ptr<std::array<std::uint8_t, 16384>> tls_rx;  ///< TLS reads need a buffer of their own; plain ones share rx_
  std::string peer_name;  ///< accepted over TLS: the name in the client's verified certificate
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
    if (ec) {  // EMFILE, ENFILE, ENOBUFS...: the connection waits in the kernel's backlog meanwhile
      ++accept_failures_;
      acceptor_->pause.expires_after(std::chrono::milliseconds(100));
      acceptor_->pause.async_wait([this, &handler](const boost::system::error_code& e) {
        if (!e) accept(handler);
      });
      return;
    }
    auto c = std::make_shared<Conn>(std::move(socket), handler);
    c->id = allocate_id();
    conns_.emplace(c->id, c);
    if (tls_server_) handshake(c);
    else opened(c);
    accept(handler);
  });
}

void TcpTransport::opened(const std::shared_ptr<Conn>& c) {
  boost::system::error_code ignored;
  c->socket.set_option(tcp::no_delay(true), ignored);  // MQTT acks are small and latency-bound
  c->socket.non_blocking(true, ignored);                // read() reads what is there once it is readable
  c->open = true;
  c->handler->on_open(c->id);
  if (!c->closed) {
    read(c);
    if (!c->queued.empty() && !c->writing) write(c);
  }
}

namespace {

/** After loading `file` into an SSL context: OpenSSL's own reasons read "asio.ssl error" through Asio, so say what the file is not, or why it cannot be read. */
void loaded(const boost::system::error_code& ec, const std::string& what, const std::string& file, const char* expected) {
  if (!ec) return;
  std::ifstream in(file);
  const std::string why = in ? expected : std::strerror(errno);
  throw std::runtime_error("cannot load " + what + " '" + file + "': " + why);
}

}  // namespace

void TcpTransport::tls_client(const TlsConfig& config) {
  auto tls = std::make_unique<Tls>();
  tls->verify = config.verify;
  boost::system::error_code ec;
  const auto load = [&](const std::string& what, const std::string& file, const char* expected) { loaded(ec, what, file, expected); };
  tls->context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                           asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (config.ca_file.empty()) {
    tls->context.set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("cannot load the system's CA certificates");
  } else {
    tls->context.load_verify_file(config.ca_file, ec);
    load("CA certificates", config.ca_file, "not PEM certificates");
  }
  if (!config.cert_file.empty()) {
    tls->context.use_certificate_chain_file(config.cert_file, ec);
    load("client certificate", config.cert_file, "not a PEM certificate chain");
    tls->context.use_private_key_file(config.key_file, asio::ssl::context::pem, ec);
    load("client key", config.key_file, "not a PEM private key");
  }
  tls->context.set_verify_mode(config.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  tls_ = std::move(tls);
}

void TcpTransport::tls_server(const TlsServerConfig& config) {
  auto tls = std::make_unique<Tls>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  const auto load = [&](const std::string& what, const std::string& file, const char* expected) { loaded(ec, what, file, expected); };
  tls->context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                           asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  tls->context.use_certificate_chain_file(config.cert_file, ec);
  load("certificate", config.cert_file, "not a PEM certificate chain");
  tls->context.use_private_key_file(config.key_file, asio::ssl::context::pem, ec);
  load("key", config.key_file, "not a PEM private key");
  if (!config.client_ca_file.empty()) {
    tls->context.load_verify_file(config.client_ca_file, ec);
    load("client CA certificates", config.client_ca_file, "not PEM certificates");
    tls->context.set_verify_mode(asio::ssl::verify_peer | (config.require_client_cert ? asio::ssl::verify_fail_if_no_peer_cert : 0));
  } else {
    tls->context.set_verify_mode(asio::ssl::verify_none);
  }
  tls_server_ = std::move(tls);
}

void TcpTransport::handshake(const std::shared_ptr<Conn>& c) {
  c->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(c->socket, tls_server_->context);
  // Unheard of until the handshake is done: a client that stalls it is closed when the timer runs out.
  auto timer = std::make_shared<asio::steady_timer>(loop_.context(), kHandshakeTimeout);
  const auto drop = [this, c] {
    if (c->closed) return;
    ++tls_failures_;
    c->closed = true;
    conns_.erase(c->id);
    free_ids_.insert(c->id);
    boost::system::error_code ignored;
    c->socket.close(ignored);
  };
  timer->async_wait([c, drop](const boost::system::error_code& ec) {
    if (!ec && !c->open) drop();
  });
  c->tls->async_handshake(asio::ssl::stream_base::server, [this, c, timer, drop](const boost::system::error_code& ec) {
    timer->cancel();
    if (c->closed) return;
    if (ec) return drop();
    if (X509* cert = SSL_get1_peer_certificate(c->tls->native_handle())) {  // verified, or the handshake had failed
      char cn[256] = {};
      if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) c->peer_name = cn;
      if (c->peer_name.empty())
        if (auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
          for (int i = 0; i < sk_GENERAL_NAME_num(names) && c->peer_name.empty(); ++i) {
            const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
            if (n->type == GEN_DNS)
              c->peer_name.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)), static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
          }
          GENERAL_NAMES_free(names);
        }
      X509_free(cert);
    }
    opened(c);
  });
}

std::string_view TcpTransport::peer_certificate_name(ConnId conn) const {
  const auto it = conns_.find(conn);
  return it == conns_.end() ? std::string_view{} : std::string_view(it->second->peer_name);
}

void TcpTransport::failed(const std::shared_ptr<Conn>& c, const std::string& why) {
  if (on_failure_) on_failure_(c->id, why);
  lost(c);
}

ConnId TcpTransport::connect(std::string_view endpoint, runtime::TransportHandler& handler) {
  const auto at = core::parse_endpoint(endpoint);
  if (!at || (at->scheme != "mqtts" && at->scheme != "mqtt" && at->scheme != "tcp" && !at->scheme.empty())) return runtime::kNoConn;
  const bool secure = at->scheme == "mqtts";
  const std::string& host = at->host;
  const std::string port = std::to_string(at->port);

  auto c = std::make_shared<Conn>(tcp::socket(loop_.context()), handler);
  if (secure) {
    if (!tls_) tls_client(TlsConfig{});
    c->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(c->socket, tls_->context);
    SSL_set_tlsext_host_name(c->tls->native_handle(), host.c_str());  // SNI
    if (tls_->verify) c->tls->set_verify_callback(asio::ssl::host_name_verification(host));
  }
  c->id = allocate_id();
  conns_.emplace(c->id, c);
  if (!resolver_) resolver_ = std::make_unique<Resolver>(loop_.context());
  const std::string where = host + ":" + port;
  c->where = where;
  resolver_->r.async_resolve(host, port, [this, c, where](const boost::system::error_code& ec, const tcp::resolver::results_type& addrs) {
    if (c->closed) return;
    if (ec) return failed(c, "cannot resolve " + where + ": " + ec.message());
    asio::async_connect(c->socket, addrs, [this, c, where](const boost::system::error_code& ec2, const tcp::endpoint&) {
      if (c->closed) return;
      if (ec2) return failed(c, "cannot connect to " + where + ": " + ec2.message());
      if (!c->tls) return opened(c);
      c->tls->async_handshake(asio::ssl::stream_base::client, [this, c, where](const boost::system::error_code& ec3) {
        if (c->closed) return;
        if (ec3) return failed(c, "TLS handshake with " + where + " failed: " + ec3.message());
        opened(c);
      });
    });
  });
  return c->id;
}

void TcpTransport::read(const std::shared_ptr<Conn>& c) {
  // A plain connection waits until it is readable and then reads into the buffer all of them share: an
  // idle connection holds no buffer (thousands of them cost little). TLS reads through OpenSSL, with one.
  const auto done = [this, c](const boost::system::error_code& ec, std::span<const std::uint8_t> bytes) {
    if (c->closed) return;
    if (ec) {
      // A TLS 1.3 server checks the client's certificate after the handshake: its refusal comes here.
      if (!c->where.empty() && !c->heard) return failed(c, "connection to " + c->where + " closed before it answered: " + ec.message());
      lost(c);
      return;
    }
    c->heard = true;
    c->handler->on_bytes(c->id, bytes);
    if (!c->closed) read(c);
  };
  if (c->tls) {
    if (!c->tls_rx) c->tls_rx = std::make_unique<std::array<std::uint8_t, 16384>>();
    c->tls->async_read_some(asio::buffer(*c->tls_rx), [c, done](const boost::system::error_code& ec, std::size_t n) {
      done(ec, std::span<const std::uint8_t>(c->tls_rx->data(), n));
    });
    return;
  }
  c->socket.async_wait(tcp::socket::wait_read, [this, c, done](const boost::system::error_code& ec) {
    if (c->closed) return;
    if (ec) return done(ec, {});
    boost::system::error_code rec;
    const std::size_t n = c->socket.read_some(asio::buffer(rx_), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) return read(c);  // woken for nothing
    done(rec, std::span<const std::uint8_t>(rx_.data(), n));
  });
}

void TcpTransport::lost(const std::shared_ptr<Conn>& c) {
  if (c->closed) return;
  c->closed = true;
  conns_.erase(c->id);
  free_ids_.insert(c->id);
  queued_bytes_ -= c->queued.size();  // what is in flight is given back when its write ends (aborted now)
  c->queued.clear();
  boost::system::error_code ignored;
  c->socket.close(ignored);
  c->handler->on_closed(c->id);
}

runtime::SendStatus TcpTransport::send(ConnId conn, std::span<const std::uint8_t> bytes) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return runtime::SendStatus::closed;
  const std::shared_ptr<Conn> c = it->second;
  if (c->queued.size() + bytes.size() > kMaxQueuedBytes || queued_bytes_ + bytes.size() > kMaxQueuedBytesTotal) {
    // A peer that does not read: drop it rather than grow without bound. The handler hears of it from
    // the event loop, not from inside its own send().
    asio::post(loop_.context(), [this, c] { lost(c); });
    return runtime::SendStatus::closed;
  }
  c->queued.insert(c->queued.end(), bytes.begin(), bytes.end());
  queued_bytes_ += bytes.size();
  if (c->open && !c->writing) write(c);  // an outgoing connection still opening sends once it is up
  return runtime::SendStatus::ok;
}

void TcpTransport::write(const std::shared_ptr<Conn>& c) {
  c->writing = true;
  c->in_flight.swap(c->queued);
  c->queued.clear();
  auto done = [this, c](const boost::system::error_code& ec, std::size_t) {
    c->writing = false;
    queued_bytes_ -= c->in_flight.size();
    c->in_flight.clear();
    if (ec) {
      queued_bytes_ -= c->queued.size();
      c->queued.clear();
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
  };
  if (c->tls) asio::async_write(*c->tls, asio::buffer(c->in_flight), std::move(done));
  else asio::async_write(c->socket, asio::buffer(c->in_flight), std::move(done));
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
    // A peer that reads nothing would keep the socket for ever: it gets linger_ to take the rest.
    auto linger = std::make_shared<asio::steady_timer>(loop_.context(), linger_);
    linger->async_wait([c, linger](const boost::system::error_code& ec) {
      boost::system::error_code ignored;
      if (!ec) c->socket.close(ignored);  // the write ends (aborted) and gives its bytes back
    });
    return;
  }
  boost::system::error_code ignored;
  c->socket.close(ignored);  // nothing left to send: the close sends the FIN (no shutdown() first, a syscall saved)
}

}  // namespace twinbench::hil
