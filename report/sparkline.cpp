// Sparklines: a series' history as a small inline SVG, the band edges shaded behind it so a
// reader sees how close the line runs to the next band.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/render.hpp"

namespace bandwatch::report {

namespace {

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

// Light tints of the band colours: behind the line they must not be mistaken for a band badge.
const char* tint(ast::Colour colour) {
  switch (colour) {
    case ast::Colour::green: return "#cce2d8";
    case ast::Colour::amber: return "#fff0c9";
    case ast::Colour::red: return "#f6d7d2";
  }
  return "#eeeeee";
}

}  // namespace

std::string render_sparkline(const RagRow& row, int width, int height) {
  const std::vector<Point>& points = row.history;
  if (points.empty()) return {};
  double low = points.front().value, high = low;
  for (const Point& p : points) {
    low = std::min(low, p.value);
    high = std::max(high, p.value);
  }
  // Show the edges next to the line: the nearest band edge below the lowest value and above the
  // highest, so a reader sees the distance to the next band, not a scale stretched to 0..100.
  std::optional<double> edge_below, edge_above;
  for (const BandShade& shade : row.shades) {
    for (const std::optional<double>& edge : {shade.lower, shade.upper}) {
      if (!edge || !std::isfinite(*edge)) continue;
      if (*edge <= low && (!edge_below || *edge > *edge_below)) edge_below = *edge;
      if (*edge >= high && (!edge_above || *edge < *edge_above)) edge_above = *edge;
    }
  }
  if (edge_below) low = *edge_below;
  if (edge_above) high = *edge_above;
  double span = high - low;
  if (span <= 0) span = std::max(1.0, std::fabs(high) * 0.1);
  low -= span * 0.1;
  high += span * 0.1;
  span = high - low;

  const double pad = 3;
  auto y_of = [&](double v) { return pad + (high - v) / span * (height - 2 * pad); };
  int first_day = points.front().date.days_since_epoch, last_day = points.back().date.days_since_epoch;
  auto x_of = [&](Date d) {
    if (last_day == first_day) return width / 2.0;
    return pad + double(d.days_since_epoch - first_day) / (last_day - first_day) * (width - 2 * pad);
  };

  std::string label = "History of " + row.title + ": " + std::to_string(points.size()) +
                      (points.size() == 1 ? " value" : " values") + " from " + points.front().date.uk() +
                      " to " + points.back().date.uk();
  std::string svg = "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"" + html_escape(label) + "\"><title>" +
                    html_escape(label) + "</title>";
  for (const BandShade& shade : row.shades) {
    double top = shade.upper ? std::clamp(y_of(*shade.upper), 0.0, double(height)) : 0.0;
    double bottom = shade.lower ? std::clamp(y_of(*shade.lower), 0.0, double(height)) : double(height);
    if (bottom - top <= 0.05) continue;
    svg += "<rect class=\"shade-" + std::string(ast::to_string(shade.colour)) +
           "\" x=\"0\" y=\"" + number(top) + "\" width=\"" + std::to_string(width) + "\" height=\"" +
           number(bottom - top) + "\" fill=\"" + tint(shade.colour) + "\"/>";
  }
  if (points.size() > 1) {
    svg += "<polyline fill=\"none\" stroke=\"#0b0c0c\" stroke-width=\"1.5\" stroke-linejoin=\"round\" points=\"";
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i) svg += ' ';
      svg += number(x_of(points[i].date)) + "," + number(y_of(points[i].value));
    }
    svg += "\"/>";
  }
  const Point& last = points.back();
  svg += "<circle cx=\"" + number(x_of(last.date)) + "\" cy=\"" + number(y_of(last.value)) +
         "\" r=\"2.5\" fill=\"#0b0c0c\"/></svg>";
  return svg;
}

}  // namespace bandwatch::report
