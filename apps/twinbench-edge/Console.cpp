#include "Console.hpp"

#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include "ConsoleAssets.hpp"
#include "twinbench/runtime/Rules.hpp"
#include "twinbench/runtime/TwinService.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "twinbench/twins/dtdl/TwinRegistry.hpp"

namespace twinbench::edge {

using nlohmann::json;
using runtime::AlertBook;
using runtime::AlertEntry;

const char* to_string(ConsoleRole r) {
  switch (r) {
    case ConsoleRole::technician: return "technician";
    case ConsoleRole::operator_: return "operator";
    case ConsoleRole::manager: return "manager";
  }
  return "?";
}

namespace {

constexpr const char* kCsrfHeader = "x-requested-with";
constexpr const char* kCsrfValue = "twinbench-console";
constexpr const char* kCookie = "tb_session";

std::string hex_token() {
  std::uint8_t bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) throw std::runtime_error("no random bytes for a session");
  static const char* digits = "0123456789abcdef";
  std::string t;
  for (std::uint8_t b : bytes) t += digits[b >> 4], t += digits[b & 15];
  return t;
}

hil::HttpOut json_out(int status, const json& body) { return {status, "application/json", body.dump()}; }
hil::HttpOut error_out(int status, const std::string& what) { return json_out(status, {{"error", what}}); }

json roles_of(std::uint8_t mask) {
  json r = json::array();
  if (mask & runtime::role_technician) r.push_back("technician");
  if (mask & runtime::role_operator) r.push_back("operator");
  if (mask & runtime::role_executive) r.push_back("executive");
  return r;
}

json alert_json(const AlertEntry& e) {
  return {{"id", e.id},
          {"revision", e.revision},
          {"raised_us", e.raised_us},
          {"device", e.device},
          {"rule", e.rule},
          {"severity", runtime::to_string(e.severity)},
          {"roles", roles_of(e.roles)},
          {"score", e.score},
          {"active", e.active()},
          {"cleared_us", e.cleared_us ? json(*e.cleared_us) : json(nullptr)},
          {"acked_us", e.acked_us ? json(*e.acked_us) : json(nullptr)},
          {"acked_by", e.acked_us ? json(e.acked_by) : json(nullptr)},
          {"outcome", e.resolved_us ? json(runtime::to_string(e.outcome)) : json(nullptr)},
          {"resolved_us", e.resolved_us ? json(*e.resolved_us) : json(nullptr)},
          {"resolved_by", e.resolved_us ? json(e.resolved_by) : json(nullptr)}};
}

/** The alerts a role sees: a technician those routed to technicians; operators and managers every one. */
bool sees(ConsoleRole role, const AlertEntry& e) { return role != ConsoleRole::technician || (e.roles & runtime::role_technician); }

const char* change_name(AlertBook::Change c) {
  switch (c) {
    case AlertBook::Change::raised: return "raised";
    case AlertBook::Change::cleared: return "cleared";
    case AlertBook::Change::acknowledged: return "acknowledged";
    case AlertBook::Change::resolved: return "resolved";
  }
  return "?";
}

}  // namespace

ConsoleConfig read_console(const std::string& file, const core::JsonObject& c, const runtime::mqtt::PasswordFile& passwords,
                           const std::function<std::string(const std::string&)>& relative) {
  c.allow({"listen", "tls", "users", "session_minutes", "rules_dir", "economics"});
  ConsoleConfig cc;
  if (auto l = c.optional_object("listen")) {
    l->allow({"host", "port"});
    cc.host = l->string_or("host", cc.host);
    cc.port = static_cast<std::uint16_t>(l->integer_or("port", 0, 65535, cc.port));
  }
  const core::JsonObject tls = c.object("tls");
  tls.allow({"cert_file", "key_file"});
  cc.tls.cert_file = relative(tls.string("cert_file"));
  cc.tls.key_file = relative(tls.string("key_file"));
  struct stat st {};
  if (::stat(cc.tls.key_file.c_str(), &st) != 0) tls.fail("key_file", "cannot read " + cc.tls.key_file);
  if (st.st_mode & (S_IRWXG | S_IRWXO)) tls.fail("key_file", cc.tls.key_file + " is open to others: expected a file only its owner can read (chmod 600)");
  const core::JsonObject users = c.object("users");
  for (const auto& [name, role] : users.raw().items()) {
    const std::string r = role.is_string() ? role.get<std::string>() : "";
    if (r == "technician") cc.users[name] = ConsoleRole::technician;
    else if (r == "operator") cc.users[name] = ConsoleRole::operator_;
    else if (r == "manager") cc.users[name] = ConsoleRole::manager;
    else users.fail(name, "expected a role: \"technician\", \"operator\" or \"manager\", got " + core::JsonObject::show(role));
    if (passwords.hashes.find(name) == passwords.hashes.end())
      users.fail(name, "'" + name + "' has no password in auth.password_file (twinbench-edge passwd <file> " + name + ")");
  }
  if (cc.users.empty()) c.fail("users", "expected at least one user, as {\"name\": \"technician\" | \"operator\" | \"manager\"}");
  cc.session_us = static_cast<std::int64_t>(c.integer_or("session_minutes", 1, 7 * 24 * 60, 480)) * 60'000'000;
  cc.rules_dir = relative(c.string("rules_dir"));
  if (auto e = c.optional_object("economics")) cc.economics = core::read_economics(*e);
  (void)file;
  return cc;
}

