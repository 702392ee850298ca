#include "twinbench/core/Endpoint.hpp"

#include <gtest/gtest.h>

namespace twinbench::core {
namespace {

TEST(Endpoint, SchemeHostAndPortAsPeopleWriteThem) {
  auto e = parse_endpoint("mqtt://127.0.0.1:1883");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->scheme, "mqtt");
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 1883);
  e = parse_endpoint("coap://gw.example:5683");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->scheme, "coap");
  EXPECT_EQ(e->host, "gw.example");
  e = parse_endpoint("[::1]:8883");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->scheme, "");
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 8883);
  e = parse_endpoint("0.0.0.0:0", 0);  // a listener's "any port"
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 0);
  EXPECT_TRUE(parse_endpoint("h:65535"));
}

TEST(Endpoint, AnythingElseIsRefused) {
  for (const char* bad : {"", "host", "host:", ":1883", "mqtt://:1883", "://h:1", "h:0", "h:65536", "h:-1", "h:+1", "h:12a", "h: 1",
                          "::1:1883", "[::1:1883", "[]:1", "mqtt://h:99999999999"})
    EXPECT_FALSE(parse_endpoint(bad)) << bad;
}

}  // namespace
}  // namespace twinbench::core
