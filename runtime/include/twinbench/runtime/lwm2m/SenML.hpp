#pragma once
// SenML in JSON (RFC 8428), as LwM2M 1.1 carries it (content format 110): a pack of records whose base
// fields (bn, bt, bu, bv, bs, bver) carry forward, resolved into full records. LwM2M names are paths,
// "/3303/0/5700", so a name may begin with '/' (RFC 8428 itself wants a letter or digit first).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::runtime::senml {

enum class Kind : std::uint8_t { none, number, text, boolean, data };

/** A resolved record: base name + name, base time + time, base value + value, base unit if none. */
struct Record {
  std::string name;
  std::string unit;
  Kind kind = Kind::none;  ///< none: a record with only a name (LwM2M read requests) or only a sum
  double number = 0;       ///< Kind::number
  bool boolean = false;    ///< Kind::boolean
  std::string text;        ///< Kind::text; Kind::data holds the base64url text as sent
  double time_s = 0;       ///< resolved; below kRelativeTime it is relative to now (0 = now), else Unix seconds
  std::optional<double> sum;
};

/** RFC 8428 4.5.3: a resolved time under 2**28 s is relative to the time the pack is received. */
inline constexpr double kRelativeTime = 268435456.0;

/** @brief Parse and resolve a SenML JSON pack; nullopt with `error` ("/2/v: expected a number") if invalid. */
std::optional<std::vector<Record>> parse_json(std::string_view json, std::string& error);

/**
 * @brief Encode records as a SenML JSON pack with `base_name` taken out of every name that starts with
 * it and, when `base_time` is not 0, times relative to it (bt on the first record).
 */
std::string encode_json(std::span<const Record> records, std::string_view base_name = {}, double base_time = 0);

}  // namespace twinbench::runtime::senml
