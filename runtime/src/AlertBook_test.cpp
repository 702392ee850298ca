#include "twinbench/runtime/AlertBook.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace twinbench::runtime {
namespace {

AlertEntry alert(ConnId conn, std::uint16_t rule, std::uint8_t roles, TimeUs t) {
  AlertEntry e;
  e.conn = conn;
  char name[32];
  std::snprintf(name, sizeof name, "dev-%u", conn);
  e.device = name;
  e.rule_index = rule;
  std::snprintf(name, sizeof name, "r%u", static_cast<unsigned>(rule));
  e.rule = name;
  e.roles = roles;
  e.raised_us = t;
  return e;
}

TEST(AlertBook, AlertsAreListedNewestFirstByRoleClearedByTheirRuleAndAcknowledgedOnce) {
  AlertBook book;
  std::vector<std::pair<std::uint64_t, AlertBook::Change>> seen;
  book.on_change([&](const AlertEntry& e, AlertBook::Change c) { seen.emplace_back(e.id, c); });
  EXPECT_EQ(book.raise(alert(1, 0, role_technician | role_operator, 10)).id, 1u);
  EXPECT_EQ(book.raise(alert(2, 0, role_operator, 20)).id, 2u);
  EXPECT_EQ(book.raise(alert(1, 1, role_executive, 30)).id, 3u);
  const auto technician = book.list(role_technician);
  ASSERT_EQ(technician.size(), 1u);
  EXPECT_EQ(technician[0].id, 1u);
  const auto all = book.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, 3u);  // newest first
  book.clear(1, 0, 40);      // device 1's rule 0: alert 1
  book.clear(1, 0, 50);      // nothing more to clear
  EXPECT_EQ(book.find(1)->cleared_us, 40);
  EXPECT_TRUE(book.find(3)->active());
  EXPECT_EQ(book.acknowledge(2, "tom", 60), AlertBook::Ack::done);
  EXPECT_EQ(book.acknowledge(2, "ann", 70), AlertBook::Ack::already);
  EXPECT_EQ(book.acknowledge(9, "tom", 70), AlertBook::Ack::unknown);
  EXPECT_EQ(book.find(2)->acked_by, "tom");
  EXPECT_EQ(book.find(2)->acked_us, 60);
  const std::vector<std::pair<std::uint64_t, AlertBook::Change>> expected = {
      {1, AlertBook::Change::raised}, {2, AlertBook::Change::raised}, {3, AlertBook::Change::raised},
      {1, AlertBook::Change::cleared}, {2, AlertBook::Change::acknowledged}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(book.find(1)->revision, 2u);  // raised, cleared
  EXPECT_EQ(book.find(2)->revision, 2u);  // raised, acknowledged
}

TEST(AlertBook, APersonSaysOnceWhatAnAlertWasAcknowledgingItIfNobodyHad) {
  AlertBook book;
  book.raise(alert(1, 0, role_technician, 10));
  book.raise(alert(2, 0, role_technician, 20));
  EXPECT_EQ(book.acknowledge(1, "tom", 30), AlertBook::Ack::done);
  EXPECT_EQ(book.resolve(1, AlertOutcome::fault, "ann", 40), AlertBook::Ack::done);
  EXPECT_EQ(book.find(1)->acked_by, "tom");  // kept
  EXPECT_EQ(book.find(1)->resolved_by, "ann");
  EXPECT_EQ(book.find(1)->outcome, AlertOutcome::fault);
  EXPECT_EQ(book.resolve(1, AlertOutcome::false_alarm, "tom", 50), AlertBook::Ack::already);
  EXPECT_EQ(book.find(1)->outcome, AlertOutcome::fault);
  EXPECT_EQ(book.resolve(2, AlertOutcome::false_alarm, "tom", 60), AlertBook::Ack::done);
  EXPECT_EQ(book.find(2)->acked_by, "tom");
  EXPECT_EQ(book.find(2)->acked_us, 60);
  EXPECT_EQ(book.resolve(7, AlertOutcome::fault, "tom", 70), AlertBook::Ack::unknown);
  EXPECT_STREQ(to_string(AlertOutcome::false_alarm), "false_alarm");
}

TEST(AlertBook, PastItsCapacityTheOldestClearedGoesFirst) {
  AlertBook book(3);
  book.raise(alert(1, 0, role_operator, 1));
  book.raise(alert(2, 0, role_operator, 2));
  book.raise(alert(3, 0, role_operator, 3));
  book.clear(2, 0, 4);
  book.raise(alert(4, 0, role_operator, 5));  // alert 2 (cleared) goes, not alert 1
  EXPECT_NE(book.find(1), nullptr);
  EXPECT_EQ(book.find(2), nullptr);
  book.raise(alert(5, 0, role_operator, 6));  // none cleared: the oldest goes
  EXPECT_EQ(book.find(1), nullptr);
  EXPECT_EQ(book.size(), 3u);
}

}  // namespace
}  // namespace twinbench::runtime