Console::Console(ConsoleConfig config, runtime::EdgeRuntime& rt, runtime::Clock& clock, runtime::PasswordCheck& passwords,
                 runtime::mqtt::PasswordFile hashes, runtime::AuditTrail* audit, Health health)
    : config_(std::move(config)), rt_(rt), clock_(clock), passwords_(passwords), hashes_(std::move(hashes)), audit_(audit), health_(std::move(health)) {
  rt_.alert_book().on_change([this](const AlertEntry& e, AlertBook::Change c) { push(e, c); });
  if (const runtime::TwinService* t = rt_.twins(); t && t->models())
    for (const twins::dtdl::Content* p : t->models()->all_contents(t->interface_id())) {
      if (p->kind == twins::dtdl::ContentKind::property) twin_properties_.push_back({"", p});
      if (p->kind == twins::dtdl::ContentKind::component)  // a Component's properties, as "component/name"
        for (const twins::dtdl::Content* q : t->models()->all_contents(p->component_interface))
          if (q->kind == twins::dtdl::ContentKind::property) twin_properties_.push_back({p->name, q});
    }
}

std::int64_t Console::utc_now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Console::start() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config_.rules_dir, ec);
  if (ec) throw std::runtime_error("cannot make the console's rules_dir " + config_.rules_dir + ": " + ec.message());
  static const std::regex name(R"(v([0-9]{1,9})\.json)");
  for (const auto& f : fs::directory_iterator(config_.rules_dir)) {
    std::smatch m;
    const std::string leaf = f.path().filename().string();
    if (!std::regex_match(leaf, m, name)) continue;
    std::ifstream in(f.path());
    const json v = json::parse(in, nullptr, false);
    if (!v.is_object() || !v.contains("document") || !v.contains("version") || v["version"] != std::stoull(m[1].str()))
      throw std::runtime_error(f.path().string() + ": not a rules version written by the console");
    versions_.push_back({v["version"].get<std::uint64_t>(), v.value("by", ""), v.value("at_us", std::int64_t{0}), v["document"]});
  }
  std::sort(versions_.begin(), versions_.end(), [](const Version& a, const Version& b) { return a.version < b.version; });
  if (versions_.empty()) {
    versions_.push_back({1, "edge.json", utc_now(), config_.initial_rules});
    std::ofstream(fs::path(config_.rules_dir) / "v1.json") << json{{"version", 1}, {"by", "edge.json"}, {"at_us", versions_[0].at_us}, {"document", config_.initial_rules}}.dump(2) << '\n';
  } else if (versions_.back().version > 1) {  // people changed them: the newest is in force again
    rt_.apply_rules(versions_.back().document, config_.rules_dir + "/v" + std::to_string(versions_.back().version) + ".json", versions_.back().by);
  }
  tick();
}

void Console::tick() {
  // Operators' pages get the gateway's health and its devices' last records pushed every 2 s while open.
  timer_ = clock_.schedule(2'000'000, [this] { tick(); });
  bool any = false;
  for (const Stream& st : streams_)
    if (auto p = st.stream.lock(); p && p->open() && st.role == ConsoleRole::operator_) any = true;
  if (!any) return;
  json h = health_ ? health_() : json::object();
  h["alerts_active"] = summary()["alerts"]["active"];
  const std::string health = h.dump(), devs = json{{"devices", devices()}}.dump();
  for (const Stream& st : streams_)
    if (auto p = st.stream.lock(); p && p->open() && st.role == ConsoleRole::operator_) p->send("health", health), p->send("devices", devs);
}

