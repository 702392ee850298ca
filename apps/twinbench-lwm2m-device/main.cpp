// twinbench-lwm2m-device: a real LwM2M 1.1 client on libcoap (nobody here wrote its CoAP stack), for
// labs and for the interop tests of the gateway's LwM2M server. It registers with objects 3303
// (temperature) and 3316 (voltage), serves them as observable resources in SenML JSON, changes their
// values every period (notifying observers, or with --send posting them to /dp), updates its
// registration at half its lifetime, and de-registers after --count readings.

#include <coap3/coap.h>
#include <netdb.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "twinbench/core/Endpoint.hpp"

namespace {

constexpr const char* kUsage = R"(usage: twinbench-lwm2m-device --server coap://host:port [options]

A real LwM2M 1.1 client (libcoap) with IPSO objects 3303 (temperature) and 3316 (voltage). It registers
(POST /rd), lets the server observe /3303/0 and /3316/0 (SenML JSON), and every period changes both
readings: reading k is temperature 20 + k/4 Cel and voltage 230 + (k mod 3) V, so a test can check what
arrived. Observers are notified; with --send the readings also go to the server as a Send (POST /dp).
After --count readings it de-registers (DELETE) and exits 0.

options:
  --server coap://host:port   the LwM2M server                                     required
  --endpoint NAME             endpoint client name (ep)                             twinbench-dev
  --lifetime S                registration lifetime (an Update goes at half of it)  60
  --period-ms N               time between readings                                 200
  --count N                   readings before de-registering                        10
  --wait-ms N                 time to wait for the server to observe before the first reading   1000
  --send                      also post each reading to /dp
  --con                       confirmable notifications (default: libcoap's mix of NON and CON)
exit codes: 0 done, 1 registration refused or unanswered, 2 bad usage.
)";

struct Device {
  std::string location;  // "rd/<id>" path segments after "rd/"
  int registered = 0;    // 0 waiting, 1 registered, -1 refused or unanswered
  int k = 0;
  bool deleted = false;
  int reads = 0;
} dev;

std::string senml(int object) {
  char buf[160];
  if (object == 3303)
    std::snprintf(buf, sizeof buf, R"([{"bn":"/3303/0/","n":"5700","v":%.2f},{"n":"5701","vs":"Cel"}])", 20 + dev.k / 4.0);
  else
    std::snprintf(buf, sizeof buf, R"([{"bn":"/3316/0/","n":"5700","v":%d},{"n":"5701","vs":"V"}])", 230 + dev.k % 3);
  return buf;
}

void get_handler(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req, const coap_string_t* query, coap_pdu_t* resp) {
  const coap_str_const_t* uri = coap_resource_get_uri_path(r);
  const int object = uri->length >= 4 && std::memcmp(uri->s, "3303", 4) == 0 ? 3303 : 3316;
  ++dev.reads;
  const std::string body = senml(object);
  coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
  coap_add_data_large_response(r, s, req, resp, query, COAP_MEDIATYPE_APPLICATION_SENML_JSON, -1, 0, body.size(),
                               reinterpret_cast<const uint8_t*>(body.data()), nullptr, nullptr);
}

coap_response_t response_handler(coap_session_t*, const coap_pdu_t* sent, const coap_pdu_t* received, const coap_mid_t) {
  const coap_pdu_code_t code = coap_pdu_get_code(received);
  if (!sent) return COAP_RESPONSE_OK;
  const coap_pdu_code_t method = coap_pdu_get_code(sent);
  if (method == COAP_REQUEST_CODE_POST && dev.registered == 0) {
    if (code != COAP_RESPONSE_CODE_CREATED) {
      std::fprintf(stderr, "twinbench-lwm2m-device: registration refused: %d.%02d\n", code >> 5, code & 31);
      dev.registered = -1;
      return COAP_RESPONSE_OK;
    }
    coap_opt_iterator_t it;
    coap_opt_t* opt;
    coap_option_iterator_init(received, &it, COAP_OPT_ALL);
    std::vector<std::string> path;
    while ((opt = coap_option_next(&it)))
      if (it.number == COAP_OPTION_LOCATION_PATH)
        path.emplace_back(reinterpret_cast<const char*>(coap_opt_value(opt)), coap_opt_length(opt));
    if (path.size() != 2 || path[0] != "rd") {
      std::fprintf(stderr, "twinbench-lwm2m-device: registration answered without a Location-Path rd/<id>\n");
      dev.registered = -1;
      return COAP_RESPONSE_OK;
    }
    dev.location = path[1];
    dev.registered = 1;
    std::printf("registered as rd/%s\n", dev.location.c_str());
  } else if (method == COAP_REQUEST_CODE_DELETE) {
    dev.deleted = true;
  } else if (code >> 5 != 2) {
    std::fprintf(stderr, "twinbench-lwm2m-device: request answered %d.%02d\n", code >> 5, code & 31);
  }
  std::fflush(stdout);
  return COAP_RESPONSE_OK;
}

void nack_handler(coap_session_t*, const coap_pdu_t* sent, const coap_nack_reason_t, const coap_mid_t) {
  if (sent && coap_pdu_get_code(sent) == COAP_REQUEST_CODE_POST && dev.registered == 0) dev.registered = -1;
}

void request(coap_session_t* s, coap_pdu_code_t method, std::vector<std::string> path, std::vector<std::string> queries,
             int format, const std::string& payload) {
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, method, coap_new_message_id(s), coap_session_max_pdu_size(s));
  uint8_t token[8];
  size_t len;
  coap_session_new_token(s, &len, token);
  coap_add_token(pdu, len, token);
  for (const auto& p : path) coap_add_option(pdu, COAP_OPTION_URI_PATH, p.size(), reinterpret_cast<const uint8_t*>(p.data()));
  if (format >= 0) {
    uint8_t buf[4];
    coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT, coap_encode_var_safe(buf, sizeof buf, static_cast<unsigned>(format)), buf);
  }
  for (const auto& q : queries) coap_add_option(pdu, COAP_OPTION_URI_QUERY, q.size(), reinterpret_cast<const uint8_t*>(q.data()));
  if (!payload.empty()) coap_add_data(pdu, payload.size(), reinterpret_cast<const uint8_t*>(payload.data()));
  coap_send(s, pdu);
}

