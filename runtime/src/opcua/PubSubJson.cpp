#include "twinbench/runtime/opcua/PubSubJson.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace twinbench::runtime::opcua {

namespace {

using json = nlohmann::ordered_json;  // fields keep their document order

/** Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Ctx {
  std::string& error;
  bool fail(const std::string& path, const std::string& what) {
    error = (path.empty() ? "/" : path) + ": " + what;
    return false;
  }
};

std::optional<std::uint32_t> status_code(const json& s) {
  // 1.04: a number; 1.05: {"Code": n, "Symbol": "..."} (Code absent = Good).
  if (s.is_number_unsigned()) return s.get<std::uint32_t>();
  if (s.is_object()) {
    const auto c = s.find("Code");
    if (c == s.end()) return 0u;
    if (c->is_number_unsigned()) return c->get<std::uint32_t>();
  }
  return std::nullopt;
}

/** A JSON number, or a Double's special values spelled as strings (OPC 10000-6 5.4.2.4). */
std::optional<double> number_of(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return HUGE_VAL;
    if (s == "-Infinity") return -HUGE_VAL;
  }
  return std::nullopt;
}

/** A Variant: {"UaType"/"Type": n, "Value"/"Body": v}; Int64 and UInt64 travel as strings. */
std::optional<double> variant_value(const json& v) {
  const auto type_it = v.contains("UaType") ? v.find("UaType") : v.find("Type");
  const auto value_it = v.contains("UaType") ? v.find("Value") : v.find("Body");
  if (type_it == v.end() || !type_it->is_number_unsigned()) return std::nullopt;
  if (value_it == v.end()) return std::nullopt;
  const auto type = type_it->get<unsigned>();
  if (type == 8 || type == 9) {  // Int64, UInt64
    if (value_it->is_string()) {
      try {
        return std::stod(value_it->get<std::string>());
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
    return number_of(*value_it);
  }
  if ((type >= 1 && type <= 7) || type == 10 || type == 11) return number_of(*value_it);
  return std::nullopt;  // strings, dates, structures: not readings
}

bool read_field(Ctx& ctx, const std::string& path, const std::string& name, const json& v, Field& f) {
  f.name = name;
  if (v.is_object() && (v.contains("UaType") || v.contains("Type"))) {
    f.value = variant_value(v);
    return true;
  }
  if (v.is_object()) {  // a DataValue
    if (auto s = v.find("StatusCode"); s != v.end()) {
      const auto code = status_code(*s);
      if (!code) return ctx.fail(path + "/StatusCode", "expected a StatusCode");
      f.status = *code;
    }
    if (auto t = v.find("SourceTimestamp"); t != v.end()) {
      const auto us = t->is_string() ? parse_datetime(t->get<std::string>()) : std::nullopt;
      if (!us) return ctx.fail(path + "/SourceTimestamp", "expected an ISO 8601 UTC time");
      f.source_us = us;
    }
    if (auto value = v.find("Value"); value != v.end())
      f.value = value->is_object() ? variant_value(*value) : number_of(*value);
    if (is_bad(f.status)) f.value.reset();
    return true;
  }
  f.value = number_of(v);  // RawData
  return true;
}

bool read_payload(Ctx& ctx, const std::string& path, const json& payload, DataSetMessage& m) {
  if (!payload.is_object()) return ctx.fail(path, "expected the DataSet's fields as a JSON object");
  for (const auto& [name, v] : payload.items()) {
    Field f;
    if (!read_field(ctx, path + "/" + name, name, v, f)) return false;
    m.fields.push_back(std::move(f));
  }
  return true;
}

bool read_dataset_message(Ctx& ctx, const std::string& path, const json& j, DataSetMessage& m) {
  if (!j.is_object()) return ctx.fail(path, "expected a DataSetMessage (a JSON object)");
  const bool has_header = j.contains("Payload") || j.contains("DataSetWriterId") || j.contains("SequenceNumber") ||
                          j.contains("MessageType") || j.contains("Timestamp");
  if (!has_header) return read_payload(ctx, path, j, m);  // DataSetMessageHeader off: the payload alone
  if (auto w = j.find("DataSetWriterId"); w != j.end()) {
    if (!w->is_number_unsigned() || w->get<std::uint64_t>() > 0xFFFF) return ctx.fail(path + "/DataSetWriterId", "expected a UInt16");
    m.writer_id = w->get<std::uint16_t>();
  }
  if (auto n = j.find("DataSetWriterName"); n != j.end() && n->is_string()) m.writer_name = n->get<std::string>();
  if (auto s = j.find("SequenceNumber"); s != j.end()) {
    if (!s->is_number_unsigned() || s->get<std::uint64_t>() > 0xFFFFFFFFull) return ctx.fail(path + "/SequenceNumber", "expected a UInt32");
    m.sequence_number = s->get<std::uint32_t>();
  }
  if (auto t = j.find("Timestamp"); t != j.end()) {
    const auto us = t->is_string() ? parse_datetime(t->get<std::string>()) : std::nullopt;
    if (!us) return ctx.fail(path + "/Timestamp", "expected an ISO 8601 UTC time such as \"2026-11-25T04:30:00.125Z\"");
    m.timestamp_us = us;
  }
  if (auto s = j.find("Status"); s != j.end()) {
    const auto code = status_code(*s);
    if (!code) return ctx.fail(path + "/Status", "expected a StatusCode");
    m.status = *code;
  }
  if (auto t = j.find("MessageType"); t != j.end()) {
    const std::string type = t->is_string() ? t->get<std::string>() : "";
    if (type == "ua-keyframe") m.kind = DataSetKind::key_frame;
    else if (type == "ua-deltaframe") m.kind = DataSetKind::delta_frame;
    else if (type == "ua-event") m.kind = DataSetKind::event;
    else if (type == "ua-keepalive") m.kind = DataSetKind::keep_alive;
    else if (type == "ua-condition") m.kind = DataSetKind::condition;
    else return ctx.fail(path + "/MessageType", "expected ua-keyframe, ua-deltaframe, ua-event, ua-keepalive or ua-condition");
  }
  const auto payload = j.find("Payload");
  if (payload == j.end()) {
    m.kind = DataSetKind::keep_alive;  // a DataSetMessage without a Payload is a keep-alive
    return true;
  }
  return read_payload(ctx, path + "/Payload", *payload, m);
}

bool read_messages(Ctx& ctx, const std::string& path, const json& j, NetworkMessage& n) {
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      DataSetMessage m;
      if (!read_dataset_message(ctx, path + "/" + std::to_string(i), j[i], m)) return false;
      n.messages.push_back(std::move(m));
    }
    return true;
  }
  DataSetMessage m;
  if (!read_dataset_message(ctx, path, j, m)) return false;
  n.messages.push_back(std::move(m));
  return true;
}

