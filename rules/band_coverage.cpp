#include "band_coverage.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

namespace bandwatch {
namespace {

// Past this many lattice steps a double no longer holds every multiple of 10^-N exactly, so the
// lattice reasoning would be unsound; such bands are checked over the reals instead.
constexpr double kMaxLatticeIndex = 1e15;
constexpr std::int64_t kMaxRoundPlaces = 15;

/// One end of an interval; no value means unbounded.
struct Endpoint {
  std::optional<double> value;
  bool inclusive = true;
};

/// The real line (or the non-negative half) is cut at every band edge into pieces that each
/// band either covers whole or not at all. Over the lattice of rounded values a piece is a run
/// of consecutive multiples of 10^-N and both its ends are inclusive.
struct Piece {
  Endpoint lo;
  Endpoint hi;
  std::vector<std::size_t> cover;  // indices of the bands covering the piece, ascending
};

std::string trimmed(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9f", value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

bool non_negative_unit(ast::Unit unit) {
  switch (unit) {
    case ast::Unit::percent:
    case ast::Unit::count:
    case ast::Unit::days:
    case ast::Unit::gbp:
    case ast::Unit::fte:
    case ast::Unit::rate_per_10k: return true;
    case ast::Unit::none:
    case ast::Unit::number: return false;
  }
  return false;
}

bool contains(const BandInterval& band, double x) {
  if (band.lower && (x < *band.lower || (x == *band.lower && !band.lower_inclusive))) return false;
  if (band.upper && (x > *band.upper || (x == *band.upper && !band.upper_inclusive))) return false;
  return true;
}

/// "75%", "60% .. 65%", "94% < v < 95%", "v >= 96%", "every value".
std::string describe(const Endpoint& lo, const Endpoint& hi, ast::Unit unit) {
  if (!lo.value && !hi.value) return "every value";
  if (!lo.value) return std::string(hi.inclusive ? "v <= " : "v < ") + format_amount(*hi.value, unit);
  if (!hi.value) return std::string(lo.inclusive ? "v >= " : "v > ") + format_amount(*lo.value, unit);
  if (lo.inclusive && hi.inclusive) {
    if (*lo.value == *hi.value) return format_amount(*lo.value, unit);
    return format_amount(*lo.value, unit) + " .. " + format_amount(*hi.value, unit);
  }
  return format_amount(*lo.value, unit) + (lo.inclusive ? " <= v " : " < v ") +
         (hi.inclusive ? "<= " : "< ") + format_amount(*hi.value, unit);
}

/// Pieces over the reals: each edge value is a piece of its own, and so is each open interval
/// between consecutive edges.
std::vector<Piece> real_pieces(const std::vector<BandInterval>& bands, bool non_negative) {
  std::vector<double> points;
  for (const BandInterval& band : bands) {
    if (band.lower) points.push_back(*band.lower);
    if (band.upper) points.push_back(*band.upper);
  }
  if (non_negative) points.push_back(0);
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  std::vector<std::pair<Piece, double>> pieces;  // with a value inside the piece
  auto away = [](double p) { return std::max(1.0, std::fabs(p)); };
  if (points.empty()) {
    pieces.push_back({Piece{{}, {}, {}}, 0.0});
  } else {
    if (!non_negative)
      pieces.push_back({Piece{{}, {points[0], false}, {}}, points[0] - away(points[0])});
    for (std::size_t i = 0; i < points.size(); ++i) {
      double p = points[i];
      pieces.push_back({Piece{{p, true}, {p, true}, {}}, p});
      if (i + 1 < points.size()) {
        double q = points[i + 1];
        pieces.push_back({Piece{{p, false}, {q, false}, {}}, p + (q - p) / 2});
      } else {
        pieces.push_back({Piece{{p, false}, {}, {}}, p + away(p)});
      }
    }
  }
  std::vector<Piece> out;
  for (auto& [piece, inside] : pieces) {
    for (std::size_t b = 0; b < bands.size(); ++b)
      if (contains(bands[b], inside)) piece.cover.push_back(b);
    out.push_back(std::move(piece));
  }
  return out;
}

/// A band's reachable lattice indices k (values k * 10^-N), inclusive; nullopt ends are
/// unbounded. Edges that are themselves multiples of 10^-N (up to float noise) keep their
/// inclusiveness; others fall between two lattice points.
struct LatticeBand {
  std::optional<std::int64_t> lo;
  std::optional<std::int64_t> hi;
};

std::optional<std::int64_t> lattice_edge(double edge, bool inclusive, bool is_lower, double scale) {
  double x = edge * scale;
  if (!(std::fabs(x) < kMaxLatticeIndex)) return std::nullopt;
  double nearest = std::round(x);
  bool on_lattice = std::fabs(x - nearest) <= 1e-9 * std::max(1.0, std::fabs(x));
  auto n = static_cast<std::int64_t>(nearest);
  if (on_lattice) return inclusive ? n : (is_lower ? n + 1 : n - 1);
  return static_cast<std::int64_t>(is_lower ? std::ceil(x) : std::floor(x));
}

std::optional<std::vector<LatticeBand>> to_lattice(const std::vector<BandInterval>& bands,
                                                   double scale) {
  std::vector<LatticeBand> out;
  for (const BandInterval& band : bands) {
    LatticeBand lattice;
    if (band.lower) {
      lattice.lo = lattice_edge(*band.lower, band.lower_inclusive, true, scale);
      if (!lattice.lo) return std::nullopt;
    }
    if (band.upper) {
      lattice.hi = lattice_edge(*band.upper, band.upper_inclusive, false, scale);
      if (!lattice.hi) return std::nullopt;
    }
    out.push_back(lattice);
  }
  return out;
}

/// Pieces over the lattice: maximal runs of indices that no band edge cuts.
std::vector<Piece> lattice_pieces(const std::vector<LatticeBand>& bands, bool non_negative,
                                  double scale) {
  std::vector<std::int64_t> cuts;  // first index of a new run
  for (const LatticeBand& band : bands) {
    if (band.lo) cuts.push_back(*band.lo);
    if (band.hi) cuts.push_back(*band.hi + 1);
  }
  if (non_negative) {
    cuts.push_back(0);
    std::erase_if(cuts, [](std::int64_t k) { return k < 0; });
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  struct Run {
    std::optional<std::int64_t> first, last;
  };
  std::vector<Run> runs;
  if (cuts.empty()) {
    runs.push_back({});
  } else {
    if (!non_negative) runs.push_back({std::nullopt, cuts[0] - 1});
    for (std::size_t i = 0; i < cuts.size(); ++i)
      runs.push_back({cuts[i], i + 1 < cuts.size() ? std::optional(cuts[i + 1] - 1) : std::nullopt});
  }
  auto value = [scale](std::int64_t k) { return static_cast<double>(k) / scale; };
  std::vector<Piece> out;
  for (const Run& run : runs) {
    Piece piece;
    if (run.first) piece.lo = {value(*run.first), true};
    if (run.last) piece.hi = {value(*run.last), true};
    std::int64_t inside = run.first ? *run.first : run.last ? *run.last : 0;
    for (std::size_t b = 0; b < bands.size(); ++b) {
      const LatticeBand& band = bands[b];
      if ((!band.lo || *band.lo <= inside) && (!band.hi || inside <= *band.hi))
        piece.cover.push_back(b);
    }
    out.push_back(std::move(piece));
  }
  return out;
}

bool covers(const Piece& piece, std::size_t band) {
  return std::binary_search(piece.cover.begin(), piece.cover.end(), band);
}

std::string rounding_phrase(std::int64_t places) {
  if (places == 0) return "whole numbers";
  return std::to_string(places) + (places == 1 ? " decimal place" : " decimal places");
}

}  // namespace

std::string format_amount(double value, ast::Unit unit) {
  switch (unit) {
    case ast::Unit::percent: return trimmed(value) + "%";
    case ast::Unit::gbp: {
      std::string sign = value < 0 ? "-" : "";
      double amount = std::fabs(value);
      if (amount >= 1e6) return sign + "£" + trimmed(amount / 1e6) + "m";
      if (amount >= 1e3) return sign + "£" + trimmed(amount / 1e3) + "k";
      return sign + "£" + trimmed(amount);
    }
    case ast::Unit::days: return trimmed(value) + (value == 1 ? " day" : " days");
    case ast::Unit::none:
    case ast::Unit::count:
    case ast::Unit::rate_per_10k:
    case ast::Unit::fte:
    case ast::Unit::number: return trimmed(value);
  }
  return trimmed(value);
}

std::vector<CoverageFinding> band_coverage(const std::vector<BandInterval>& bands, ast::Unit unit,
                                           std::optional<std::int64_t> round) {
  bool non_negative = non_negative_unit(unit);
  for (const BandInterval& band : bands)
    if ((band.lower && *band.lower < 0) || (band.upper && *band.upper < 0)) non_negative = false;

  std::vector<Piece> pieces;
  bool on_lattice = false;
  double scale = 1;
  if (round && *round >= 0 && *round <= kMaxRoundPlaces) {
    scale = std::pow(10.0, static_cast<double>(*round));
    if (auto lattice = to_lattice(bands, scale)) {
      pieces = lattice_pieces(*lattice, non_negative, scale);
      on_lattice = true;
    }
  }
  if (!on_lattice) pieces = real_pieces(bands, non_negative);

  struct Keyed {
    std::size_t first_piece;
    int order;  // gaps before overlaps before empty bands at the same place
    CoverageFinding finding;
  };
  std::vector<Keyed> found;

  // Gaps: maximal runs of uncovered pieces. The warning goes to the later (in the source) of
  // the bands that win on either side, the one whose edge most likely needs moving.
  for (std::size_t i = 0; i < pieces.size();) {
    if (!pieces[i].cover.empty()) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < pieces.size() && pieces[j + 1].cover.empty()) ++j;
    std::size_t at = CoverageFinding::npos;
    if (i > 0) at = pieces[i - 1].cover.front();
    if (j + 1 < pieces.size()) {
      std::size_t above = pieces[j + 1].cover.front();
      at = at == CoverageFinding::npos ? above : std::max(at, above);
    }
    found.push_back({i, 0,
                     {CoverageFinding::Kind::gap, at,
                      "no band covers " + describe(pieces[i].lo, pieces[j].hi, unit)}});
    i = j + 1;
  }

  // First match wins. A band whose every value an earlier band takes is never used: that is a
  // mistake. A later band that contains an earlier one is a cascade (`green >= 90%  amber >=
  // 85%`: amber is 85% up to 90%), which is what first match is for: no warning. Only bands that
  // partly overlap (`amber 75% .. 84%  red <= 75%`) are reported, saying which one takes the values.
  auto covered_by = [&](std::size_t band) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < pieces.size(); ++i)
      if (covers(pieces[i], band)) out.push_back(i);
    return out;
  };
  std::vector<bool> shadowed(bands.size(), false);
  for (std::size_t b = 1; b < bands.size(); ++b) {
    std::vector<std::size_t> own = covered_by(b);
    if (own.empty()) continue;  // reported below as covering no value
    bool all_taken = std::all_of(own.begin(), own.end(), [&](std::size_t i) { return pieces[i].cover.front() < b; });
    if (!all_taken) continue;
    shadowed[b] = true;
    std::set<std::size_t> takers;
    for (std::size_t i : own) takers.insert(pieces[i].cover.front());
    const BandInterval& band = bands[b];
    Endpoint lo, hi;
    if (band.lower) lo = {*band.lower, band.lower_inclusive};
    if (band.upper) hi = {*band.upper, band.upper_inclusive};
    std::string who = takers.size() == 1
                          ? "the " + std::string(ast::to_string(bands[*takers.begin()].colour)) +
                                " band written before it takes"
                          : "the bands written before it take";
    found.push_back({own.front(), 2,
                     {CoverageFinding::Kind::empty_band, b,
                      std::string(ast::to_string(band.colour)) + " band " + describe(lo, hi, unit) +
                          " is never used: " + who + " every value it covers (the first band that covers a value "
                          "gives its colour)"}});
  }
  auto inside = [](const std::vector<std::size_t>& part, const std::vector<std::size_t>& whole) {
    return std::includes(whole.begin(), whole.end(), part.begin(), part.end());
  };

