#pragma once
// DTDL's lexical rules: element names, language tags, and the primitive schema terms.

#include <string_view>

namespace twinbench::twins::dtdl {

/** @brief Letters, digits and '_', starting with a letter, not ending with '_' (length is checked by the caller). */
bool valid_name(std::string_view s);
/** @brief BCP 47 shape: 1-8 letters, then '-'-separated parts of 1-8 letters or digits. */
bool valid_language_tag(std::string_view s);
/** @brief One of the 10 primitive schemas (boolean, date, dateTime, double, duration, float, integer, long, string, time). */
bool is_primitive_schema(std::string_view term);
/** @brief One of DTDL v3's 6 geospatial schema terms (point, lineString, polygon and their multi- forms). */
bool is_geospatial_schema(std::string_view term);
/** @brief An ISO 8601 duration: P[nY][nM][nW][nD][T[nH][nM][n[.n]S]], at least one part, "PT15S". */
bool iso8601_duration(std::string_view s);
/** @brief double, float, integer or long: what a semantic type, or a physics channel, needs. */
bool is_numeric_schema(std::string_view term);

}  // namespace twinbench::twins::dtdl
