// Reading band edges back from the engine's band text (see bands.hpp).
#include "report/bands.hpp"

#include <charconv>
#include <cmath>

#include "report/render.hpp"

namespace bandwatch::report {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

struct Edge {
  double value = 0;
  bool inclusive = true;
};

/// ">= 95%", "> 20", "<= 89%", "< 95%": which side, the value, inclusive or not.
bool parse_comparison(std::string_view text, std::optional<Edge>& lower, std::optional<Edge>& upper) {
  text = trim(text);
  bool greater = false, inclusive = false;
  if (text.starts_with(">=")) greater = true, inclusive = true, text.remove_prefix(2);
  else if (text.starts_with("<=")) inclusive = true, text.remove_prefix(2);
  else if (text.starts_with(">")) greater = true, text.remove_prefix(1);
  else if (text.starts_with("<")) text.remove_prefix(1);
  else return false;
  std::optional<double> value = parse_band_quantity(trim(text));
  if (!value) return false;
  (greater ? lower : upper) = Edge{*value, inclusive};
  return true;
}

}  // namespace

std::optional<double> parse_band_quantity(std::string_view text) {
  text = trim(text);
  double scale = 1;
  if (text.starts_with("\xC2\xA3")) text.remove_prefix(2);  // £
  if (text.ends_with(" days")) text.remove_suffix(5);
  else if (text.ends_with(" day")) text.remove_suffix(4);
  else if (text.ends_with("%")) text.remove_suffix(1);
  else if (text.ends_with("m")) scale = 1e6, text.remove_suffix(1);
  else if (text.ends_with("k")) scale = 1e3, text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  std::string plain;
  for (char c : text)
    if (c != ',') plain += c;  // 10,000
  double value = 0;
  auto [end, ec] = std::from_chars(plain.data(), plain.data() + plain.size(), value);
  if (ec != std::errc() || end != plain.data() + plain.size()) return std::nullopt;
  return value * scale;
}

std::vector<BandShade> shades_from_target(std::string_view target, std::optional<int> round) {
  std::vector<BandShade> shades;
  double half = round ? 0.5 * std::pow(10.0, -*round) : 0.0;
  for (const std::string& line : target_lines(target)) {
    // target_lines gives "Green: >= 95%" or "Amber: 90% - 94%".
    std::size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string_view word = std::string_view(line).substr(0, colon);
    std::string_view bounds = std::string_view(line).substr(colon + 2);
    BandShade shade;
    if (word == "Green") shade.colour = ast::Colour::green;
    else if (word == "Amber") shade.colour = ast::Colour::amber;
    else if (word == "Red") shade.colour = ast::Colour::red;
    else continue;
    std::optional<Edge> lower, upper;
    bool ok = true;
    if (std::size_t dash = bounds.find(" - "); dash != std::string_view::npos) {
      auto low = parse_band_quantity(bounds.substr(0, dash)), high = parse_band_quantity(bounds.substr(dash + 3));
      ok = low && high;
      if (ok) lower = Edge{*low, true}, upper = Edge{*high, true};
    } else if (bounds == "any") {
    } else {
      std::size_t and_at = bounds.find(" and ");
      ok = parse_comparison(bounds.substr(0, and_at), lower, upper);
      if (ok && and_at != std::string_view::npos) ok = parse_comparison(bounds.substr(and_at + 5), lower, upper);
    }
    if (!ok) continue;
    // Rounded classification: an inclusive lower edge a admits raw values from a - half, an
    // exclusive one from a + half; likewise upwards.
    if (lower) shade.lower = lower->inclusive ? lower->value - half : lower->value + half;
    if (upper) shade.upper = upper->inclusive ? upper->value + half : upper->value - half;
    shades.push_back(shade);
  }
  return shades;
}

}  // namespace bandwatch::report