  // Overlaps: for every pair of bands that partly overlap, the maximal runs of pieces both cover.
  for (std::size_t a = 0; a < bands.size(); ++a) {
    for (std::size_t b = a + 1; b < bands.size(); ++b) {
      if (shadowed[b] || shadowed[a]) continue;
      if (inside(covered_by(a), covered_by(b))) continue;  // a cascade
      for (std::size_t i = 0; i < pieces.size();) {
        if (!(covers(pieces[i], a) && covers(pieces[i], b))) {
          ++i;
          continue;
        }
        std::size_t j = i;
        while (j + 1 < pieces.size() && covers(pieces[j + 1], a) && covers(pieces[j + 1], b)) ++j;
        bool same = bands[a].colour == bands[b].colour;
        std::string first(ast::to_string(bands[a].colour));
        std::string who = same ? "two " + first + " bands" : first + " and " + std::string(ast::to_string(bands[b].colour));
        std::string taken = same ? "" : "; " + first + ", written first, takes " +
                                            (i == j && pieces[i].lo.value && pieces[i].hi.value &&
                                                     *pieces[i].lo.value == *pieces[i].hi.value
                                                 ? "it"
                                                 : "them");
        found.push_back({i, 1,
                         {CoverageFinding::Kind::overlap, b,
                          who + " both cover " + describe(pieces[i].lo, pieces[j].hi, unit) + taken}});
        i = j + 1;
      }
    }
  }

