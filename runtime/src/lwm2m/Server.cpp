#include "twinbench/runtime/lwm2m/Server.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace twinbench::runtime::lwm2m {

namespace {

using coap::Message;
using coap::Type;
namespace codes = coap::codes;
namespace options = coap::options;

std::uint64_t token_value(std::span<const std::uint8_t> token) {
  std::uint64_t v = 0;
  for (std::uint8_t b : token) v = v << 8 | b;
  return v | std::uint64_t{token.size()} << 60;  // keeps tokens of different lengths apart (ours are 4 bytes)
}

/** Options this server understands; any other critical option in a request gets 4.02 (RFC 7252 5.4.1). */
bool understood(std::uint16_t n) {
  switch (n) {
    case options::uri_host: case options::uri_port: case options::uri_path: case options::uri_query:
    case options::content_format: case options::accept: case options::observe: case options::etag:
    case options::max_age: case options::size1: case options::size2:
      return true;
    default:
      return !coap::is_critical(n);
  }
}

std::optional<std::string_view> query(const Message& m, std::string_view key) {
  for (const coap::Option& o : m.options) {
    if (o.number != options::uri_query) continue;
    const std::string_view q = o.text();
    if (q.size() > key.size() && q.substr(0, key.size()) == key && q[key.size()] == '=') return q.substr(key.size() + 1);
    if (q == key) return std::string_view{};
  }
  return std::nullopt;
}

std::optional<std::uint32_t> lifetime(std::string_view s) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

bool is_path(std::string_view p) {
  if (p.size() < 2 || p[0] != '/') return false;
  for (char c : p.substr(1))
    if (c != '/' && (c < '0' || c > '9')) return false;
  return p.back() != '/' && p.find("//") == std::string_view::npos;
}

/** True if observing `wanted` makes sense for a client that registered `objects`. */
bool has(const std::vector<std::string>& objects, std::string_view wanted) {
  for (std::string_view o : objects) {
    if (o == wanted) return true;
    if (o.size() > wanted.size() && o.substr(0, wanted.size()) == wanted && o[wanted.size()] == '/') return true;
    if (wanted.size() > o.size() && wanted.substr(0, o.size()) == o && wanted[o.size()] == '/') return true;
  }
  return false;
}

/** RFC 7641 3.4: is a notification with sequence v2 at t2 newer than v1 at t1? */
bool newer(std::uint32_t v1, TimeUs t1, std::uint32_t v2, TimeUs t2) {
  constexpr std::uint32_t half = 1u << 23;
  return (v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half) || t2 > t1 + 128'000'000;
}

}  // namespace

std::vector<std::string> instances_of(const std::vector<std::string>& resources) {
  std::vector<std::string> out;
  for (const std::string& r : resources) {
    std::string instance = r.substr(0, r.rfind('/'));
    if (std::find(out.begin(), out.end(), instance) == out.end()) out.push_back(std::move(instance));
  }
  return out;
}

std::optional<std::vector<std::string>> link_paths(std::string_view links) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < links.size()) {
    while (i < links.size() && (links[i] == ' ' || links[i] == '\n' || links[i] == '\r')) ++i;
    if (i == links.size() || links[i] != '<') return std::nullopt;
    const std::size_t close = links.find('>', i);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view target = links.substr(i + 1, close - i - 1);
    i = close + 1;
    bool quoted = false;  // attributes: ;name=value or ;name="value, with commas"
    while (i < links.size() && (quoted || links[i] != ',')) {
      if (links[i] == '"') quoted = !quoted;
      ++i;
    }
    if (quoted) return std::nullopt;
    if (i < links.size()) ++i;  // the comma
    if (is_path(target)) out.emplace_back(target);  // "/" with rt="oma.lwm2m" and other roots are not objects
  }
  return out;
}

Server::Server(ServerConfig config, Clock& clock, Datagrams& out, ServerHooks& hooks, core::RngStream rng)
    : config_(std::move(config)), clock_(clock), out_(out), hooks_(hooks), rng_(rng),
      message_id_(static_cast<std::uint16_t>(rng_.next_u64())) {}

Server::~Server() {
  for (auto& [id, p] : pending_) clock_.cancel(p.timer);
}

const Registration* Server::find(PeerId peer) const {
  const auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? nullptr : it->second;
}

const Registration* Server::find_endpoint(std::string_view endpoint) const {
  const auto it = by_endpoint_.find(endpoint);
  return it == by_endpoint_.end() ? nullptr : &registrations_.find(it->second)->second;
}

std::size_t Server::observations() const {
  return static_cast<std::size_t>(
      std::count_if(observations_.begin(), observations_.end(), [](const auto& o) { return o.second.established; }));
}

