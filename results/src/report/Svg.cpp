#include "Svg.hpp"

#include "../Markup.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace twinbench::results::report {

namespace {
std::string num(double v) {  // pixel coordinates: one decimal is finer than the screen
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}
std::string tick_label(double v) {
  char b[32];
  if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3)) std::snprintf(b, sizeof b, "%.0e", v);
  else std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}
}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int n) {
  if (!(hi > lo) || n < 1) return {lo};
  const double raw = (hi - lo) / n, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

double Scale::operator()(double v) const {
  const double a = log ? std::log10(d0) : d0, b = log ? std::log10(d1) : d1, x = log ? std::log10(v) : v;
  return b == a ? (p0 + p1) / 2 : p0 + (x - a) / (b - a) * (p1 - p0);
}

Chart& Chart::series(Series s) {
  series_.push_back(std::move(s));
  return *this;
}
Chart& Chart::band(Band b) {
  bands_.push_back(std::move(b));
  return *this;
}
Chart& Chart::marker(Marker m) {
  markers_.push_back(std::move(m));
  return *this;
}

Chart& Chart::y_categories(std::vector<std::string> names) {
  y_range_ = {-0.6, static_cast<double>(names.size()) - 0.4};
  y_names_ = std::move(names);
  return *this;
}

std::size_t Chart::points() const {
  std::size_t n = markers_.size();
  for (const Series& s : series_)
    for (const auto& [x, y] : s.points) n += std::isfinite(y) && std::isfinite(x);
  return n;
}

std::string Chart::svg(const std::string& id) const {
  std::string o = "<svg id=\"" + escape(id) + "\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + ' ' +
                  std::to_string(kHeight) + "\" role=\"img\" aria-label=\"" + escape(title_) + "\">";
  o += "<text class=\"title\" x=\"" + std::to_string(kLeft) + "\" y=\"18\">" + escape(title_) + "</text>";
  // Data ranges.
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = 0, y1 = 0;
  for (const Series& s : series_)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || (log_x_ && x <= 0)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x);
      if (std::isfinite(y)) y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  for (const Band& b : bands_) x0 = std::min(x0, b.x0), x1 = std::max(x1, b.x1);
  for (const Marker& m : markers_) x0 = std::min(x0, m.x), x1 = std::max(x1, m.x), y0 = std::min(y0, m.y), y1 = std::max(y1, m.y);
  if (points() == 0) {
    o += "<text class=\"empty\" x=\"" + std::to_string(kWidth / 2) + "\" y=\"" + std::to_string(kHeight / 2) + "\" text-anchor=\"middle\">no data</text></svg>";
    return o;
  }
  if (x_range_) x0 = x_range_->first, x1 = x_range_->second;
  if (y_range_) y0 = y_range_->first, y1 = y_range_->second;
  if (y1 <= y0) y1 = y0 + 1;
  if (x1 <= x0) x1 = x0 + 1;
  std::vector<double> yt = nice_ticks(y0, y1, 5);
  if (!y_names_.empty()) {
    yt.clear();
    for (std::size_t i = 0; i < y_names_.size(); ++i) yt.push_back(static_cast<double>(i));
  }
  if (!y_range_) y1 = std::max(y1, yt.back()), y0 = std::min(y0, yt.front());
  const Scale sx{x0, x1, kLeft, kWidth - kRight, log_x_}, sy{y0, y1, kHeight - kBottom, kTop};
  // Frame, grid and ticks.
  o += "<g class=\"axes\">";
  for (double t : yt) {
    if (t < y0 - 1e-12 || t > y1 + 1e-12) continue;
    o += "<line class=\"grid\" x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(kWidth - kRight) + "\" y1=\"" + num(sy(t)) + "\" y2=\"" + num(sy(t)) + "\"/>";
    if (y_names_.empty()) {
      o += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + num(sy(t) + 4) + "\" text-anchor=\"end\">" + tick_label(t) + "</text>";
    } else {  // a category: its name, cut to fit the margin (whole in its tooltip)
      const std::string& name = y_names_[static_cast<std::size_t>(t)];
      const std::string shown = name.size() > 11 ? name.substr(0, 10) + "\u2026" : name;
      o += "<g><title>" + escape(name) + "</title><text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + num(sy(t) + 4) + "\" text-anchor=\"end\">" + escape(shown) +
           "</text></g>";
    }
  }
  std::vector<double> xt;
  if (log_x_)
    for (double d = std::pow(10.0, std::floor(std::log10(x0))); d <= x1 * 1.0001; d *= 10) xt.push_back(d);
  else xt = nice_ticks(x0, x1, 6);
  for (double t : xt) {
    if (t < x0 - 1e-12 || t > x1 * (1 + 1e-12) + 1e-12) continue;
    o += "<text x=\"" + num(sx(t)) + "\" y=\"" + std::to_string(kHeight - kBottom + 16) + "\" text-anchor=\"middle\">" + tick_label(t) + "</text>";
  }
  o += "<line class=\"frame\" x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(kTop) + "\" y2=\"" +
       std::to_string(kHeight - kBottom) + "\"/>";
  o += "<line class=\"frame\" x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(kWidth - kRight) + "\" y1=\"" + std::to_string(kHeight - kBottom) +
       "\" y2=\"" + std::to_string(kHeight - kBottom) + "\"/>";
  o += "<text class=\"label\" x=\"" + std::to_string((kLeft + kWidth - kRight) / 2) + "\" y=\"" + std::to_string(kHeight - 8) + "\" text-anchor=\"middle\">" +
       escape(x_label_) + "</text>";
  if (y_names_.empty())  // categories name themselves (and need the room)
    o += "<text class=\"label\" transform=\"rotate(-90)\" x=\"" + std::to_string(-(kTop + kHeight - kBottom) / 2) + "\" y=\"14\" text-anchor=\"middle\">" +
         escape(y_label_) + "</text>";
  o += "</g>";
  for (const Band& b : bands_)
    o += "<rect class=\"band\" x=\"" + num(sx(b.x0)) + "\" y=\"" + std::to_string(kTop) + "\" width=\"" + num(std::max(3.0, sx(b.x1) - sx(b.x0))) +
         "\" height=\"" + std::to_string(kHeight - kBottom - kTop) + "\"><title>" + escape(b.label) + "</title></rect>";
  // Lines, then the legend.
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const Series& s = series_[i];
    const char* stroke = colour(s.colour < 0 ? i : static_cast<std::size_t>(s.colour));
    std::string pts;
    double last_py = 0;
    const auto flush = [&] {
      if (!pts.empty()) {
        pts.pop_back();
        o += "<polyline class=\"series\" data-series=\"" + escape(s.name) + "\" stroke=\"" + stroke + "\" points=\"" + pts + "\"><title>" + escape(s.name) + "</title></polyline>";
      }
      pts.clear();
    };
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(y) || !std::isfinite(x) || (log_x_ && x <= 0)) {
        flush();
        continue;
      }
      const double py = sy(std::clamp(y, y0, y1));
      if (s.step && !pts.empty()) pts += num(sx(x)) + ',' + num(last_py) + ' ';  // held until this x
      pts += num(sx(x)) + ',' + num(py) + ' ';
      last_py = py;
    }
    flush();
  }
  for (const Marker& m : markers_) {
    if (!std::isfinite(m.x) || !std::isfinite(m.y)) continue;
    o += "<circle class=\"marker\" cx=\"" + num(sx(std::clamp(m.x, x0, x1))) + "\" cy=\"" + num(sy(std::clamp(m.y, y0, y1))) + "\" r=\"3\"" +
         (m.colour < 0 ? std::string() : " style=\"fill:" + std::string(colour(static_cast<std::size_t>(m.colour))) + "\"") + "><title>" + escape(m.label) +
         "</title></circle>";
  }
  // The legend: a row between the title and the plot, the series' names then the keys.
  std::vector<std::pair<std::string, std::size_t>> legend;
  for (std::size_t i = 0; legend_ && series_.size() > 1 && i < series_.size(); ++i)
    legend.emplace_back(series_[i].name, series_[i].colour < 0 ? i : static_cast<std::size_t>(series_[i].colour));
  for (const auto& [name, c] : keys_) legend.emplace_back(name, static_cast<std::size_t>(c));
  double lx = kLeft;
  for (const auto& [name, c] : legend) {
    o += "<rect x=\"" + num(lx) + "\" y=\"" + std::to_string(kTop - 15) + "\" width=\"10\" height=\"10\" fill=\"" + colour(c) + "\"/>";
    o += "<text class=\"legend\" x=\"" + num(lx + 14) + "\" y=\"" + std::to_string(kTop - 6) + "\">" + escape(name) + "</text>";
    lx += 24 + 7.0 * static_cast<double>(name.size());
  }
  return o + "</svg>";
}

std::string escape(const std::string& s) { return escape_markup(s); }

const char* colour(std::size_t i) {
  static constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
  return kPalette[i % 8];
}

}  // namespace twinbench::results::report
