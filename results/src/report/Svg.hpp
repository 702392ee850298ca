#pragma once
// Charts as inline SVG, written by the bench: no script, no font, nothing fetched, and the same bytes
// for the same data. A chart is a frame with nice ticks on both axes, lines (series), bands (intervals
// such as outages) and markers (instants such as a fault's detection).

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace twinbench::results::report {

/** @brief About `n` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
std::vector<double> nice_ticks(double lo, double hi, int n);

/** A linear map from a data interval to a pixel interval (log10 of the data when `log`). */
struct Scale {
  double d0, d1, p0, p1;
  bool log = false;
  double operator()(double v) const;
};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (x, y); a NaN y breaks the line
  bool step = false;                               ///< a step function (held until the next x)
  int colour = -1;                                 ///< a palette index; -1: the series' position
};

struct Band {
  double x0, x1;
  std::string label;
};

struct Marker {
  double x, y;
  std::string label;
  int colour = -1;  ///< a palette index; -1: the default (red)
};

class Chart {
public:
  Chart(std::string title, std::string x_label, std::string y_label) : title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {}
  Chart& series(Series s);
  Chart& band(Band b);
  Chart& marker(Marker m);
  Chart& log_x() { log_x_ = true; return *this; }
  /** A legend entry of its own (for markers of one colour). */
  Chart& key(std::string name, int colour) { keys_.emplace_back(std::move(name), colour); return *this; }
  /** Categories on the y axis: `names[i]` at y = i (rows such as sites or fault modes). */
  Chart& y_categories(std::vector<std::string> names);
  /** No legend (many series of one kind, named in their tooltips). */
  Chart& no_legend() { legend_ = false; return *this; }
  /** Fix the x range (else from the data). */
  Chart& x_range(double lo, double hi) { x_range_ = {lo, hi}; return *this; }
  /** Fix the y range (else from the data, with 0 in it). */
  Chart& y_range(double lo, double hi) { y_range_ = {lo, hi}; return *this; }
  /** Points drawn, over every series and marker (for tests and for "no data" notes). */
  std::size_t points() const;
  /** The chart as an <svg> element (`id` on it); "no data" in place of the plot when it has none. */
  std::string svg(const std::string& id) const;

  static constexpr int kWidth = 640, kHeight = 272, kLeft = 76, kRight = 16, kTop = 40, kBottom = 44;

private:
  std::string title_, x_label_, y_label_;
  std::vector<Series> series_;
  std::vector<Band> bands_;
  std::vector<Marker> markers_;
  std::vector<std::pair<std::string, int>> keys_;
  std::vector<std::string> y_names_;
  bool log_x_ = false, legend_ = true;
  std::optional<std::pair<double, double>> x_range_, y_range_;
};

/** @brief `s` with &, <, > and " escaped for HTML and SVG text. */
std::string escape(const std::string& s);
/** @brief The colour of series `i` (a palette readable by the colour-blind: Okabe and Ito). */
const char* colour(std::size_t i);

}  // namespace twinbench::results::report
