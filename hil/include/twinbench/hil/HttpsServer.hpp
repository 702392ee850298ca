#pragma once
// An HTTPS server on the event loop (Boost.Beast; its headers stay in hil/src), for twinbench-edge's
// console: TLS 1.2 or newer with the gateway's certificate, one request per connection (the answer closes
// it), or a Server-Sent Events stream that stays open until either side ends it. Bounded: request headers
// 8 KiB, bodies 64 KiB, 10 s to send a request, at most `max_connections` at once (more are closed at
// once). Every answer carries the security headers a console needs (HSTS, no sniffing, no framing, a
// same-origin Content-Security-Policy, no caching).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/hil/TcpTransport.hpp"

namespace twinbench::hil {

struct HttpIn {
  std::string method;  ///< GET, POST, PUT...
  std::string target;  ///< path and query
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpOut {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  ///< besides the security headers
};

/** An open Server-Sent Events stream. */
class EventStream {
public:
  virtual ~EventStream() = default;
  /** @brief Sends one event (`data` on one line); false once the stream has ended. */
  virtual bool send(std::string_view event, std::string_view data) = 0;
  virtual bool open() const = 0;
};

/** How a handler answers a request: once, now or later (a password check), or by opening a stream. */
struct HttpReply {
  std::function<void(HttpOut)> respond;
  std::function<std::shared_ptr<EventStream>()> stream;
};

class HttpsServer {
public:
  using Handler = std::function<void(const HttpIn&, HttpReply)>;
  /** @brief std::runtime_error if the certificate or key does not load. */
  HttpsServer(EventLoop& loop, const TlsServerConfig& tls, Handler handler, std::size_t max_connections = 64);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;
  /** @brief Listen on host:port (port 0: any free one); returns the port. std::runtime_error if it cannot. */
  std::uint16_t listen(const std::string& host, std::uint16_t port);
  /** @brief Stop accepting; open streams end. */
  void close();
  std::size_t connections() const;
  /** @brief TLS handshakes that failed (a wrong certificate, a scanner): counted, never answered. */
  std::uint64_t tls_failures() const;

  struct Impl;

private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace twinbench::hil