  // Bands no value can reach: first match never gets to them, and an author meant something.
  for (std::size_t b = 0; b < bands.size(); ++b) {
    bool reached = std::any_of(pieces.begin(), pieces.end(),
                               [b](const Piece& piece) { return covers(piece, b); });
    if (reached) continue;
    const BandInterval& band = bands[b];
    Endpoint lo, hi;
    if (band.lower) lo = {*band.lower, band.lower_inclusive};
    if (band.upper) hi = {*band.upper, band.upper_inclusive};
    std::string message = std::string(ast::to_string(band.colour)) + " band " +
                          describe(lo, hi, unit) + " covers no value";
    // Say why when the interval itself is not empty over the reals.
    std::vector<Piece> alone = real_pieces({band}, non_negative);
    bool real_value = std::any_of(alone.begin(), alone.end(),
                                  [](const Piece& piece) { return !piece.cover.empty(); });
    if (real_value && on_lattice) {
      message += " once values are rounded to " + rounding_phrase(*round);
    } else if (!real_value && non_negative) {
      std::vector<Piece> whole = real_pieces({band}, false);
      bool anywhere = std::any_of(whole.begin(), whole.end(),
                                  [](const Piece& piece) { return !piece.cover.empty(); });
      if (anywhere) message += ": " + std::string(ast::to_string(unit)) + " values are never negative";
    }
    found.push_back({pieces.size(), 2, {CoverageFinding::Kind::empty_band, b, message}});
  }

  std::stable_sort(found.begin(), found.end(), [](const Keyed& x, const Keyed& y) {
    return std::tie(x.first_piece, x.order) < std::tie(y.first_piece, y.order);
  });
  std::vector<CoverageFinding> out;
  for (Keyed& keyed : found) out.push_back(std::move(keyed.finding));
  return out;
}

}  // namespace bandwatch