Console::~Console() {
  if (timer_ != 0) clock_.cancel(timer_);
}

void Console::record(const std::string& actor, const std::string& action, const json& details) {
  if (audit_) audit_->record(clock_.now_us(), actor, action, details.dump());
}

const Console::Session* Console::session_of(const hil::HttpIn& in) {
  const std::string cookies = in.header("cookie");
  const std::string key = std::string(kCookie) + "=";
  std::size_t at = 0;
  while ((at = cookies.find(key, at)) != std::string::npos) {
    if (at == 0 || cookies[at - 1] == ' ' || cookies[at - 1] == ';') {
      const std::size_t end = cookies.find(';', at);
      const std::string token = cookies.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
      const auto it = sessions_.find(token);
      if (it == sessions_.end()) return nullptr;
      if (it->second.expires_us <= clock_.now_us()) {
        sessions_.erase(it);
        return nullptr;
      }
      return &it->second;
    }
    at += key.size();
  }
  return nullptr;
}

void Console::refuse(const Session& s, const std::string& action, hil::HttpReply& reply) {
  record("console/" + s.user, "console_refused", {{"user", s.user}, {"role", to_string(s.role)}, {"action", action}});
  reply.respond(error_out(403, std::string("a ") + to_string(s.role) + " may not " + action));
}

void Console::login(const hil::HttpIn& in, hil::HttpReply reply) {
  const json body = json::parse(in.body, nullptr, false);
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() || !body.contains("password") || !body["password"].is_string())
    return reply.respond(error_out(400, "expected {\"user\": ..., \"password\": ...}"));
  const std::string user = body["user"].get<std::string>();
  const auto role = config_.users.find(user);
  const auto hash = hashes_.hashes.find(user);
  // An unknown user costs the same check (against another user's hash, at the file's cost; refused whatever
  // it says), so the time taken tells nothing of which users exist.
  const bool known = role != config_.users.end() && hash != hashes_.hashes.end();
  const std::string& against = known ? hash->second : hashes_.hashes.begin()->second;
  passwords_.check(body["password"].get<std::string>(), against, [this, user, known, reply](runtime::PasswordVerdict v) {
    if (v == runtime::PasswordVerdict::busy) return reply.respond(error_out(503, "busy: try again in a moment"));
    if (v != runtime::PasswordVerdict::match || !known) {
      record("console/" + user, "console_login_refused", {{"user", user}});
      return reply.respond(error_out(401, "wrong user or password"));
    }
    const ConsoleRole r = config_.users.at(user);
    const std::string token = hex_token();
    sessions_[token] = {user, r, clock_.now_us() + config_.session_us};
    record("console/" + user, "console_login", {{"user", user}, {"role", to_string(r)}});
    hil::HttpOut out = json_out(200, {{"user", user}, {"role", to_string(r)}});
    out.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
                                               std::to_string(config_.session_us / 1'000'000));
    reply.respond(std::move(out));
  });
}

json Console::alerts_for(ConsoleRole role) const {
  json list = json::array();
  for (const AlertEntry& e : rt_.alert_book().list())
    if (sees(role, e)) list.push_back(alert_json(e));
  return list;
}

json Console::summary() const {
  json by = json::object();
  for (int s = runtime::kSeverities - 1; s >= 0; --s) by[runtime::to_string(static_cast<runtime::Severity>(s))] = {{"total", 0}, {"active", 0}};
  std::uint64_t total = 0, active = 0, acked = 0, faults = 0, false_alarms = 0;
  for (const AlertEntry& e : rt_.alert_book().list(0xFF, SIZE_MAX)) {
    json& b = by[runtime::to_string(e.severity)];
    b["total"] = b["total"].get<std::uint64_t>() + 1;
    if (e.active()) b["active"] = b["active"].get<std::uint64_t>() + 1;
    ++total, active += e.active(), acked += e.acked_us.has_value();
    faults += e.outcome == runtime::AlertOutcome::fault, false_alarms += e.outcome == runtime::AlertOutcome::false_alarm;
  }
  // The money so far, by the bench's own business case: each fault a technician confirmed was repaired on
  // plan instead of failing; each false alarm cost a truck roll; the edge AI's price runs since the start.
  // What the gateway cannot know stays out: faults it never alerted on, and energy nobody metered (null).
  json economics = {{"enabled", false}};
  if (config_.economics) {
    core::BusinessCaseInput in;
    in.detected = static_cast<double>(faults);
    in.false_alerts = static_cast<double>(false_alarms);
    in.devices = in.fleet_devices = static_cast<double>(rt_.broker().sessions());
    in.duration_s = static_cast<double>(clock_.now_us()) * 1e-6;
    economics = core::business_case(*config_.economics, in);
  }
  return {{"alerts", {{"total", total}, {"active", active}, {"acknowledged", acked}, {"faults_confirmed", faults}, {"false_alarms", false_alarms},
                      {"by_severity", by}}},
          {"economics", economics}};
}

