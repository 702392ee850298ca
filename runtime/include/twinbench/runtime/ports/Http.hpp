#pragma once
// HTTP port: a POST to a partner's endpoint, answered later by its status. Sans-IO like the other ports:
// twinbench-edge posts over HTTPS (Boost.Beast), the simulation to a simulated partner behind the WAN,
// and tests answer by hand.

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace twinbench::runtime {

struct HttpRequest {
  std::string url;                                           ///< https://host[:port]/path
  std::vector<std::pair<std::string, std::string>> headers;  ///< besides Content-Type: application/json
  std::string body;
};

class HttpClient {
public:
  virtual ~HttpClient() = default;
  /**
   * @brief POST `request`; `done` gets the response's status, or 0 when there was none (no connection,
   * TLS refused, timed out). `done` is called once, later (never from inside post()).
   */
  virtual void post(const HttpRequest& request, std::function<void(int status)> done) = 0;
};

}  // namespace twinbench::runtime
