#include "twinbench/runtime/Webhooks.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <stdexcept>

#include "twinbench/runtime/ota/Crypto.hpp"

namespace twinbench::runtime {

namespace {

constexpr std::size_t kLatenciesKept = 100'000;
constexpr std::size_t kRecordMax = 65'535;  // an UplinkLog record

bool retryable(int status) { return status == 0 || status == 408 || status == 429 || status >= 500 || status < 200; }

}  // namespace

struct Webhooks::Partner {
  Partner(WebhookPartner c, Storage* storage)
      : config(std::move(c)), log(UplinkLogConfig{config.queue_bytes_max, 0, "webhooks/" + config.name}, storage) {}
  WebhookPartner config;
  UplinkLog log;
  WebhookFigures figures;
  bool in_flight = false;
  std::uint32_t attempt = 0;  ///< failed attempts in a row
  TimerId retry_timer = 0;    ///< 0: none pending
  UplinkLog::Batch batch;     ///< the post in flight: one event
  TimeUs created_us = 0;      ///< its event's time (UTC)
};

Webhooks::Webhooks(std::string gateway, std::vector<WebhookPartner> partners, Clock& clock, HttpClient& http, Storage* storage, core::RngStream jitter,
                   TimeUs utc_at_start_us)
    : gateway_(std::move(gateway)), clock_(clock), http_(http), storage_(storage), jitter_(jitter), utc_at_start_us_(utc_at_start_us),
      alive_(std::make_shared<bool>(true)) {
  for (WebhookPartner& p : partners) {
    if (p.name.empty() || !std::all_of(p.name.begin(), p.name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
      throw std::invalid_argument("a webhook partner's name is letters, digits, '-' and '_', got '" + p.name + "'");
    partners_.push_back(std::make_unique<Partner>(std::move(p), storage_));
  }
}

Webhooks::~Webhooks() {
  *alive_ = false;  // answers that come later find no one
  for (const auto& p : partners_)
    if (p->retry_timer != 0) clock_.cancel(p->retry_timer);
}

void Webhooks::start() {
  for (const auto& p : partners_) {
    p->log.recover();
    emit(ev::WebhookRecovered{.partner = index_of(*p), .posts = static_cast<std::int64_t>(p->log.records())});
    p->log.start_ids_at(static_cast<std::uint64_t>(std::max<TimeUs>(0, utc_at_start_us_ + clock_.now_us())));  // in memory only
    send_next(*p);
  }
}

std::int64_t Webhooks::index_of(const Partner& p) const {
  for (std::size_t i = 0; i < partners_.size(); ++i)
    if (partners_[i].get() == &p) return static_cast<std::int64_t>(i);
  return -1;
}

bool Webhooks::wanted(std::string_view kind) const {
  return std::any_of(partners_.begin(), partners_.end(),
                     [&](const auto& p) { return std::find(p->config.kinds.begin(), p->config.kinds.end(), kind) != p->config.kinds.end(); });
}

const WebhookFigures& Webhooks::figures(std::size_t partner) const { return partners_.at(partner)->figures; }
std::uint64_t Webhooks::pending(std::size_t partner) const { return partners_.at(partner)->log.records(); }

std::string Webhooks::signature(std::span<const std::uint8_t> secret, TimeUs created_us, std::string_view body) {
  std::string signed_text = std::to_string(created_us);
  signed_text += '.';
  signed_text += body;
  const crypto::Sha256 mac = crypto::hmac_sha256(secret, signed_text);
  std::string out = "t=";
  out += std::to_string(created_us);
  out += ",v1=";
  out += crypto::hex(mac);
  return out;
}

void Webhooks::publish(std::string_view kind, const nlohmann::json& data) {
  const TimeUs created = utc_at_start_us_ + clock_.now_us();
  for (const auto& p : partners_) {
    if (std::find(p->config.kinds.begin(), p->config.kinds.end(), kind) == p->config.kinds.end()) continue;
    ++p->figures.queued;
    emit(ev::WebhookQueued{.partner = index_of(*p)});
    std::string id = gateway_;
    id += ':';
    id += p->config.name;
    id += ':';
    id += std::to_string(p->log.next_id());
    const std::string body = nlohmann::json{{"id", id}, {"kind", kind}, {"gateway", gateway_}, {"created_us", created}, {"data", data}}.dump();
    // The record: the event's time (8 bytes, little endian), then the body.
    std::vector<std::uint8_t> record(8);
    for (int i = 0; i < 8; ++i) record[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(created) >> (8 * i));
    record.insert(record.end(), body.begin(), body.end());
    if (record.size() > kRecordMax) {  // not a post any partner should get
      ++p->figures.dropped;
      emit(ev::WebhookDropped{.partner = index_of(*p), .posts = 1});
      continue;
    }
    p->log.append(0, record);
    p->log.commit();  // one event, one segment: sent and acknowledged alone
    if (const std::uint64_t dropped = p->log.take_dropped(); dropped > 0) {
      p->figures.dropped += dropped;
      emit(ev::WebhookDropped{.partner = index_of(*p), .posts = static_cast<std::int64_t>(dropped)});
    }
    send_next(*p);
  }
}

void Webhooks::send_next(Partner& p) {
  if (p.in_flight || p.retry_timer != 0) return;
  if (p.log.open_records() > 0 && p.log.commit() != StorageStatus::ok) return;  // a failed commit: tried again with the next event
  if (!p.log.next_batch(p.batch, 1)) return;
  HttpRequest req;
  req.url = p.config.url;
  for_each_uplink_record(p.batch.payload, [&](std::uint64_t, std::uint32_t, std::span<const std::uint8_t> rec) {
    if (!req.body.empty() || rec.size() < 8) return;
    std::uint64_t t = 0;
    for (int i = 7; i >= 0; --i) t = t << 8 | rec[static_cast<std::size_t>(i)];
    p.created_us = static_cast<TimeUs>(t);
    req.body.assign(reinterpret_cast<const char*>(rec.data()) + 8, rec.size() - 8);
  });
  const auto id = nlohmann::json::parse(req.body, nullptr, false);
  req.headers = {{"Idempotency-Key", id.is_object() && id.contains("id") ? id["id"].get<std::string>() : std::string()},
                 {"X-Twinbench-Signature", signature(p.config.secret, p.created_us, req.body)}};
  p.in_flight = true;
  ++p.figures.attempts;
  http_.post(req, [this, alive = alive_, &p](int status) {
    if (*alive) answered(p, status);
  });
}

void Webhooks::answered(Partner& p, int status) {
  p.in_flight = false;
  if (status >= 200 && status < 300) {
    p.log.delivered(p.batch.segments);
    ++p.figures.delivered;
    auto& l = p.figures.latency_us;
    if (l.size() == kLatenciesKept) l.erase(l.begin());
    l.push_back(utc_at_start_us_ + clock_.now_us() - p.created_us);
    emit(ev::WebhookDelivered{.partner = index_of(p), .latency_us = l.back(), .attempts = static_cast<std::int64_t>(p.attempt) + 1});
    p.attempt = 0;
    send_next(p);
    return;
  }
  ++p.figures.failed_attempts;
  emit(ev::WebhookFailed{.partner = index_of(p), .status = status});
  if (!retryable(status)) {  // the partner refuses it: sending it again cannot help
    p.log.delivered(p.batch.segments);
    ++p.figures.rejected;
    emit(ev::WebhookRejected{.partner = index_of(p), .status = status});
    p.attempt = 0;
    send_next(p);
    return;
  }
  p.log.undelivered(p.batch.segments);
  const TimeUs delay = p.config.retry.delay_us(p.attempt, jitter_);
  if (p.attempt < 255) ++p.attempt;
  p.retry_timer = clock_.schedule(delay, [this, &p] {
    p.retry_timer = 0;
    send_next(p);
  });
}

}  // namespace twinbench::runtime