json Console::devices() const {
  // Each record channel's name: the model's channel it feeds (DetectorConfig::positions), else its index.
  const auto names = [](const runtime::DetectorConfig* d, std::size_t channels) {
    std::vector<std::string> n(channels);
    for (std::size_t i = 0; i < channels; ++i) n[i] = "channel " + std::to_string(i);
    if (d)
      for (std::size_t k = 0; k < d->positions.size() && k < d->stream_names.size(); ++k)
        if (d->positions[k] < channels) n[d->positions[k]] = d->stream_names[k];
    return n;
  };
  std::map<runtime::ConnId, std::uint64_t> active;
  for (const AlertEntry& e : rt_.alert_book().list(0xFF, SIZE_MAX)) active[e.conn] += e.active();
  json list = json::array();
  for (runtime::ConnId c = 0; c < rt_.last_record_slots(); ++c) {
    const auto* last = rt_.last_record(c);
    if (!last) continue;
    const runtime::AnomalyDetector* d = last->other ? rt_.class_detector(*last->other) : rt_.detector();
    const auto n = names(d ? &d->config() : nullptr, last->values.size());
    json values = json::object();
    for (std::size_t i = 0; i < last->values.size(); ++i) values[n[i]] = std::isfinite(last->values[i]) ? json(last->values[i]) : json(nullptr);
    // Its twin, following the DTDL Interface: every property, reported and desired (with their versions).
    json properties = json::array();
    if (const runtime::TwinService* t = rt_.twins())
      if (const twins::dtdl::Twin* twin = t->twin(c))
        for (const auto& [component, p] : twin_properties_) {
          const auto r = twin->reported(component, p->name), d = twin->desired(component, p->name);
          properties.push_back({{"name", component.empty() ? p->name : component + "/" + p->name}, {"writable", p->writable}, {"reported", r ? r->first : json(nullptr)},
                                {"desired", d ? d->first : json(nullptr)}, {"pending", d && (!r || r->first != d->first)}});
        }
    list.push_back({{"device", std::string(rt_.broker().client_id(c))},
                    {"properties", properties},
                    {"connected", rt_.broker().connected(c)},
                    {"asset_class", d ? json(d->config().asset_class) : json(nullptr)},
                    {"last_t_us", last->device_t_us},
                    {"last_at_us", last->at_utc_us},
                    {"telemetry", values},
                    {"alerts_active", active[c]}});
  }
  return list;
}

json Console::rules_view() const {
  json versions = json::array();
  for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) versions.push_back({{"version", it->version}, {"by", it->by}, {"at_us", it->at_us}});
  const Version& v = versions_.back();
  return {{"version", v.version}, {"by", v.by}, {"at_us", v.at_us}, {"document", v.document}, {"versions", versions}};
}

