// Who may connect, publish and subscribe: the cases worked out from the rules' definitions
// (docs/security.md), including the ones an attacker would try.
#include "twinbench/runtime/mqtt/Access.hpp"
#include "twinbench/runtime/mqtt/Subscriptions.hpp"

#include <gtest/gtest.h>

namespace twinbench::runtime::mqtt {
namespace {

TEST(FilterWithin, ASubscriptionMustFallWithinThePattern) {
  EXPECT_TRUE(filter_within("a/b", "a/b"));
  EXPECT_TRUE(filter_within("a/b", "a/+"));
  EXPECT_TRUE(filter_within("a/+", "a/+"));
  EXPECT_TRUE(filter_within("a/b/c", "a/#"));
  EXPECT_TRUE(filter_within("a/#", "a/#"));
  EXPECT_TRUE(filter_within("a", "a/#"));  // "a/#" matches "a" itself (MQTT 4.7.1.2)
  EXPECT_TRUE(filter_within("a/+/c", "a/#"));
  EXPECT_TRUE(filter_within("#", "#"));
  EXPECT_FALSE(filter_within("#", "a/#"));     // everything is more than a/...
  EXPECT_FALSE(filter_within("a/#", "a/+"));   // a/b/c is not matched by a/+
  EXPECT_FALSE(filter_within("a/+", "a/b"));   // a/x is not matched by a/b
  EXPECT_FALSE(filter_within("+/b", "a/b"));
  EXPECT_FALSE(filter_within("a/b/c", "a/b"));
  EXPECT_FALSE(filter_within("a/b", "a/b/c"));
  EXPECT_FALSE(filter_within("a", "a/+"));     // a/+ needs a second level
  EXPECT_TRUE(filter_within("a/", "a/+"));     // an empty level is a level
  // Wildcards at the first level do not match topics that begin with '$' (MQTT-4.7.2-1), so neither
  // does a pattern: "#" does not take in "$SYS/#" (found by fuzz/access_fuzz.cpp).
  EXPECT_FALSE(filter_within("$SYS/#", "#"));
  EXPECT_FALSE(filter_within("$SYS/x", "+/x"));
  EXPECT_TRUE(filter_within("$SYS/x", "$SYS/+"));
  EXPECT_FALSE(topic_matches("#", "$SYS/x"));  // the publish side agrees
}

AccessConfig fleet() {
  AccessConfig c;
  c.gateway = "gw1";
  c.acl = {{"*", {"tb/%g/%c/#"}, {"tb/%g/%c/#"}},
           {"ops", {}, {"tb/#"}},
           {"anonymous", {"public/%c"}, {"public/#"}}};
  c.control_identities = {"cloud"};
  c.control_topics = {"tb/cloud/gw1/#"};
  c.reserved_topics = {"tb/uplink/gw1", "tb/alerts/gw1"};
  return c;
}

TEST(Access, DevicesPublishAndSubscribeOnlyUnderTheirOwnClientId) {
  const Access a(fleet());
  const Identity dev{"device"};
  EXPECT_TRUE(a.may_publish(dev, "pump-7", "tb/gw1/pump-7/telemetry"));
  EXPECT_FALSE(a.may_publish(dev, "pump-7", "tb/gw1/pump-8/telemetry"));  // another device's topic
  EXPECT_FALSE(a.may_publish(dev, "pump-7", "tb/gw2/pump-7/telemetry"));  // another gateway's
  EXPECT_TRUE(a.may_subscribe(dev, "pump-7", "tb/gw1/pump-7/#"));
  EXPECT_TRUE(a.may_subscribe(dev, "pump-7", "tb/gw1/pump-7/commands/+"));
  EXPECT_FALSE(a.may_subscribe(dev, "pump-7", "tb/gw1/+/#"));  // reads every device
  EXPECT_FALSE(a.may_subscribe(dev, "pump-7", "#"));
}

TEST(Access, ClientIdsThatWouldInjectLevelsOrWildcardsMatchNothing) {
  const Access a(fleet());
  const Identity dev{"device"};
  for (const char* id : {"x/#", "+", "a/b", "#"}) {
    EXPECT_FALSE(a.may_subscribe(dev, id, "tb/gw1/x/#")) << id;
    EXPECT_FALSE(a.may_subscribe(dev, id, std::string("tb/gw1/") + id + "/#")) << id;
    EXPECT_FALSE(a.may_publish(dev, id, "tb/gw1/a/b/telemetry")) << id;
  }
}

TEST(Access, ControlTopicsAreWritableByTheControlIdentitiesOnlyAndReservedOnesByNoClient) {
  AccessConfig c = fleet();
  c.acl.push_back({"admin", {"#"}, {"#"}});  // even a rule allowing everything
  const Access a(c);
  EXPECT_FALSE(a.may_publish({"admin"}, "x", "tb/cloud/gw1/rules"));
  EXPECT_FALSE(a.may_publish({"device"}, "gw1", "tb/cloud/gw1/rules"));  // %c = gw1 would not help either
  EXPECT_TRUE(a.may_publish({"cloud"}, "any", "tb/cloud/gw1/rules"));
  EXPECT_TRUE(a.may_publish({"cloud"}, "any", "tb/cloud/gw1/ota"));
  EXPECT_FALSE(a.may_publish({}, "any", "tb/cloud/gw1/rules"));  // anonymous
  EXPECT_FALSE(a.may_publish({"cloud"}, "any", "tb/alerts/gw1"));  // what the gateway itself says
  EXPECT_FALSE(a.may_publish({"admin"}, "x", "tb/uplink/gw1"));
  EXPECT_TRUE(a.may_publish({"admin"}, "x", "tb/elsewhere"));
  EXPECT_TRUE(a.may_subscribe({"ops"}, "o", "tb/alerts/gw1"));
}

TEST(Access, AnonymousClientsHaveOnlyTheAnonymousRulesAndNamedRulesOnlyTheirName) {
  const Access a(fleet());
  EXPECT_TRUE(a.may_publish({}, "kiosk", "public/kiosk"));
  EXPECT_FALSE(a.may_publish({}, "kiosk", "tb/gw1/kiosk/telemetry"));  // "*" is for authenticated identities
  EXPECT_FALSE(a.may_publish({"device"}, "kiosk", "public/kiosk"));
  EXPECT_FALSE(a.may_subscribe({"device"}, "d", "tb/#"));
  EXPECT_TRUE(a.may_subscribe({"ops"}, "d", "tb/#"));
}

TEST(Access, AdmissionAsksForTheRightCheckAndAnUnknownUserCostsWhatAWrongPasswordDoes) {
  AccessConfig c = fleet();
  std::array<std::uint8_t, 16> salt{};
  c.passwords.hashes["device"] = hash_password("s3cret", salt, kLeastPasswordCost);
  const Access a(c);
  using K = Access::Admission::Kind;
  auto r = a.admit("device", true, "");
  EXPECT_EQ(r.kind, K::verify_password);
  EXPECT_EQ(r.identity.name, "device");
  EXPECT_TRUE(verify_password("s3cret", r.hash));
  r = a.admit("nobody", true, "");
  EXPECT_EQ(r.kind, K::verify_password);
  EXPECT_EQ(parse_password_hash(r.hash), kLeastPasswordCost);  // the same cost as the file's
  EXPECT_FALSE(verify_password("s3cret", r.hash));
  EXPECT_FALSE(verify_password("", r.hash));
  EXPECT_EQ(a.admit("device", false, "").kind, K::refuse_credentials);
  EXPECT_EQ(a.admit(std::nullopt, false, "").kind, K::refuse_not_authorized);  // anonymous is off
  c.allow_anonymous = true;
  EXPECT_EQ(Access(c).admit(std::nullopt, false, "").kind, K::admit);
  c.certificate_identity = true;
  const Access certs(c);
  r = certs.admit(std::nullopt, false, "pump-7.plant-a");
  EXPECT_EQ(r.kind, K::admit);
  EXPECT_EQ(r.identity.name, "pump-7.plant-a");
  EXPECT_EQ(certs.admit("someone-else", true, "pump-7.plant-a").kind, K::refuse_not_authorized);
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
