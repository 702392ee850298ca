#pragma once
// MQTT topic patterns of the DTDL Mqtt extension (telemetryTopic, commandTopic): slash-separated labels,
// each either literal printable ASCII without space, '"', '+', '#', '{', '}' or '/', or a token
// "{name}" / "{prefix:name}" of ASCII letters; the first label must not start with '$'.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace twinbench::twins::dtdl {

/** @brief Why `pattern` is not a topic pattern, or nullopt if it is one. */
std::optional<std::string> topic_pattern_error(std::string_view pattern);

/**
 * @brief The pattern with every token replaced by its value in `tokens` (keyed by the token without
 * braces, prefix included). nullopt, with `error` set, if a token has no value.
 */
std::optional<std::string> expand_topic(std::string_view pattern, const std::map<std::string, std::string, std::less<>>& tokens,
                                        std::string* error = nullptr);

}  // namespace twinbench::twins::dtdl