json field_json(const Field& f, FieldEncoding e) {
  const json number = f.value ? json(*f.value) : json(nullptr);
  switch (e) {
    case FieldEncoding::raw: return number;
    case FieldEncoding::variant: return {{"UaType", 11}, {"Value", number}};
    case FieldEncoding::data_value: {
      json dv = {{"Value", {{"UaType", 11}, {"Value", number}}}};
      if (f.status != 0) dv["StatusCode"] = {{"Code", f.status}};
      if (f.source_us) dv["SourceTimestamp"] = format_datetime(*f.source_us);
      return dv;
    }
  }
  return number;
}

}  // namespace

std::optional<std::int64_t> parse_datetime(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)
  auto digits = [&](std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!digits(0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't') || !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t i = 19;
  std::int64_t frac_us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::int64_t scale = 100000;
    const std::size_t start = i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      frac_us += (s[i] - '0') * scale;
      scale /= 10;
    }
    if (i == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_s = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (i != s.size()) return std::nullopt;
  const std::int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se - offset_s;
  return secs * 1'000'000 + frac_us;
}

std::string format_datetime(std::int64_t us) {
  std::int64_t secs = us / 1'000'000, frac = us % 1'000'000;
  if (frac < 0) frac += 1'000'000, --secs;
  std::int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) rem += 86400, --days;
  // civil_from_days (Howard Hinnant)
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y0 = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = y0 + (m <= 2);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(frac));
  return buf;
}

std::optional<NetworkMessage> parse(std::string_view text, std::string& error) {
  Ctx ctx{error};
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    ctx.fail("", "not JSON");
    return std::nullopt;
  }
  NetworkMessage n;
  if (j.is_object() && j.contains("Messages")) {
    const auto type = j.find("MessageType");
    if (type == j.end() || !type->is_string() || type->get<std::string>() != "ua-data") {
      ctx.fail("/MessageType", "expected \"ua-data\" (a NetworkMessage of DataSetMessages)");
      return std::nullopt;
    }
    if (auto id = j.find("MessageId"); id != j.end() && id->is_string()) n.message_id = id->get<std::string>();
    if (auto p = j.find("PublisherId"); p != j.end()) n.publisher_id = p->is_string() ? p->get<std::string>() : p->dump();
    if (auto g = j.find("WriterGroupName"); g != j.end() && g->is_string()) n.writer_group = g->get<std::string>();
    if (!read_messages(ctx, "/Messages", j["Messages"], n)) return std::nullopt;
    return n;
  }
  // NetworkMessageHeader off: one DataSetMessage, or an array of them.
  if (!read_messages(ctx, "", j, n)) return std::nullopt;
  return n;
}

std::string encode(const NetworkMessage& n, FieldEncoding e) {
  json msgs = json::array();
  for (const DataSetMessage& m : n.messages) {
    json jm;
    if (m.writer_id != 0) jm["DataSetWriterId"] = m.writer_id;
    if (m.sequence_number) jm["SequenceNumber"] = *m.sequence_number;
    if (m.timestamp_us) jm["Timestamp"] = format_datetime(*m.timestamp_us);
    static constexpr const char* kinds[] = {"ua-keyframe", "ua-deltaframe", "ua-event", "ua-keepalive", "ua-condition"};
    jm["MessageType"] = kinds[static_cast<int>(m.kind)];
    if (m.kind != DataSetKind::keep_alive) {
      json payload = json::object();
      for (const Field& f : m.fields) payload[f.name] = field_json(f, e);
      jm["Payload"] = std::move(payload);
    }
    msgs.push_back(std::move(jm));
  }
  json out = {{"MessageId", n.message_id}, {"MessageType", "ua-data"}};
  if (!n.publisher_id.empty()) out["PublisherId"] = n.publisher_id;
  if (!n.writer_group.empty()) out["WriterGroupName"] = n.writer_group;
  out["Messages"] = std::move(msgs);
  return out.dump();
}

}  // namespace twinbench::runtime::opcua