void Server::on_datagram(PeerId from, std::span<const std::uint8_t> bytes) {
  Message m;
  const coap::DecodeStatus st = coap::decode(bytes, m);
  if (st != coap::DecodeStatus::ok) {
    // RFC 7252 4.2/4.3: a CON we cannot read is rejected with RST; anything else is silently ignored.
    if (st != coap::DecodeStatus::too_short && st != coap::DecodeStatus::bad_version && (bytes[0] >> 4 & 3) == 0) {
      scratch_.clear();
      coap::encode_empty(Type::rst, static_cast<std::uint16_t>(bytes[2] << 8 | bytes[3]), scratch_);
      send(from, scratch_);
    }
    hooks_.on_problem(from, Problem::malformed);
    return;
  }
  if (m.code == codes::empty) {
    if (m.type == Type::con) {  // a CoAP ping
      scratch_.clear();
      coap::encode_empty(Type::rst, m.id, scratch_);
      send(from, scratch_);
      return;
    }
    const auto p = pending_.find(m.id);
    if (p == pending_.end() || p->second.peer != from) return;
    clock_.cancel(p->second.timer);
    if (m.type == Type::rst) observations_.erase(p->second.token);  // the client refused the observe
    pending_.erase(p);  // an empty ACK: the response will come separately
    return;
  }
  if (m.type == Type::con) {  // duplicate detection for CON (RFC 7252 4.5; for NON it is optional, and costs a map entry each)
    const std::uint64_t key = seen_key(from, m.id);
    const auto s = seen_.find(key);
    if (s != seen_.end()) {
      ++stats_.duplicates;
      if (!s->second.response.empty()) send(from, s->second.response);
      return;
    }
    seen_.emplace(key, Seen{clock_.now_us() + config_.exchange_lifetime_us, {}});
    seen_order_.emplace_back(clock_.now_us() + config_.exchange_lifetime_us, key);
  }
  if (m.is_request()) {
    on_request(from, m, bytes.size());
  } else if (m.is_response()) {
    on_response(from, m, bytes.size());
  } else if (m.type == Type::con) {  // a reserved code class
    scratch_.clear();
    coap::encode_empty(Type::rst, m.id, scratch_);
    send(from, scratch_);
  }
}

void Server::respond(PeerId from, const Message& req, std::uint8_t code, const Registration* created) {
  if (coap::code_class(code) != 2) hooks_.on_problem(from, Problem::bad_request);
  scratch_.clear();
  const bool con = req.type == Type::con;
  coap::Writer w(scratch_, con ? Type::ack : Type::non, code, con ? req.id : next_id(), req.token);
  if (created) w.option(options::location_path, "rd").option(options::location_path, created->location);
  send(from, scratch_);
  if (con) seen_[seen_key(from, req.id)].response = scratch_;
}

void Server::on_request(PeerId from, const Message& m, std::size_t size) {
  ++stats_.requests;
  for (const coap::Option& o : m.options) {
    if (!understood(o.number)) {
      // A NON with an unrecognised critical option is rejected with RST, a CON with 4.02 (RFC 7252 5.4.1).
      if (m.type == Type::con) {
        respond(from, m, codes::bad_option);
      } else {
        scratch_.clear();
        coap::encode_empty(Type::rst, m.id, scratch_);
        send(from, scratch_);
        hooks_.on_problem(from, Problem::bad_request);
      }
      return;
    }
  }
  const std::vector<std::string_view> path = m.strings(options::uri_path);
  if (!path.empty() && path[0] == "rd") {
    if (path.size() == 1) {
      if (m.code != codes::post) return respond(from, m, codes::method_not_allowed);
      return register_client(from, m);
    }
    const auto it = path.size() == 2 ? registrations_.find(path[1]) : registrations_.end();
    if (it == registrations_.end()) return respond(from, m, codes::not_found);
    if (m.code == codes::post) return update(from, m, it->second);
    if (m.code == codes::del) {
      respond(from, m, codes::deleted);
      return end(it, Ended::deregistered);
    }
    return respond(from, m, codes::method_not_allowed);
  }
  if (path.size() == 1 && path[0] == "dp") {  // LwM2M 1.1 Send
    if (m.code != codes::post) return respond(from, m, codes::method_not_allowed);
    const Registration* r = find(from);
    if (!r) return respond(from, m, codes::forbidden);
    if (m.uint_option(options::content_format) != coap::formats::senml_json)
      return respond(from, m, codes::unsupported_content_format);
    std::string error;
    const auto records = senml::parse_json(
        std::string_view(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()), error);
    if (!records) return respond(from, m, codes::bad_request);
    respond(from, m, codes::changed);
    hooks_.on_values(*r, *records, size);
    return;
  }
  respond(from, m, codes::not_found);
}

