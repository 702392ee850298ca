#include "Svg.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace twinbench::results::report {
namespace {

TEST(ReportSvg, NiceTicksAreRoundStepsCoveringTheRange) {
  EXPECT_EQ(nice_ticks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(nice_ticks(0, 48, 6), (std::vector<double>{0, 10, 20, 30, 40}));
  EXPECT_EQ(nice_ticks(3, 7, 4), (std::vector<double>{3, 4, 5, 6, 7}));
  EXPECT_EQ(nice_ticks(-20, 80, 5), (std::vector<double>{-20, 0, 20, 40, 60, 80}));
}

TEST(ReportSvg, ScalesMapDataToPixels) {
  // By hand: [0, 10] onto [64, 624], 2.5 is a quarter of the way: 64 + 140 = 204.
  EXPECT_DOUBLE_EQ((Scale{0, 10, 64, 624})(2.5), 204);
  // y is upside down: [0, 1] onto [216, 28]: 0.5 lands at 122.
  EXPECT_DOUBLE_EQ((Scale{0, 1, 216, 28})(0.5), 122);
  // log: [1, 1000] onto [0, 300]: 10 is a third of the way.
  EXPECT_NEAR((Scale{1, 1000, 0, 300, true})(10), 100, 1e-9);
}

TEST(ReportSvg, ALineIsItsPointsInPixels) {
  // x 0..10 over the plot's 76..624 px; y fixed to 0..1 over 228..40 px (272 - 44 bottom, 40 top).
  Chart c("t", "x", "y");
  c.series(Series{"a", {{0, 0}, {5, 0.5}, {10, 1}}}).y_range(0, 1);
  const std::string svg = c.svg("c");
  EXPECT_NE(svg.find("points=\"76.0,228.0 350.0,134.0 624.0,40.0\""), std::string::npos) << svg;
  EXPECT_EQ(c.points(), 3u);
}

TEST(ReportSvg, AStepHoldsItsValueAndNaNBreaksTheLine) {
  Chart c("t", "x", "y");
  c.series(Series{"s", {{0, 0}, {5, 1}, {10, NAN}, {15, 1}}, true}).y_range(0, 1);
  const std::string svg = c.svg("c");
  // x 0..15 over 76..624: 5 -> 258.7; the step goes across at the old value, then up.
  EXPECT_NE(svg.find("points=\"76.0,228.0 258.7,228.0 258.7,40.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("points=\"624.0,40.0\""), std::string::npos) << svg;  // after the gap, a new line
  EXPECT_EQ(c.points(), 3u);
}

TEST(ReportSvg, NoDataIsSaidNotDrawnAndTextIsEscaped) {
  Chart c("<b>&", "x", "y");
  const std::string svg = c.svg("e");
  EXPECT_NE(svg.find(">no data<"), std::string::npos);
  EXPECT_NE(svg.find("&lt;b&gt;&amp;"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
}

TEST(ReportSvg, CategoriesNameTheRowsAndKeysNameTheMarkersColours) {
  Chart c("t", "x", "unused");
  c.y_categories({"north", "a-very-long-site-name"}).key("true alert", 2);
  c.marker({1, 0, "a", 2}).marker({2, 1, "b"});
  const std::string svg = c.svg("k");
  // Row 0 of -0.6..1.6 over 228..40 px is at 176.7, its label 4 px lower; a long name is cut, whole in its tooltip.
  EXPECT_NE(svg.find("y=\"180.7\" text-anchor=\"end\">north</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>a-very-long-site-name</title>"), std::string::npos);
  EXPECT_NE(svg.find(">a-very-lon\u2026</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">unused<"), std::string::npos);  // no axis label over the names
  EXPECT_NE(svg.find("style=\"fill:#009E73\"><title>a</title>"), std::string::npos);  // palette 2
  EXPECT_NE(svg.find("fill=\"#009E73\"/><text class=\"legend\" x=\"90.0\" y=\"34\">true alert</text>"), std::string::npos) << svg;
}

TEST(ReportSvg, MarkersBelowZeroAreInTheRange) {
  // A change of -40 % and one of +30 %: both inside the plot, not clamped to 0.
  Chart c("t", "x", "y");
  c.marker({1, -40, "a"}).marker({2, 30, "b"});
  const std::string svg = c.svg("m");
  // y from -40 to 30 over 228..40 px: -40 at the bottom, 30 at the top, 0 at 228 - 40/70 * 188 = 120.6.
  EXPECT_NE(svg.find("cy=\"228.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("cy=\"40.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("y=\"124.6\" text-anchor=\"end\">0<"), std::string::npos) << svg;  // the 0 tick, its label 4 px lower
}

}  // namespace
}  // namespace twinbench::results::report
