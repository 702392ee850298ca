#pragma once
// The HttpClient port on real sockets: a POST to "https://host[:port]/path" (TLS 1.2 or newer, the
// server's chain and host name verified) or "http://host[:port]/path" (loopback tests and labs), with
// Boost.Beast on the event loop. One connection per post, closed after its answer; a post that has no
// answer within the timeout is answered 0. Beast's headers stay in hil/src.

#include <chrono>
#include <memory>
#include <string>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/runtime/ports/Http.hpp"

namespace twinbench::hil {

class HttpsClient final : public runtime::HttpClient {
public:
  /** @brief `tls`: the CAs to trust (empty: the system's) and whether to verify; std::runtime_error if a file does not load. */
  HttpsClient(EventLoop& loop, const TlsConfig& tls, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpsClient() override;
  void post(const runtime::HttpRequest& request, std::function<void(int status)> done) override;

  struct Impl;

private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace twinbench::hil
