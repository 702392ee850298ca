#include "twinbench/runtime/lwm2m/SenML.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace twinbench::runtime::senml {

namespace {

using json = nlohmann::json;

bool name_ok(std::string_view n) {
  if (n.empty()) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(n[0]) && n[0] != '/') return false;
  for (char c : n)
    if (!alnum(c) && c != '-' && c != ':' && c != '.' && c != '/' && c != '_') return false;
  return true;
}

struct Base {
  std::string name, unit;
  double time = 0, value = 0, sum = 0;
};

/** The labels of RFC 8428 4.2. */
enum class Label : std::uint8_t { unknown, must_understand, bn, bt, bu, bv, bs, bver, n, u, v, vs, vb, vd, s, t, ut };

Label label_of(std::string_view k) {
  // Dispatched on length and first letter: this runs for every field of every message.
  if (k.size() == 1) {
    switch (k[0]) {
      case 'n': return Label::n;
      case 'u': return Label::u;
      case 'v': return Label::v;
      case 's': return Label::s;
      case 't': return Label::t;
      default: break;
    }
  } else if (k.size() == 2 && k[0] == 'b') {
    switch (k[1]) {
      case 'n': return Label::bn;
      case 't': return Label::bt;
      case 'u': return Label::bu;
      case 'v': return Label::bv;
      case 's': return Label::bs;
      default: break;
    }
  } else if (k.size() == 2 && k[0] == 'v') {
    if (k[1] == 's') return Label::vs;
    if (k[1] == 'b') return Label::vb;
    if (k[1] == 'd') return Label::vd;
  } else if (k == "ut") {
    return Label::ut;
  } else if (k == "bver") {
    return Label::bver;
  }
  return !k.empty() && k.back() == '_' ? Label::must_understand : Label::unknown;
}

/**
 * A SAX handler for nlohmann's parser: the pack is resolved as it streams by, without building a DOM
 * (a message's records cost no allocation beyond their strings). Depth 0 is the pack, 1 a record, 2 a
 * field's value; values of unknown fields may nest deeper and are skipped. After the first error the
 * reader only lets the parser finish, so that a document that is not JSON at all says so.
 */
class PackReader {
public:
  explicit PackReader(std::string& error) : error_(error) {}
  std::vector<Record> records;