void Console::save_rules(const Session& s, const json& document, const std::string& note, hil::HttpReply& reply) {
  try {
    runtime::parse_rules(document, "the rules");  // the same checks as a rules file; nothing is kept or applied if they fail
  } catch (const std::exception& e) {
    record("console/" + s.user, "rules_refused", {{"user", s.user}, {"reason", e.what()}});
    return reply.respond(error_out(400, e.what()));
  }
  Version v{versions_.back().version + 1, s.user, utc_now(), document};
  const std::filesystem::path dir(config_.rules_dir);
  std::string leaf = "v";
  leaf += std::to_string(v.version);
  const std::filesystem::path file = dir / (leaf + ".json"), tmp = dir / ("." + leaf + ".tmp");
  {
    std::ofstream out(tmp);
    out << json{{"version", v.version}, {"by", v.by}, {"at_us", v.at_us}, {"note", note}, {"document", document}}.dump(2) << '\n';
    if (!out.flush()) return reply.respond(error_out(500, "cannot keep the new version in " + config_.rules_dir + ": nothing changed"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return reply.respond(error_out(500, "cannot keep the new version in " + config_.rules_dir + ": " + ec.message() + ": nothing changed"));
  rt_.apply_rules(document, file.string(), s.user);
  versions_.push_back(std::move(v));
  const json view = rules_view();
  for (auto& st : streams_)
    if (auto p = st.stream.lock(); p && st.role == ConsoleRole::operator_) p->send("rules", json{{"version", versions_.back().version}, {"by", s.user}}.dump());
  reply.respond(json_out(200, view));
}

void Console::push(const AlertEntry& e, AlertBook::Change change) {
  const std::string data = json{{"change", change_name(change)}, {"alert", alert_json(e)}}.dump();
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                [&](Stream& s) {
                                  auto p = s.stream.lock();
                                  if (!p || !p->open()) return true;
                                  if (sees(s.role, e)) p->send("alert", data);
                                  return false;
                                }),
                 streams_.end());
}

void Console::handle(const hil::HttpIn& in, hil::HttpReply reply) {
  const std::string path = in.target.substr(0, in.target.find('?'));
  const bool get = in.method == "GET";
  if (get && (path == "/" || path == "/index.html")) return reply.respond({200, "text/html; charset=utf-8", kConsoleHtml});
  if (get && path == "/app.js") return reply.respond({200, "text/javascript; charset=utf-8", kConsoleJs});
  if (get && path == "/app.css") return reply.respond({200, "text/css; charset=utf-8", kConsoleCss});
  if (get && path == "/favicon.ico") return reply.respond({204, "image/x-icon", ""});
  if (!path.starts_with("/api/")) return reply.respond(error_out(404, "no such page"));
  if (!get && in.header(kCsrfHeader) != kCsrfValue) {  // a form or script of another site cannot set it
    record("console", "console_refused", {{"action", in.method + " " + path}, {"reason", "without the console's X-Requested-With header"}});
    return reply.respond(error_out(403, "requests that change something need the header X-Requested-With: twinbench-console"));
  }
  if (path == "/api/login" && in.method == "POST") return login(in, std::move(reply));
  const Session* found = session_of(in);
  if (!found && path == "/api/me" && get) return reply.respond(json_out(200, {{"user", nullptr}, {"gateway", rt_.name()}}));  // the page asks before logging in
  if (!found) return reply.respond(error_out(401, "log in first"));
  const Session s = *found;
  const bool tech = s.role == ConsoleRole::technician, op = s.role == ConsoleRole::operator_, mgr = s.role == ConsoleRole::manager;
  const json body = in.body.empty() ? json::object() : json::parse(in.body, nullptr, false);
  if (body.is_discarded()) return reply.respond(error_out(400, "the body is not JSON"));

  if (path == "/api/me" && get) return reply.respond(json_out(200, {{"user", s.user}, {"role", to_string(s.role)}, {"gateway", rt_.name()}}));
  if (path == "/api/logout" && in.method == "POST") {
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = it->second.user == s.user && it->second.expires_us == s.expires_us ? sessions_.erase(it) : std::next(it);
    hil::HttpOut out = json_out(200, {{"user", s.user}});
    out.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    return reply.respond(std::move(out));
  }
  if (path == "/api/alerts" && get) return reply.respond(json_out(200, {{"alerts", alerts_for(s.role)}}));
  if (path == "/api/events" && get) {
    auto stream = reply.stream();
    if (!stream) return;
    stream->send("hello", json{{"user", s.user}, {"role", to_string(s.role)}}.dump());
    streams_.push_back({stream, s.role});
    return;
  }
  static const std::regex ack(R"(/api/alerts/([0-9]{1,18})/ack)");
  if (std::smatch m; std::regex_match(path, m, ack) && in.method == "POST") {
    if (mgr) return refuse(s, "acknowledge alerts", reply);
    const std::uint64_t id = std::stoull(m[1].str());
    const AlertEntry* e = rt_.alert_book().find(id);
    if (!e || !sees(s.role, *e)) return reply.respond(error_out(404, "no alert " + m[1].str() + " for a " + to_string(s.role)));
    switch (rt_.acknowledge_alert(id, s.user)) {
      case AlertBook::Ack::done: return reply.respond(json_out(200, alert_json(*rt_.alert_book().find(id))));
      case AlertBook::Ack::already: return reply.respond(error_out(409, "alert " + m[1].str() + " was acknowledged by " + e->acked_by));
      case AlertBook::Ack::unknown: return reply.respond(error_out(404, "no alert " + m[1].str()));
    }
  }
  static const std::regex resolve(R"(/api/alerts/([0-9]{1,18})/resolve)");
  if (std::smatch m; std::regex_match(path, m, resolve) && in.method == "POST") {
    if (mgr) return refuse(s, "resolve alerts", reply);
    const std::string outcome = body.value("outcome", "");
    if (outcome != "fault" && outcome != "false_alarm") return reply.respond(error_out(400, "expected {\"outcome\": \"fault\" | \"false_alarm\"}"));
    const std::uint64_t id = std::stoull(m[1].str());
    const AlertEntry* e = rt_.alert_book().find(id);
    if (!e || !sees(s.role, *e)) return reply.respond(error_out(404, "no alert " + m[1].str() + " for a " + to_string(s.role)));
    switch (rt_.resolve_alert(id, outcome == "fault" ? runtime::AlertOutcome::fault : runtime::AlertOutcome::false_alarm, s.user)) {
      case AlertBook::Ack::done: return reply.respond(json_out(200, alert_json(*rt_.alert_book().find(id))));
      case AlertBook::Ack::already: return reply.respond(error_out(409, "alert " + m[1].str() + " was resolved by " + e->resolved_by));
      case AlertBook::Ack::unknown: return reply.respond(error_out(404, "no alert " + m[1].str()));
    }
  }
  if (path == "/api/summary" && get) {
    if (tech) return refuse(s, "see the plant's summary", reply);
    return reply.respond(json_out(200, summary()));
  }
  if (path == "/api/health" && get) {
    if (!op) return refuse(s, "see the gateway's health", reply);
    json h = health_ ? health_() : json::object();
    h["alerts_active"] = summary()["alerts"]["active"];
    return reply.respond(json_out(200, h));
  }
  if (path == "/api/devices" && get) {
    if (!op) return refuse(s, "see the devices", reply);
    return reply.respond(json_out(200, {{"devices", devices()}}));
  }
  if (path.starts_with("/api/rules")) {
    const std::string action = get ? "see the alert rules" : "change the alert rules";
    if (!op) return refuse(s, action, reply);
    if (path == "/api/rules" && get) return reply.respond(json_out(200, rules_view()));
    if (path == "/api/rules/preview" && in.method == "POST") {
      const double hours = body.value("hours", 24.0);
      if (!(hours > 0 && hours <= 24 * 30)) return reply.respond(error_out(400, "expected \"hours\" in (0, 720]"));
      try {
        const auto p = rt_.preview_rules(body.value("document", json::object()), utc_now() - static_cast<std::int64_t>(hours * 3.6e9));
        return reply.respond(json_out(200, {{"alerts", p.alerts}, {"hours", hours}, {"scores_since_us", p.scores_since_us ? json(*p.scores_since_us) : json(nullptr)}}));
      } catch (const std::exception& e) {
        return reply.respond(error_out(400, e.what()));
      }
    }
    if (path == "/api/rules" && in.method == "PUT") {
      if (!body.contains("base_version") || body["base_version"] != versions_.back().version)
        return reply.respond(error_out(409, "the rules changed since you loaded them (version " + std::to_string(versions_.back().version) + " by " +
                                                versions_.back().by + "): reload them"));
      return save_rules(s, body.value("document", json::object()), body.value("note", ""), reply);
    }
    if (path == "/api/rules/restore" && in.method == "POST") {
      const std::uint64_t want = body.value("version", std::uint64_t{0});
      const auto v = std::find_if(versions_.begin(), versions_.end(), [&](const Version& x) { return x.version == want; });
      if (v == versions_.end()) return reply.respond(error_out(404, "no rules version " + std::to_string(want)));
      const json document = v->document;
      return save_rules(s, document, "restored version " + std::to_string(want), reply);
    }
  }
  reply.respond(error_out(404, "no such request: " + in.method + " " + path));
}

}  // namespace twinbench::edge
