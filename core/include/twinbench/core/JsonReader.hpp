#pragma once
// Validating reads from a JSON document: each accessor knows its JSON pointer and the file, so that
// every complaint reads like `scenario.json: /sites/0/devices_per_gateway: expected a positive integer, got -5`.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::core {

/** @brief Bad input (a scenario, a model package, a training spec...): the message is complete and meant for the user as is. */
class InputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Input files (scenarios, rules, manifests, models) are read only if they are regular files of at most
/// this size: a FIFO, a device such as /dev/zero or a runaway file is refused, never read forever.
constexpr std::uint64_t kInputBytesMax = 64ull << 20;
/// JSON deeper than this is refused (a scenario nests about 6 levels, a DTDL model about 12).
constexpr int kJsonDepthMax = 64;

/**
 * @brief Parse JSON text; a syntax error becomes an InputError "<file>:<line>:<column>: malformed JSON:
 * <what>", and so does a number beyond double's range, nesting deeper than kJsonDepthMax, and a key that
 * appears twice in an object ("<file>: <JSON path>: duplicate key ...": no silent last-one-wins).
 */
nlohmann::json parse_json(const std::string& text, const std::string& file);

/** @brief The bytes of a regular file of at most `max_bytes`; nullopt, with the reason in `why`, otherwise. */
std::optional<std::string> read_regular_file(const std::string& file, std::uint64_t max_bytes, std::string& why);
/** @brief The bytes of a regular file; anything else is an InputError "<file>: cannot read <what>: <why>". */
std::string read_text_file(const std::string& file, const std::string& what, std::uint64_t max_bytes = kInputBytesMax);


class JsonObject {
public:
  /** @brief Wrap `j` found at `path` in `file`; fails unless it is an object. */
  JsonObject(const nlohmann::json& j, std::string path, const std::string& file);

  /** @brief Fail on any key not in `allowed`. */
  void allow(std::initializer_list<std::string_view> allowed) const;
  bool has(std::string_view key) const { return j_.contains(key); }

  std::string string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  double positive(std::string_view key) const;
  double positive_or(std::string_view key, double fallback) const;
  double non_negative_or(std::string_view key, double fallback) const;
  double number_or(std::string_view key, double fallback) const;
  double probability(std::string_view key) const;
  double probability_or(std::string_view key, double fallback) const;
  std::optional<double> optional_number(std::string_view key) const;
  std::uint64_t integer(std::string_view key, std::uint64_t min, std::uint64_t max) const;
  std::uint64_t integer_or(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t fallback) const;
  JsonObject object(std::string_view key) const;
  std::optional<JsonObject> optional_object(std::string_view key) const;
  /** @brief Elements of an array (empty if absent and not required), each with its path. */
  std::vector<std::pair<const nlohmann::json*, std::string>> array(std::string_view key, bool required) const;

  /** JSON pointer of `key` under this object ('~' and '/' escaped as RFC 6901 says). */
  std::string path_of(std::string_view key) const;
  const nlohmann::json& raw() const { return j_; }
  const std::string& file() const { return file_; }
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  [[noreturn]] static void fail_at(const std::string& file, const std::string& path, const std::string& what);
  /** @brief A short rendering of a JSON value for "got ..." in messages. */
  static std::string show(const nlohmann::json& v);

private:
  const nlohmann::json& at(std::string_view key) const;
  double number_at(std::string_view key, bool (*ok)(double), const char* expected) const;

  const nlohmann::json& j_;
  std::string path_;
  const std::string& file_;
};

}  // namespace twinbench::core