  bool null() { return failed_ || scalar(Kind::none); }
  bool boolean(bool b) {
    boolean_ = b;
    return failed_ || scalar(Kind::boolean);
  }
  bool number_integer(std::int64_t i) { return failed_ || number(static_cast<double>(i)); }
  bool number_unsigned(std::uint64_t u) { return failed_ || number(static_cast<double>(u)); }
  bool number_float(double d, const std::string&) { return failed_ || number(d); }
  bool string(std::string& str) {
    text_ = std::move(str);
    return failed_ || scalar(Kind::text);
  }
  bool binary(nlohmann::json::binary_t&) { return failed_ || scalar(Kind::data); }
  bool start_object(std::size_t) { return failed_ || open(true); }
  bool start_array(std::size_t) { return failed_ || open(false); }
  bool end_object() { return failed_ || close(); }
  bool end_array() { return failed_ || close(); }
  bool key(std::string& k) {
    if (failed_ || depth_ > 2) return true;  // inside an unknown field's value
    key_ = std::move(k);
    label_ = label_of(key_);
    if (label_ == Label::must_understand) return fail(key_, "a must-understand field this reader does not know");
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    error_ = "/: not JSON";
    return false;
  }
  /** A whole pack, read without error. */
  bool ok() const { return finished_ && !failed_; }

private:
  bool fail(const std::string& key, const char* what) {
    error_ = "/" + std::to_string(records.size()) + (key.empty() ? "" : "/") + key + ": " + what;
    failed_ = true;
    return true;  // let the parser check the rest is JSON
  }
  bool fail_top(const char* what) {
    error_ = std::string("/: ") + what;
    failed_ = true;
    return true;
  }
  bool number(double d) {
    number_ = d;
    return scalar(Kind::number);
  }
  bool open(bool object) {
    if (depth_ == 0 && object) return fail_top("expected an array of SenML records");
    if (depth_ == 1 && !object) return fail("", "expected an object (a SenML record)");
    if (depth_ == 1) begin_record();
    if (depth_ == 2 && label_ != Label::unknown) return wrong_type();
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    if (depth_ == 1) return end_record();
    if (depth_ == 0) finished_ = true;
    return true;
  }
  /** A scalar: at the top, not a pack; in the pack, not a record; in a record, a field's value. */
  bool scalar(Kind kind) {
    if (depth_ == 0) return fail_top("expected an array of SenML records");
    if (depth_ == 1) return fail("", "expected an object (a SenML record)");
    if (depth_ > 2) return true;
    switch (label_) {
      case Label::bn: case Label::n: case Label::bu: case Label::u: case Label::vs: case Label::vd:
        if (kind != Kind::text) return wrong_type();
        if (label_ == Label::bn) base_.name = std::move(text_);
        else if (label_ == Label::n) name_ = std::move(text_);
        else if (label_ == Label::bu) base_.unit = std::move(text_);
        else if (label_ == Label::u) rec_.unit = std::move(text_);
        else {
          rec_.kind = label_ == Label::vs ? Kind::text : Kind::data;
          rec_.text = std::move(text_);
          ++values_;
        }
        return true;
      case Label::vb:
        if (kind != Kind::boolean) return wrong_type();
        rec_.kind = Kind::boolean;
        rec_.boolean = boolean_;
        ++values_;
        return true;
      case Label::unknown: case Label::must_understand:
        return true;  // an extension to ignore (RFC 8428 4.4)
      default:
        break;
    }
    if (kind != Kind::number) return wrong_type();
    if (!std::isfinite(number_)) return fail(key_, "expected a finite number");
    switch (label_) {
      case Label::bt: base_.time = number_; break;
      case Label::bv: base_.value = number_; break;
      case Label::bs: base_.sum = number_; break;
      case Label::bver:
        if (number_ != std::floor(number_) || number_ < 1 || number_ > 10)
          return fail(key_, "unsupported SenML version (this reader knows up to 10)");
        break;
      case Label::v: value_ = number_, ++values_; break;
      case Label::s: sum_ = number_; break;
      case Label::t: time_ = number_; break;
      default: break;  // ut: when the next update is due, not needed here
    }
    return true;
  }
  bool wrong_type() {
    switch (label_) {
      case Label::vb: return fail(key_, "expected true or false");
      case Label::bn: case Label::n: case Label::bu: case Label::u: case Label::vs: case Label::vd: return fail(key_, "expected a string");
      default: return fail(key_, "expected a number");
    }
  }
  void begin_record() {
    rec_ = Record{};
    name_.clear();
    value_.reset();
    sum_.reset();
    time_.reset();
    values_ = 0;
    label_ = Label::unknown;
  }
  bool end_record() {
    if (values_ > 1) return fail("", "more than one value field (v, vs, vb, vd)");
    rec_.name = base_.name + name_;
    if (!name_ok(rec_.name)) return fail("n", "the resolved name is empty or has a character SenML does not allow");
    if (rec_.unit.empty()) rec_.unit = base_.unit;
    if (value_) {
      rec_.kind = Kind::number;
      rec_.number = base_.value + *value_;
    }
    if (sum_) rec_.sum = base_.sum + *sum_;
    rec_.time_s = base_.time + time_.value_or(0);
    records.push_back(std::move(rec_));
    return true;
  }

  std::string& error_;
  int depth_ = 0;
  bool finished_ = false, failed_ = false;
  Base base_;
  Record rec_;
  std::string name_, key_, text_;
  Label label_ = Label::unknown;
  std::optional<double> value_, sum_, time_;
  double number_ = 0;
  bool boolean_ = false;
  int values_ = 0;
};

}  // namespace

std::optional<std::vector<Record>> parse_json(std::string_view text, std::string& error) {
  PackReader reader(error);
  if (!json::sax_parse(text, &reader)) {
    error = "/: not JSON";  // a syntax error anywhere beats what the reader found before it
    return std::nullopt;
  }
  if (!reader.ok()) return std::nullopt;
  return std::move(reader.records);
}

std::string encode_json(std::span<const Record> records, std::string_view base_name, double base_time) {
  json pack = json::array();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    json o = json::object();
    if (i == 0 && !base_name.empty()) o["bn"] = base_name;
    if (i == 0 && base_time != 0) o["bt"] = base_time;
    std::string_view n = r.name;
    if (!base_name.empty() && n.substr(0, base_name.size()) == base_name) n.remove_prefix(base_name.size());
    if (!n.empty()) o["n"] = n;
    if (!r.unit.empty()) o["u"] = r.unit;
    switch (r.kind) {
      case Kind::number: o["v"] = r.number; break;
      case Kind::boolean: o["vb"] = r.boolean; break;
      case Kind::text: o["vs"] = r.text; break;
      case Kind::data: o["vd"] = r.text; break;
      case Kind::none: break;
    }
    if (r.sum) o["s"] = *r.sum;
    const double t = r.time_s - base_time;
    if (t != 0) o["t"] = t;
    pack.push_back(std::move(o));
  }
  return pack.dump();
}

}  // namespace twinbench::runtime::senml