void Server::register_client(PeerId from, const Message& m) {
  const auto ep = query(m, "ep");
  if (!ep || ep->empty()) return respond(from, m, codes::bad_request);
  Registration r;
  r.endpoint = std::string(*ep);
  r.lifetime_s = config_.default_lifetime_s;
  if (const auto lt = query(m, "lt")) {
    const auto v = lifetime(*lt);
    if (!v) return respond(from, m, codes::bad_request);
    r.lifetime_s = *v;
  }
  if (const auto v = query(m, "lwm2m")) {
    if (*v != "1.0" && *v != "1.1" && *v != "1.2") return respond(from, m, codes::precondition_failed);
    r.version = std::string(*v);
  }
  if (const auto b = query(m, "b")) r.binding = std::string(*b);
  const auto format = m.uint_option(options::content_format);
  if (format && *format != coap::formats::link_format) return respond(from, m, codes::unsupported_content_format);
  const auto objects = link_paths(std::string_view(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()));
  if (!objects) return respond(from, m, codes::bad_request);
  r.objects = *objects;
  // The endpoint registering again replaces its old registration, and an address holds one client.
  if (const auto old = by_endpoint_.find(r.endpoint); old != by_endpoint_.end()) end(registrations_.find(old->second), Ended::replaced);
  if (const auto here = by_peer_.find(from); here != by_peer_.end()) end(registrations_.find(here->second->location), Ended::replaced);
  if (registrations_.size() >= config_.max_registrations) return respond(from, m, codes::service_unavailable);
  r.location = std::to_string(next_location_++);
  r.device = r.peer = from;
  r.expires_us = clock_.now_us() + TimeUs{r.lifetime_s} * 1'000'000;
  const auto [it, inserted] = registrations_.emplace(r.location, std::move(r));
  by_peer_[from] = &it->second;
  by_endpoint_[it->second.endpoint] = it->first;
  respond(from, m, codes::created, &it->second);
  hooks_.on_registered(it->second);
  std::vector<std::string> wanted;
  for (const std::string& p : config_.observe)
    if (has(it->second.objects, p)) wanted.push_back(p);
  if (config_.composite && !wanted.empty()) return observe(it->second, wanted);
  for (const std::string& p : wanted) observe(it->second, {p});
}

void Server::update(PeerId from, const Message& m, Registration& r) {
  if (const auto lt = query(m, "lt")) {
    const auto v = lifetime(*lt);
    if (!v) return respond(from, m, codes::bad_request);
    r.lifetime_s = *v;
  }
  if (const auto b = query(m, "b")) r.binding = std::string(*b);
  if (!m.payload.empty()) {
    const auto objects = link_paths(std::string_view(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()));
    if (!objects) return respond(from, m, codes::bad_request);
    r.objects = *objects;
  }
  if (r.peer != from) {  // the client's address changed (NAT rebinding): the registration follows it
    by_peer_.erase(r.peer);
    if (const auto here = by_peer_.find(from); here != by_peer_.end()) end(registrations_.find(here->second->location), Ended::replaced);
    by_peer_[from] = &r;
    r.peer = from;
  }
  r.expires_us = clock_.now_us() + TimeUs{r.lifetime_s} * 1'000'000;
  respond(from, m, codes::changed);
}

void Server::end(Registrations::iterator it, Ended why) {
  Registration r = std::move(it->second);
  registrations_.erase(it);
  by_peer_.erase(r.peer);
  by_endpoint_.erase(r.endpoint);
  std::erase_if(observations_, [&](const auto& o) { return o.second.location == r.location; });
  hooks_.on_deregistered(r, why);
}

void Server::observe(const Registration& r, const std::vector<std::string>& paths) {
  const auto token = static_cast<std::uint32_t>(rng_.next_u64());
  const std::uint8_t tok[4] = {static_cast<std::uint8_t>(token >> 24), static_cast<std::uint8_t>(token >> 16),
                               static_cast<std::uint8_t>(token >> 8), static_cast<std::uint8_t>(token)};
  const std::uint16_t id = next_id();
  Pending p;
  p.peer = r.peer;
  const bool composite = paths.size() > 1;
  coap::Writer w(p.bytes, Type::con, composite ? codes::fetch : codes::get, id, tok);
  w.uint_option(options::observe, 0);
  std::string path = paths.front();
  if (composite) {
    w.uint_option(options::content_format, coap::formats::senml_json);
    path.clear();
  } else {
    for (std::size_t at = 1; at < path.size();) {
      const std::size_t slash = std::min(path.find('/', at), path.size());
      w.option(options::uri_path, std::string_view(path).substr(at, slash - at));
      at = slash + 1;
    }
  }
  w.uint_option(options::accept, coap::formats::senml_json);
  if (composite) {  // the paths as a SenML pack of names (LwM2M 1.1 6.4.5)
    std::vector<senml::Record> names(paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) names[i].name = paths[i];
    w.payload(senml::encode_json(names));
  }
  p.token = token_value(tok);
  observations_[p.token] = Observation{r.location, path, false, 0, 0};
  p.timeout_us = static_cast<TimeUs>(std::llround(static_cast<double>(config_.ack_timeout_us) *
                                                  (1 + rng_.uniform() * (config_.ack_random_factor - 1))));
  p.timer = clock_.schedule(p.timeout_us, [this, id] { retransmit(id); });
  send(p.peer, p.bytes);
  pending_[id] = std::move(p);
}

