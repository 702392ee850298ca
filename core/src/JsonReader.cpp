#include "twinbench/core/JsonReader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>

namespace twinbench::core {

using nlohmann::json;

namespace {

/** nlohmann reports a byte offset; users want line:column. */
std::string line_col(const std::string& text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

namespace {

/** Follows the parse to know where it is: for the depth limit, and to name a duplicate key by its JSON path. */
class Tracker {
public:
  explicit Tracker(const std::string& file) : file_(file) {}
  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kJsonDepthMax)
          throw InputError(file_ + ": " + path() + ": nesting deeper than " + std::to_string(kJsonDepthMax) + " levels");
        frames_.push_back({event == json::parse_event_t::array_start, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) throw InputError(file_ + ": " + path() + ": duplicate key '" + f.key + "' (each key once)");
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        next();
        break;
      case json::parse_event_t::value: next(); break;
    }
    return true;
  }

private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string> keys;
  };
  void next() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string path() const {
    std::string p;
    for (const Frame& f : frames_) {
      p += '/';
      if (f.array) {
        p += std::to_string(f.index);
        continue;
      }
      for (char c : f.key) p += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    }
    return p.empty() ? "/" : p;
  }
  const std::string& file_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_json(const std::string& text, const std::string& file) {
  try {
    return json::parse(text, Tracker(file));
  } catch (const json::parse_error& e) {
    // nlohmann says "[json.exception.parse_error.101] parse error at line 3, column 20: <what>"; keep <what>.
    std::string what = e.what();
    if (auto p = what.find("parse error"); p != std::string::npos) {
      what = what.substr(p);
      if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    }
    throw InputError(file + ":" + line_col(text, e.byte == 0 ? 0 : e.byte - 1) + ": malformed JSON: " + what);
  } catch (const json::exception& e) {  // out_of_range: a number beyond double's range (found by fuzzing the DTDL parser)
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw InputError(file + ": malformed JSON: " + what);
  }
}

std::optional<std::string> read_regular_file(const std::string& file, std::uint64_t max_bytes, std::string& why) {
  // Opened first, then checked: what is read is what was checked. O_NONBLOCK: opening a FIFO must not wait for a writer.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = errno == ENOENT ? "no such file" : std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    why = S_ISDIR(st.st_mode) ? "it is a folder" : "not a regular file (a device, a FIFO or a socket)";
  } else if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    why = "larger than " + std::to_string(max_bytes >> 20) + " MiB";
  } else {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);  // a file that shrank meanwhile: what there was
  }
  ::close(fd);
  if (!why.empty()) return std::nullopt;
  return out;
}

std::string read_text_file(const std::string& file, const std::string& what, std::uint64_t max_bytes) {
  std::string why;
  std::optional<std::string> text = read_regular_file(file, max_bytes, why);
  if (!text) throw InputError(file + ": cannot read " + what + ": " + why);
  return std::move(*text);
}

JsonObject::JsonObject(const json& j, std::string path, const std::string& file) : j_(j), path_(std::move(path)), file_(file) {
  if (!j.is_object()) fail_at(file_, path_.empty() ? "/" : path_, "expected an object, got " + show(j));
}

std::string JsonObject::path_of(std::string_view key) const {
  std::string p = path_ + "/";
  for (char c : key) {
    if (c == '~') p += "~0";
    else if (c == '/') p += "~1";
    else p += c;
  }
  return p;
}

void JsonObject::fail_at(const std::string& file, const std::string& path, const std::string& what) {
  throw InputError(file + ": " + path + ": " + what);
}

void JsonObject::fail(std::string_view key, const std::string& what) const { fail_at(file_, path_of(key), what); }

std::string JsonObject::show(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

void JsonObject::allow(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : j_.items()) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (known) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(key, "unknown key '" + key + "' (expected one of: " + list + ")");
  }
}

const json& JsonObject::at(std::string_view key) const {
  if (!j_.contains(key)) fail_at(file_, path_.empty() ? "/" : path_, "missing required key '" + std::string(key) + "'");
  return j_.at(std::string(key));
}

