// Indicators compiled: their metric, cohort, band sets (limits as numbers, benchmarks or calendar
// durations) in the order they are tried, staleness and messages.
#include <algorithm>

#include "compiler.hpp"
#include "rules/formatter.hpp"

namespace bandwatch::engine::detail::compiling {

void Compiler::compile_indicator(const ast::File& file, const ast::IndicatorDecl& decl) {
  IndicatorDef ind;
  ind.name = decl.name;
  ind.title = decl.title ? decl.title->value : decl.name;
  ind.group = decl.group ? decl.group->value : "";
  ind.better = decl.better ? decl.better->value : ast::Better::unspecified;
  if (decl.closer_to) ind.closer_to = decl.closer_to->value;
  if (decl.tolerance) ind.tolerance = decl.tolerance->value;
  ind.frame = decl.frame ? decl.frame->value : ast::Frame::unspecified;
  std::uint32_t metric = metric_named(decl.name);
  if (metric == kNone) return;  // its derived metric failed and was reported
  ind.metric = metric;
  ind.unit = decl.unit ? decl.unit->value : p_.metrics[metric].unit;
  ind.round = decl.round ? static_cast<int>(decl.round->value) : -1;
  ind.fixed_decimals = decl.decimals.has_value();
  ind.decimals = decl.decimals ? static_cast<int>(decl.decimals->value) : ind.round;
  ind.program.driver = metric;
  owner_ = decl.name;
  for (const auto& route : decl.routes) {
    if (!routes_.count(route.value)) {
      unchecked(file, route.loc, "unknown route " + quoted(route.value));
      return;
    }
    ind.routes.push_back(route.value);
  }
  if (decl.cohort) {
    std::uint32_t cm = metric_named(decl.cohort->value.metric);
    if (cm == kNone) {
      unchecked(file, decl.cohort->loc, "unknown cohort metric " + quoted(decl.cohort->value.metric));
      return;
    }
    std::uint32_t ref = add_ref(file, ind.program, cm, {}, decl.cohort->loc);
    if (ref == kNone) return;
    ExprNode node;
    node.op = Node::ref;
    node.ref = ref;
    ind.cohort = add_node(ind.program, std::move(node));
    ind.cohort_minimum = static_cast<double>(decl.cohort->value.minimum);
  }
  for (std::size_t i = 0; i < decl.band_sets.size(); ++i) {
    const ast::BandSet& set = decl.band_sets[i];
    BandSetDef out;
    out.source_index = i;
    if (set.from) {
      out.has_from = true;
      out.from = *set.from;
    }
    if (set.where) {
      out.where_text = format_expression(*set.where);
      Compiled where = compile_expr(file, ind.program, *set.where, nullptr);
      if (where.node == kNone) return;
      out.where = where.node;
    }
    for (const ast::Band& band : set.bands) {
      BandDef b;
      b.colour = band.colour;
      // A limit: a number (days and weeks as days), a benchmark, or months and years.
      auto limit = [&](const ast::Bound& bound, double& value, std::uint32_t& benchmark,
                       std::optional<Duration>& calendar) {
        if (!bound.benchmark.empty()) {
          benchmark = benchmark_index(bound.benchmark, decl.name);
          if (benchmark == kNone) unchecked(file, band.loc, "no benchmark value " + quoted(bound.benchmark + "." + decl.name));
          return benchmark != kNone;
        }
        value = bound.quantity.value;
        if (const auto& d = bound.quantity.duration) {
          if (d->unit == DurationUnit::days) value = static_cast<double>(d->amount);
          else if (d->unit == DurationUnit::weeks) value = 7.0 * static_cast<double>(d->amount);
          else if (d->unit == DurationUnit::months || d->unit == DurationUnit::years) calendar = *d;
          else {
            unchecked(file, band.loc, "a band limit of " + to_string(*d) + " has no length in days");
            return false;
          }
        }
        return true;
      };
      if (band.lower) {
        b.has_lower = true;
        if (!limit(*band.lower, b.lower, b.lower_benchmark, b.lower_calendar)) return;
        b.lower_inclusive = band.lower->inclusive || band.range;
      }
      if (band.upper) {
        b.has_upper = true;
        if (!limit(*band.upper, b.upper, b.upper_benchmark, b.upper_calendar)) return;
        b.upper_inclusive = band.upper->inclusive || band.range;
      }
      out.bands.push_back(b);
      if (!out.target.empty()) out.target += ", ";
      out.target += std::string(ast::to_string(band.colour)) + " " + bound_text(band);
      if (band.colour == ast::Colour::green) out.green += (out.green.empty() ? "" : " or ") + bound_text(band);
    }
    ind.band_sets.push_back(std::move(out));
  }
  // Priority: a scoped block before the unscoped ones; among equals the latest `from` in force;
  // then source order. evaluate picks the first in force whose `where` matches.
  std::stable_sort(ind.band_sets.begin(), ind.band_sets.end(), [](const BandSetDef& x, const BandSetDef& y) {
    bool xs = x.where != kNone, ys = y.where != kNone;
    if (xs != ys) return xs;
    if (x.has_from != y.has_from) return x.has_from;
    if (x.has_from && x.from != y.from) return x.from > y.from;
    return x.source_index < y.source_index;
  });
  MetricDef& m = p_.metrics[metric];
  m.keep_points = std::max(m.keep_points, 2);  // the short trend reads the previous value
  if (decl.expect_every) stale_sources_.push_back({decl.name, {metric}, decl.expect_every->value, ind.routes});
  MessageSource source;
  source.indicator = true;
  source.previous = true;
  source.entry = decl.name;
  if (decl.message) ind.message = parse_message(decl.message->value, ind.program, source);
  if (decl.resolved_message) ind.resolved_message = parse_message(decl.resolved_message->value, ind.program, source);
  if (!source.problem.empty()) unchecked(file, decl.loc, source.problem);
  p_.indicator_ids[ind.name] = static_cast<std::uint32_t>(p_.indicators.size());
  p_.indicators.push_back(std::move(ind));
}

}  // namespace bandwatch::engine::detail::compiling