/** Run libcoap for `ms` milliseconds (or until `done`). */
template <class Done>
void run_for(coap_context_t* ctx, long ms, Done done) {
  coap_tick_t start, now;
  coap_ticks(&start);
  for (;;) {
    coap_ticks(&now);
    const long elapsed = static_cast<long>((now - start) * 1000 / COAP_TICKS_PER_SECOND);
    if (elapsed >= ms || done()) return;
    coap_io_process(ctx, static_cast<uint32_t>(std::min(ms - elapsed, 50L)));
  }
}

int usage_error(const std::string& what) {
  std::cerr << "twinbench-lwm2m-device: " << what << "\n\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server, endpoint = "twinbench-dev";
  long lifetime = 60, period_ms = 200, count = 10, wait_ms = 1000;
  bool send = false, con = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--server" && has_value) server = argv[++i];
      else if (a == "--endpoint" && has_value) endpoint = argv[++i];
      else if (a == "--lifetime" && has_value) lifetime = std::stol(argv[++i]);
      else if (a == "--period-ms" && has_value) period_ms = std::stol(argv[++i]);
      else if (a == "--count" && has_value) count = std::stol(argv[++i]);
      else if (a == "--wait-ms" && has_value) wait_ms = std::stol(argv[++i]);
      else if (a == "--send") send = true;
      else if (a == "--con") con = true;
      else return usage_error("unexpected argument '" + a + "'");
    } catch (const std::exception&) {
      return usage_error("expected a number after " + a);
    }
  }
  if (lifetime < 2 || period_ms < 1 || count < 0 || wait_ms < 0) return usage_error("--lifetime >= 2, --period-ms >= 1, --count and --wait-ms >= 0");
  const auto at = twinbench::core::parse_endpoint(server);
  if (!at || at->scheme != "coap") return usage_error("expected --server coap://host:port, got '" + server + "'");
  const std::string host = at->host, port = std::to_string(at->port);

  coap_startup();
  coap_set_log_level(LOG_ERR);
  addrinfo hints{}, *found = nullptr;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
    std::cerr << "twinbench-lwm2m-device: cannot resolve " << host << ':' << port << '\n';
    return 1;
  }
  coap_address_t dst;
  coap_address_init(&dst);
  dst.size = found->ai_addrlen;
  std::memcpy(&dst.addr, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);

  coap_context_t* ctx = coap_new_context(nullptr);
  coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_register_response_handler(ctx, response_handler);
  coap_register_nack_handler(ctx, nack_handler);
  coap_resource_t* resources[2];
  const char* paths[2] = {"3303/0", "3316/0"};
  for (int i = 0; i < 2; ++i) {
    resources[i] = coap_resource_init(coap_make_str_const(paths[i]), 0);
    coap_register_handler(resources[i], COAP_REQUEST_GET, get_handler);
    coap_resource_set_get_observable(resources[i], 1);
    if (con) coap_resource_set_mode(resources[i], COAP_RESOURCE_FLAGS_NOTIFY_CON);
    coap_add_resource(ctx, resources[i]);
  }
  coap_session_t* s = coap_new_client_session(ctx, nullptr, &dst, COAP_PROTO_UDP);
  if (!s) {
    std::cerr << "twinbench-lwm2m-device: cannot open a UDP session to " << server << '\n';
    return 1;
  }
  request(s, COAP_REQUEST_CODE_POST, {"rd"}, {"ep=" + endpoint, "lt=" + std::to_string(lifetime), "lwm2m=1.1", "b=U"},
          COAP_MEDIATYPE_APPLICATION_LINK_FORMAT, R"(</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>,</3303/0>,</3316/0>)");
  run_for(ctx, 100'000, [] { return dev.registered != 0; });  // libcoap gives up after its retransmissions
  int rc = 0;
  if (dev.registered != 1) {
    if (dev.registered == 0) std::cerr << "twinbench-lwm2m-device: no answer from " << server << '\n';
    rc = 1;
  } else {
    run_for(ctx, wait_ms, [] { return dev.reads >= 2; });
    long since_update_ms = 0;
    for (dev.k = 1; dev.k <= count; ++dev.k) {
      for (coap_resource_t* r : resources) coap_resource_notify_observers(r, nullptr);
      if (send) {  // one pack with both instances: [ ...3303 records, ...3316 records ]
        const std::string t = senml(3303), v = senml(3316);
        request(s, COAP_REQUEST_CODE_POST, {"dp"}, {}, COAP_MEDIATYPE_APPLICATION_SENML_JSON, t.substr(0, t.size() - 1) + "," + v.substr(1));
      }
      run_for(ctx, period_ms, [] { return false; });
      since_update_ms += period_ms;
      if (since_update_ms >= lifetime * 500) {
        request(s, COAP_REQUEST_CODE_POST, {"rd", dev.location}, {}, -1, "");
        since_update_ms = 0;
      }
    }
    --dev.k;
    request(s, COAP_REQUEST_CODE_DELETE, {"rd", dev.location}, {}, -1, "");
    run_for(ctx, 5'000, [] { return dev.deleted; });
    std::printf("%ld readings, %d reads and notifications served, %s\n", count, dev.reads, dev.deleted ? "de-registered" : "de-register unanswered");
  }
  coap_free_context(ctx);
  coap_cleanup();
  return rc;
}
