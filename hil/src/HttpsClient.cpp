#include "twinbench/hil/HttpsClient.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>
#include <regex>
#include <stdexcept>

namespace twinbench::hil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpsClient::Impl {
  asio::io_context& io;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::chrono::milliseconds timeout;
  Impl(asio::io_context& c, std::chrono::milliseconds t) : io(c), timeout(t) {}
};

namespace {

struct Url {
  bool tls = false;
  std::string host, port, target;
};

std::optional<Url> parse_url(const std::string& url) {
  static const std::regex re(R"(^(https?)://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?(/[^\s]*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, re)) return std::nullopt;
  Url u;
  u.tls = m[1] == "https";
  u.host = m[2];
  if (u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  u.port = m[3].matched ? m[3].str() : (u.tls ? "443" : "80");
  u.target = m[4].matched ? m[4].str() : "/";
  return u;
}

/** One POST: resolve, connect, (handshake), write, read, answer once; the timer answers 0 if it takes too long. */
struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(std::shared_ptr<HttpsClient::Impl> c, Url u, http::request<http::string_body> r, std::function<void(int)> d)
      : client(std::move(c)), url(std::move(u)), resolver(client->io), timer(client->io), req(std::move(r)), done(std::move(d)) {
    if (url.tls) tls.emplace(client->io, client->ssl);
    else plain.emplace(client->io);
  }
  std::shared_ptr<HttpsClient::Impl> client;
  Url url;
  tcp::resolver resolver;
  asio::steady_timer timer;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::optional<beast::tcp_stream> plain;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  std::function<void(int)> done;

  beast::tcp_stream& socket() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void finish(int status) {
    if (!done) return;
    auto d = std::move(done);
    done = nullptr;
    timer.cancel();
    beast::error_code ignored;
    socket().socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close();
    d(status);
  }
  void start() {
    auto self = shared_from_this();
    timer.expires_after(client->timeout);
    timer.async_wait([self](beast::error_code ec) {
      if (!ec) self->finish(0);
    });
    if (tls && !SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) return finish(0);
    if (tls) tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    resolver.async_resolve(url.host, url.port, [self](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) return self->finish(0);
      self->socket().async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->finish(0);
        if (!self->tls) return self->write();
        self->tls->async_handshake(asio::ssl::stream_base::client, [self](beast::error_code ec3) {
          if (ec3) return self->finish(0);
          self->write();
        });
      });
    });
  }
  void write() {
    auto self = shared_from_this();
    const auto on_written = [self](beast::error_code ec, std::size_t) {
      if (ec) return self->finish(0);
      self->read();
    };
    if (tls) http::async_write(*tls, req, on_written);
    else http::async_write(*plain, req, on_written);
  }
  void read() {
    auto self = shared_from_this();
    const auto on_read = [self](beast::error_code ec, std::size_t) { self->finish(ec ? 0 : static_cast<int>(self->res.result_int())); };
    if (tls) http::async_read(*tls, buffer, res, on_read);
    else http::async_read(*plain, buffer, res, on_read);
  }
};

}  // namespace

HttpsClient::HttpsClient(EventLoop& loop, const TlsConfig& tls, std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(loop.context(), timeout)) {
  impl_->ssl.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                         asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (tls.ca_file.empty()) impl_->ssl.set_default_verify_paths(ec);
  else impl_->ssl.load_verify_file(tls.ca_file, ec);
  if (ec) throw std::runtime_error("cannot load CA certificates '" + tls.ca_file + "': " + ec.message());
  impl_->ssl.set_verify_mode(tls.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
}

HttpsClient::~HttpsClient() = default;

void HttpsClient::post(const runtime::HttpRequest& request, std::function<void(int)> done) {
  const auto url = parse_url(request.url);
  if (!url) {  // answered later, as the port says: never from inside post()
    asio::post(impl_->io, [done = std::move(done)] { done(0); });
    return;
  }
  http::request<http::string_body> req{http::verb::post, url->target, 11};
  req.set(http::field::host, url->host);
  req.set(http::field::user_agent, "twinbench-edge");
  req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  req.prepare_payload();
  std::make_shared<Exchange>(impl_, *url, std::move(req), std::move(done))->start();
}

}  // namespace twinbench::hil
