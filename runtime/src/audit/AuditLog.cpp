#include "twinbench/runtime/audit/AuditLog.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "twinbench/runtime/ota/Crypto.hpp"

namespace twinbench::runtime::audit {

const std::string kGenesis(64, '0');

namespace {

using json = nlohmann::json;                  // std::map: object keys come out sorted (the canonical details)
using ordered = nlohmann::ordered_json;       // the line keeps our field order

std::string canonical(std::uint64_t seq, TimeUs t_us, const std::string& actor, const std::string& action, const json& details,
                      const std::string& prev) {
  return json::array({seq, t_us, actor, action, details, prev}).dump();
}

std::string sha256_hex(std::string_view bytes) { return crypto::hex(crypto::sha256(bytes)); }

}  // namespace

std::string Chain::append(TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) {
  const json details = json::parse(details_json, nullptr, false);
  if (!details.is_object()) throw std::invalid_argument("audit details must be a JSON object, got: " + std::string(details_json));
  const std::string hash = sha256_hex(canonical(next_seq_, t_us, std::string(actor), std::string(action), details, head_));
  ordered line;
  line["seq"] = next_seq_;
  line["t_us"] = t_us;
  line["actor"] = actor;
  line["action"] = action;
  line["details"] = details;
  line["prev"] = head_;
  line["hash"] = hash;
  ++next_seq_;
  head_ = hash;
  return line.dump();
}

Verdict verify(std::string_view log, std::string_view expect_head, std::optional<std::uint64_t> expect_at) {
  Verdict v;
  std::size_t line_no = 0;
  const auto bad = [&](const std::string& why) {
    v.ok = false;
    v.line = line_no;
    v.reason = why;
    return v;
  };
  for (std::size_t at = 0; at < log.size();) {
    const std::size_t end = std::min(log.find('\n', at), log.size());
    const std::string_view text = log.substr(at, end - at);
    at = end + 1;
    ++line_no;
    if (text.empty()) {
      if (at >= log.size()) break;  // the newline after the last record
      return bad("an empty line (a record was removed without its line break)");
    }
    const json r = json::parse(text, nullptr, false);
    const std::string record = "record " + std::to_string(v.records);
    if (!r.is_object()) return bad(record + ": not a JSON object");
    const auto field = [&](const char* key, auto is) { return r.contains(key) && (r[key].*is)(); };
    if (!field("seq", &json::is_number_unsigned) || !field("t_us", &json::is_number_integer) || !field("actor", &json::is_string) ||
        !field("action", &json::is_string) || !field("details", &json::is_object) || !field("prev", &json::is_string) ||
        !field("hash", &json::is_string) || r.size() != 7)
      return bad(record + ": malformed: expected exactly seq, t_us, actor, action, details (an object), prev and hash");
    const auto seq = r["seq"].get<std::uint64_t>();
    const std::string prev = r["prev"].get<std::string>(), hash = r["hash"].get<std::string>();
    if (sha256_hex(canonical(seq, r["t_us"].get<TimeUs>(), r["actor"].get<std::string>(), r["action"].get<std::string>(), r["details"], prev)) != hash)
      return bad(record + ": modified: its content does not match its hash");
    if (seq != v.records)
      return bad(record + ": out of sequence: seq " + std::to_string(seq) + " where seq " + std::to_string(v.records) +
                 " was due (records were dropped, repeated or reordered)");
    if (prev != v.head) {  // this record is intact, the one before it is not the one it was chained to
      --line_no;
      return bad("record " + std::to_string(v.records - 1) + ": replaced: the record after it was chained to another one");
    }
    ++v.records;
    v.head = hash;
    if (expect_at && v.records == *expect_at && !expect_head.empty() && v.head != expect_head)
      return bad(record + ": not the head kept elsewhere: after " + std::to_string(*expect_at) + " records the log has " + v.head + ", not " +
                 std::string(expect_head) + " (the log was rewritten)");
  }
  line_no = 0;
  if (expect_at) {
    if (v.records < *expect_at)
      return bad("the log holds " + std::to_string(v.records) + " records, fewer than the " + std::to_string(*expect_at) +
                 " whose head was kept elsewhere (records were cut off the end)");
    if (*expect_at == 0 && !expect_head.empty() && expect_head != kGenesis) return bad("the head of 0 records is the genesis hash");
    return v;
  }
  if (!expect_head.empty() && v.head != expect_head)
    return bad("the log ends at head " + v.head + ", not at the expected " + std::string(expect_head) + " (records were cut off the end)");
  return v;
}

}  // namespace twinbench::runtime::audit