void Server::retransmit(std::uint16_t id) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending& p = it->second;
  if (p.attempts == config_.max_retransmit) {
    hooks_.on_problem(p.peer, Problem::gave_up);
    observations_.erase(p.token);
    pending_.erase(it);
    return;
  }
  ++p.attempts;
  ++stats_.retransmissions;
  p.timeout_us *= 2;
  p.timer = clock_.schedule(p.timeout_us, [this, id] { retransmit(id); });
  send(p.peer, p.bytes);
}

void Server::on_response(PeerId from, const Message& m, std::size_t size) {
  if (m.type == Type::ack) {
    const auto p = pending_.find(m.id);
    if (p == pending_.end() || p->second.peer != from) return;  // a late ACK: already handled or given up
    clock_.cancel(p->second.timer);
    pending_.erase(p);
  }
  const auto o = observations_.find(token_value(m.token));
  const auto reject = [&] {
    if (m.type != Type::ack) {  // RFC 7641 3.5: a notification nobody asked for is rejected
      scratch_.clear();
      coap::encode_empty(Type::rst, m.id, scratch_);
      send(from, scratch_);
    }
    // An error notification for an observation already over (its registration ended) is no problem:
    // a client removing its resources tells its observers so.
    if (coap::code_class(m.code) == 2) hooks_.on_problem(from, Problem::unknown_exchange);
  };
  const auto r = o == observations_.end() ? registrations_.end() : registrations_.find(o->second.location);
  if (r == registrations_.end() || r->second.peer != from) return reject();
  if (m.type == Type::con) {
    scratch_.clear();
    coap::encode_empty(Type::ack, m.id, scratch_);
    send(from, scratch_);
    seen_[seen_key(from, m.id)].response = scratch_;
  }
  Observation& obs = o->second;
  const auto seq = m.uint_option(options::observe);
  if (m.code != codes::content) {
    observations_.erase(o);  // an error ends the observation (RFC 7641 3.2)
    hooks_.on_problem(from, Problem::bad_request);
    return;
  }
  const TimeUs now = clock_.now_us();
  if (seq) {
    if (obs.established && !newer(obs.last_seq, obs.last_us, *seq, now)) return;  // reordered: an older state
    obs.established = true;
    obs.last_seq = *seq;
    obs.last_us = now;
  }
  ++stats_.notifications;
  const std::string_view payload(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
  const auto format = m.uint_option(options::content_format).value_or(coap::formats::text);
  std::vector<senml::Record> records;
  if (format == coap::formats::senml_json) {
    std::string error;
    auto parsed = senml::parse_json(payload, error);
    if (!parsed) {
      hooks_.on_problem(from, Problem::bad_request);
      return;
    }
    records = std::move(*parsed);
  } else if (format == coap::formats::text && !obs.path.empty()) {  // a single resource's value as text
    senml::Record rec;
    rec.name = obs.path;
    const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), rec.number);
    if (ec != std::errc() || end != payload.data() + payload.size()) {
      hooks_.on_problem(from, Problem::bad_request);
      return;
    }
    rec.kind = senml::Kind::number;
    records.push_back(std::move(rec));
  } else {
    hooks_.on_problem(from, Problem::bad_request);
    return;
  }
  if (!seq) observations_.erase(o);  // the client answered without observing: one reading
  hooks_.on_values(r->second, records, size);
}

void Server::shutdown() {
  while (!registrations_.empty()) end(registrations_.begin(), Ended::shutdown);
  for (auto& [id, p] : pending_) clock_.cancel(p.timer);
  pending_.clear();
}

void Server::sweep() {
  const TimeUs now = clock_.now_us();
  while (!seen_order_.empty() && seen_order_.front().first <= now) {
    const auto it = seen_.find(seen_order_.front().second);
    if (it != seen_.end() && it->second.expires_us <= now) seen_.erase(it);
    seen_order_.pop_front();
  }
  for (auto it = registrations_.begin(); it != registrations_.end();) {
    const auto next = std::next(it);
    if (it->second.expires_us <= now) end(it, Ended::expired);
    it = next;
  }
}

}  // namespace twinbench::runtime::lwm2m
