#include "twinbench/hil/HttpsServer.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>

namespace twinbench::hil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kHeaderMax = 8 * 1024, kBodyMax = 64 * 1024;
constexpr auto kRequestTime = std::chrono::seconds(10);

void security_headers(http::fields& f) {
  f.set(http::field::strict_transport_security, "max-age=31536000");
  f.set("X-Content-Type-Options", "nosniff");
  f.set("X-Frame-Options", "DENY");
  f.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  f.set("Referrer-Policy", "no-referrer");
  f.set(http::field::cache_control, "no-store");
  f.set(http::field::server, "twinbench-edge");
}
}  // namespace

struct Connection;

struct HttpsServer::Impl : std::enable_shared_from_this<HttpsServer::Impl> {
  Impl(asio::io_context& c, Handler h, std::size_t max) : io(c), ssl(asio::ssl::context::tls_server), acceptor(c), handler(std::move(h)), max_connections(max) {}
  asio::io_context& io;
  asio::ssl::context ssl;
  tcp::acceptor acceptor;
  Handler handler;
  std::size_t max_connections;
  std::set<Connection*> live;
  std::uint64_t tls_failures = 0;
  bool closed = false;
  void accept();
};

/** One connection: handshake, one request, then an answer (closing it) or a stream. */
struct Connection : std::enable_shared_from_this<Connection>, EventStream {
  Connection(std::shared_ptr<HttpsServer::Impl> s, tcp::socket sock) : server(std::move(s)), stream(std::move(sock), server->ssl) {}
  ~Connection() override { server->live.erase(this); }
  std::shared_ptr<HttpsServer::Impl> server;
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  std::shared_ptr<http::response<http::string_body>> response;
  bool streaming = false, ended = false, writing = false;
  std::deque<std::string> out;  ///< SSE chunks waiting to be written
  std::array<char, 64> sink{};

  void start() {
    server->live.insert(this);
    beast::get_lowest_layer(stream).expires_after(kRequestTime);
    stream.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        ++self->server->tls_failures;
        return self->end();
      }
      self->read();
    });
  }
  void read() {
    parser.emplace();
    parser->header_limit(kHeaderMax);
    parser->body_limit(kBodyMax);
    http::async_read(stream, buffer, *parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit || ec == http::error::header_limit) return self->reply(HttpOut{413, "application/json", R"({"error":"request too large"})"});
      if (ec) return self->end();
      self->handle();
    });
  }
  void handle() {
    const auto& r = parser->get();
    HttpIn in;
    in.method = std::string(r.method_string());
    in.target = std::string(r.target());
    for (const auto& f : r) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      in.headers[name] = std::string(f.value());
    }
    in.body = r.body();
    beast::get_lowest_layer(stream).expires_never();
    std::weak_ptr<Connection> weak = shared_from_this();
    HttpReply reply;
    reply.respond = [weak, answered = std::make_shared<bool>(false)](HttpOut o) {
      if (*answered) return;
      *answered = true;
      if (auto self = weak.lock()) self->reply(std::move(o));
    };
    reply.stream = [weak]() -> std::shared_ptr<EventStream> {
      auto self = weak.lock();
      if (!self || self->streaming) return nullptr;
      self->open_stream();
      return self;
    };
    // The handler holds the connection only through `reply`; a connection nobody answers ends at the next close().
    keep_until_answered = shared_from_this();
    server->handler(in, std::move(reply));
  }
  std::shared_ptr<Connection> keep_until_answered;  ///< released once answered (or streamed)

  void reply(HttpOut o) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(o.status), 11);
    security_headers(res->base());
    res->set(http::field::content_type, o.content_type);
    for (const auto& [k, v] : o.headers) res->set(k, v);
    res->set(http::field::connection, "close");
    res->body() = std::move(o.body);
    res->prepare_payload();
    response = res;
    auto self = shared_from_this();
    keep_until_answered.reset();
    beast::get_lowest_layer(stream).expires_after(kRequestTime);
    http::async_write(stream, *response, [self](beast::error_code, std::size_t) { self->shutdown(); });
  }
  void open_stream() {
    streaming = true;
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: keep-alive\r\n";
    http::fields f;
    security_headers(f);
    for (const auto& h : f) {
      const auto name = h.name_string();
      const auto value = h.value();
      head.append(name.data(), name.size()).append(": ").append(value.data(), value.size()).append("\r\n");
    }
    head += "\r\n";
    out.push_back(std::move(head));
    flush();
    // The client ends the stream by closing: a read that completes (with data or an error) ends it.
    stream.async_read_some(asio::buffer(sink), [self = shared_from_this()](beast::error_code, std::size_t) { self->end(); });
    keep_until_answered.reset();
    self_while_streaming = shared_from_this();
  }
  std::shared_ptr<Connection> self_while_streaming;

  bool send(std::string_view event, std::string_view data) override {
    if (!open()) return false;
    if (out.size() > 256) {  // a client that does not read: end it rather than hold without bound
      end();
      return false;
    }
    std::string chunk = "event: ";
    chunk.append(event).append("\ndata: ").append(data).append("\n\n");
    out.push_back(std::move(chunk));
    flush();
    return true;
  }
  bool open() const override { return streaming && !ended; }
  void flush() {
    if (writing || out.empty() || ended) return;
    writing = true;
    asio::async_write(stream, asio::buffer(out.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing = false;
      if (ec) return self->end();
      self->out.pop_front();
      self->flush();
    });
  }
  void shutdown() {
    stream.async_shutdown([self = shared_from_this()](beast::error_code) { self->end(); });
  }
  void end() {
    if (ended) return;
    ended = true;
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
    keep_until_answered.reset();
    self_while_streaming.reset();
  }
};

void HttpsServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
    if (self->closed) return;
    if (!ec) {
      if (self->live.size() >= self->max_connections) {
        beast::error_code ignored;
        s.close(ignored);
      } else {
        std::make_shared<Connection>(self, std::move(s))->start();
      }
    }
    self->accept();
  });
}

HttpsServer::HttpsServer(EventLoop& loop, const TlsServerConfig& tls, Handler handler, std::size_t max_connections)
    : impl_(std::make_shared<Impl>(loop.context(), std::move(handler), max_connections)) {
  impl_->ssl.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                         asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  const auto load = [](const std::string& what, const std::string& file, const char* expected, auto&& fn) {
    if (!std::ifstream(file)) throw std::runtime_error("cannot read the " + what + " " + file);
    beast::error_code ec;
    fn(ec);
    if (ec) throw std::runtime_error("the " + what + " " + file + " is " + expected);
  };
  load("certificate", tls.cert_file, "not a PEM certificate chain", [&](beast::error_code& ec) { impl_->ssl.use_certificate_chain_file(tls.cert_file, ec); });
  load("key", tls.key_file, "not a PEM private key (or not the certificate's)",
       [&](beast::error_code& ec) { impl_->ssl.use_private_key_file(tls.key_file, asio::ssl::context::pem, ec); });
}

HttpsServer::~HttpsServer() { close(); }

std::uint16_t HttpsServer::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("'" + host + "' is not an IP address");
  const tcp::endpoint at(address, port);
  impl_->acceptor.open(at.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(at, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->accept();
  return impl_->acceptor.local_endpoint().port();
}

void HttpsServer::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  const std::vector<Connection*> live(impl_->live.begin(), impl_->live.end());
  for (Connection* c : live) c->end();
}

std::size_t HttpsServer::connections() const { return impl_->live.size(); }
std::uint64_t HttpsServer::tls_failures() const { return impl_->tls_failures; }

}  // namespace twinbench::hil
