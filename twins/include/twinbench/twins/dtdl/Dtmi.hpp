#pragma once
// Digital Twin Model Identifiers (DTDL v3, "Digital Twin Model Identifier"): dtmi:<path>[;<version>].

#include <optional>
#include <string>
#include <string_view>

namespace twinbench::twins::dtdl {

inline constexpr std::size_t kDtmiMaxLength = 4096;
inline constexpr std::size_t kUserDtmiMaxLength = 2048;
inline constexpr std::size_t kInterfaceDtmiMaxLength = 128;

/**
 * @brief Why `s` is not a valid DTMI, or nullopt if it is one. `user` additionally requires a user DTMI
 * (no system segment, i.e. none starting with '_'); `max_length` bounds the whole identifier.
 */
std::optional<std::string> dtmi_error(std::string_view s, bool user = true, std::size_t max_length = kUserDtmiMaxLength);

/** @brief True for identifiers under the prefixes DTDL reserves for itself (dtmi:dtdl:, dtmi:standard:). */
bool dtmi_reserved(std::string_view s);

/**
 * @brief The automatically assigned identifier of a child element: `parent` with ":_<property>" (and
 * ":__<name>" for plural properties) inserted before its version.
 */
std::string child_dtmi(std::string_view parent, std::string_view property, std::optional<std::string_view> name = std::nullopt);

}  // namespace twinbench::twins::dtdl
