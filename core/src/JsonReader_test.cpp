#include "twinbench/core/JsonReader.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace twinbench::core {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_json(text, "f.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseJson, ADuplicateKeyIsNamedByItsPath) {
  EXPECT_EQ(error_of(R"({"a": 1, "a": 2})"), "f.json: /a: duplicate key 'a' (each key once)");
  EXPECT_EQ(error_of(R"({"s": [{"x": 1}, {"y": [0, {"k/~": 1, "k/~": 2}]}]})"), "f.json: /s/1/y/1/k~1~0: duplicate key 'k/~' (each key once)");
  EXPECT_EQ(error_of(R"({"a": {"b": 1}, "c": {"b": 1}})"), "");  // the same key in two objects is fine
}

TEST(ParseJson, NestingIsBounded) {
  const auto nested = [](int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); };
  EXPECT_EQ(error_of(nested(kJsonDepthMax)), "");
  EXPECT_NE(error_of(nested(kJsonDepthMax + 1)).find(": nesting deeper than 64 levels"), std::string::npos);
  EXPECT_NE(error_of(nested(100000)).find("nesting deeper"), std::string::npos);  // refused early, not after building it
}

TEST(ParseJson, SyntaxErrorsSayWhere) {
  EXPECT_EQ(error_of("{\n  \"a\": 1,\n}"), "f.json:3:1: malformed JSON: syntax error while parsing object key - unexpected '}'; expected string literal");
}

TEST(ReadRegularFile, OnlyRegularFilesOfBoundedSize) {
  const std::string dir = (std::filesystem::temp_directory_path() / ("twinbench-core-test-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/small") << "hello";
  std::string why;
  EXPECT_EQ(read_regular_file(dir + "/small", 100, why).value_or("?"), "hello");
  EXPECT_FALSE(read_regular_file(dir + "/small", 4, why));
  EXPECT_EQ(why, "larger than 0 MiB");
  why.clear();
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  EXPECT_FALSE(read_regular_file(dir + "/fifo", 100, why));  // returns at once: no writer is waited for
  EXPECT_EQ(why, "not a regular file (a device, a FIFO or a socket)");
  why.clear();
  EXPECT_FALSE(read_regular_file("/dev/zero", 100, why));
  why.clear();
  EXPECT_FALSE(read_regular_file(dir, 100, why));
  EXPECT_EQ(why, "it is a folder");
  why.clear();
  EXPECT_FALSE(read_regular_file(dir + "/nope", 100, why));
  EXPECT_EQ(why, "no such file");
  std::filesystem::remove_all(dir);
}

TEST(JsonObject, IntegersUpTo2To64Minus1) {
  const nlohmann::json j = nlohmann::json::parse(R"({"max": 18446744073709551615, "over": 18446744073709551616, "float": 1e3})");
  const std::string file = "f.json";  // JsonObject keeps a reference to it
  const JsonObject o(j, "", file);
  EXPECT_EQ(o.integer("max", 0, UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(o.integer("float", 0, UINT64_MAX), 1000u);
  try {
    o.integer("over", 0, UINT64_MAX);
    FAIL() << "2^64 accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "f.json: /over: expected an integer in [0, 18446744073709551615], got 1.8446744073709552e+19");
  }
}

}  // namespace
}  // namespace twinbench::core