std::string JsonObject::string(std::string_view key) const {
  const json& v = at(key);
  if (!v.is_string()) fail(key, "expected a string, got " + show(v));
  return v.get<std::string>();
}

std::string JsonObject::string_or(std::string_view key, std::string fallback) const { return has(key) ? string(key) : fallback; }

bool JsonObject::boolean_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_boolean()) fail(key, "expected true or false, got " + show(v));
  return v.get<bool>();
}

double JsonObject::number_at(std::string_view key, bool (*ok)(double), const char* expected) const {
  const json& v = at(key);
  if (!v.is_number() || !ok(v.get<double>())) fail(key, std::string("expected ") + expected + ", got " + show(v));
  return v.get<double>();
}

double JsonObject::positive(std::string_view key) const {
  return number_at(key, [](double x) { return std::isfinite(x) && x > 0; }, "a positive number");
}
double JsonObject::positive_or(std::string_view key, double fallback) const { return has(key) ? positive(key) : fallback; }
double JsonObject::non_negative_or(std::string_view key, double fallback) const {
  return has(key) ? number_at(key, [](double x) { return std::isfinite(x) && x >= 0; }, "a number >= 0") : fallback;
}
double JsonObject::number_or(std::string_view key, double fallback) const {
  return has(key) ? number_at(key, [](double x) { return std::isfinite(x); }, "a number") : fallback;
}
double JsonObject::probability(std::string_view key) const {
  return number_at(key, [](double x) { return x >= 0 && x <= 1; }, "a probability in [0, 1]");
}
double JsonObject::probability_or(std::string_view key, double fallback) const { return has(key) ? probability(key) : fallback; }
std::optional<double> JsonObject::optional_number(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return number_at(key, [](double x) { return std::isfinite(x); }, "a number");
}

std::uint64_t JsonObject::integer(std::string_view key, std::uint64_t min, std::uint64_t max) const {
  const json& v = at(key);
  // A float counts if it is a whole number below 2^64 (2^64 itself would round to UINT64_MAX as a double).
  const bool integral = v.is_number_integer() ||
                        (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>() && v.get<double>() < 18446744073709551616.0);
  bool in_range = false;
  if (integral && v.is_number_unsigned()) in_range = v.get<std::uint64_t>() >= min && v.get<std::uint64_t>() <= max;
  else if (integral) in_range = v.get<double>() >= static_cast<double>(min) && v.get<double>() <= static_cast<double>(max);
  if (!in_range) {
    // Name the bound that was broken: below the minimum (or not an integer) reads as the kind of number
    // wanted; above the maximum gives the whole range.
    const bool above_max = v.is_number() && (v.get<double>() > static_cast<double>(max) || v.get<double>() >= 18446744073709551616.0 ||
                                             (v.is_number_unsigned() && v.get<std::uint64_t>() > max));
    const std::string expected = above_max ? "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]"
                                 : min == 1 ? "a positive integer"
                                            : "an integer >= " + std::to_string(min);
    fail(key, "expected " + expected + ", got " + show(v));
  }
  return v.is_number_unsigned() ? v.get<std::uint64_t>() : static_cast<std::uint64_t>(v.get<double>());
}

std::uint64_t JsonObject::integer_or(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t fallback) const {
  return has(key) ? integer(key, min, max) : fallback;
}

JsonObject JsonObject::object(std::string_view key) const { return JsonObject(at(key), path_of(key), file_); }

std::optional<JsonObject> JsonObject::optional_object(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return object(key);
}

std::vector<std::pair<const json*, std::string>> JsonObject::array(std::string_view key, bool required) const {
  std::vector<std::pair<const json*, std::string>> out;
  if (!required && !has(key)) return out;
  const json& v = at(key);
  if (!v.is_array()) fail(key, "expected an array, got " + show(v));
  for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(&v[i], path_of(key) + "/" + std::to_string(i));
  return out;
}

}  // namespace twinbench::core
