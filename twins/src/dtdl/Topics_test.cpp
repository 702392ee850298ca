#include "twinbench/twins/dtdl/Topics.hpp"

#include <gtest/gtest.h>

namespace twinbench::twins::dtdl {
namespace {

TEST(DtdlTopics, PatternsFollowTheMqttExtension) {
  EXPECT_EQ(topic_pattern_error("tb/{senderId}/telemetry"), std::nullopt);
  EXPECT_EQ(topic_pattern_error("plant/{ex:site}/{senderId}"), std::nullopt);
  EXPECT_EQ(topic_pattern_error("$SYS/x"), "starts with '$' (reserved for the broker)");
  EXPECT_EQ(topic_pattern_error("a//b"), "has an empty label");
  EXPECT_EQ(topic_pattern_error("a/+/b"), "has a character not allowed in a label ('+' in '+')");
  EXPECT_EQ(topic_pattern_error("a/b c"), "has a character not allowed in a label (' ' in 'b c')");
  EXPECT_EQ(topic_pattern_error("a/{sender1}"), "has a malformed token '{sender1}' (expected {name} or {prefix:name}, ASCII letters)");
  EXPECT_EQ(topic_pattern_error("a/x{id}"), "has a malformed token 'x{id}' (expected {name} or {prefix:name}, ASCII letters)");
  EXPECT_EQ(topic_pattern_error(""), "is empty");
}

TEST(DtdlTopics, TokensExpandOrNameWhatIsMissing) {
  EXPECT_EQ(expand_topic("tb/{senderId}/telemetry", {{"senderId", "d7"}}), "tb/d7/telemetry");
  std::string error;
  EXPECT_EQ(expand_topic("tb/{ex:site}/{senderId}", {{"senderId", "d7"}}, &error), std::nullopt);
  EXPECT_EQ(error, "no value for token {ex:site}");
}

}  // namespace
}  // namespace twinbench::twins::dtdl
