// The checker on indicators (unit, rounding, cohort, messages, band sets and their coverage)
// and on benchmarks, whose values band limits and messages may read.
#include "checker_internal.hpp"

#include <algorithm>
#include <vector>

#include "band_coverage.hpp"

namespace bandwatch::checking {

/// A band bound or benchmark value in the indicator's unit base, or nullopt after an error.
std::optional<double> Checker::in_unit(const ast::Quantity& quantity, Unit unit, const std::string& what,
                                       const std::string& owner, std::size_t file, Location loc) {
  std::string spelling =
      quantity.text.empty() ? format_amount(quantity.value, quantity.unit) : quantity.text;
  std::string unit_name(ast::to_string(unit));
  if (quantity.duration) {
    if (unit != Unit::days && unit != Unit::none) {
      error(file, loc, what + " " + spelling + " is a duration, but " + owner + " is in " + unit_name);
      return std::nullopt;
    }
    const Duration& duration = *quantity.duration;
    switch (duration.unit) {
      case DurationUnit::days: return static_cast<double>(duration.amount);
      case DurationUnit::weeks: return static_cast<double>(duration.amount) * 7;
      default:
        error(file, loc,
              what + " " + spelling + " has no fixed number of days; write it in days or weeks");
        return std::nullopt;
    }
  }
  if (quantity.unit == Unit::none) {
    // A bare 95 for a percent, or 5293000 for money, is more often a slip than a choice.
    if (unit == Unit::percent) {
      error(file, loc, what + " " + spelling + " has no unit, but " + owner + " is in percent: write " + spelling + "%");
      return std::nullopt;
    }
    if (unit == Unit::gbp) {
      error(file, loc, what + " " + spelling + " has no unit, but " + owner + " is in gbp: write it in pounds, e.g. " + format_amount(quantity.value, Unit::gbp));
      return std::nullopt;
    }
    return quantity.value;
  }
  if (unit != Unit::none && quantity.unit != unit) {
    error(file, loc,
          what + " " + spelling + " is in " + std::string(ast::to_string(quantity.unit)) +
              ", but " + owner + " is in " + unit_name);
    return std::nullopt;
  }
  return quantity.value;
}

void Checker::check_item(const ast::IndicatorDecl& decl, std::size_t file) {
  std::string owner = "indicator " + quoted(decl.name);
  for (const auto& route : decl.routes) check_route(route.value, route.loc, file);
  MetricInfo* info = metric(decl.name);
  Unit unit = decl.unit ? decl.unit->value : info ? info->unit : Unit::none;
  std::optional<std::string> clash;
  if (decl.unit && info && info->decl) clash = disagreement(decl.unit->value, info->unit, info->ratio);
  bool unit_conflict = clash.has_value();
  if (unit_conflict)
    error(file, decl.unit->loc,
          owner + " is in " + std::string(ast::to_string(decl.unit->value)) + " but metric " +
              quoted(decl.name) + " gives " + *clash);
  if (decl.round && decl.round->value < 0)
    error(file, decl.round->loc,
          "`round` is a number of decimal places, 0 or more, not " +
              std::to_string(decl.round->value));
  // Every output shows the value as classified: more places than `round` keeps would print
  // zeros that pretend to a precision the band was not judged at (96.6% judged as 97% and
  // shown as 97.0%). Fewer are fine: a value near an edge is shown with the places it needs.
  if (decl.decimals && decl.decimals->value > 6)
    error(file, decl.decimals->loc,
          "`decimals` is the number of decimal places shown, at most 6, not " +
              std::to_string(decl.decimals->value));
  else if (decl.decimals && decl.round && decl.round->value >= 0 && decl.decimals->value > decl.round->value)
    error(file, decl.decimals->loc,
          "`decimals " + std::to_string(decl.decimals->value) + "` shows more decimal places than `round " +
              std::to_string(decl.round->value) + "` keeps: the value is shown as it is classified, so the extra " +
              "places would always be 0; write `decimals " + std::to_string(decl.round->value) +
              "` or less, or `round " + std::to_string(decl.decimals->value) + "`");
  if (decl.cohort) {
    const ast::Cohort& cohort = decl.cohort->value;
    if (!metric(cohort.metric)) {
      // The indicator's own series is never its cohort: leave it out of the suggestions.
      std::vector<std::string> candidates = metric_list_;
      std::erase(candidates, decl.name);
      error(file, decl.cohort->loc,
            "unknown cohort metric " + quoted(cohort.metric) + suggestion(cohort.metric, candidates));
    }
    if (cohort.minimum < 0)
      error(file, decl.cohort->loc,
            "a cohort minimum is a number of children, 0 or more, not " +
                std::to_string(cohort.minimum));
  }
  if (decl.last_year)
    in_unit(decl.last_year->value, unit, "last year's value", owner, file, decl.last_year->loc);
  if (decl.closer_to) {
    in_unit(*decl.closer_to, unit, "the value to be closer to", owner, file, decl.better->loc);
    if (decl.tolerance) {
      std::optional<double> tolerance = in_unit(*decl.tolerance, unit, "the tolerance", owner, file, decl.better->loc);
      if (tolerance && *tolerance < 0)
        error(file, decl.better->loc, "the tolerance of `better closer to` cannot be negative: " + decl.tolerance->text);
    }
  }
  check_expect_every(decl.expect_every, file);
  if (decl.band_sets.empty()) {
    error(file, decl.loc, owner + " has no bands; add `bands { green ... amber ... red ... }`");
    return;
  }

  Labels labels = info ? info->labels : Labels{};
  bool labels_open = info ? info->labels_open : true;
  // Messages and band scopes read the indicator's labels alike.
  auto band_scope = [&] {
    Scope scope;
    scope.context = Context::band_scope;
    scope.owner = owner;
    scope.file = file;
    scope.labels = labels;
    scope.labels_open = labels_open;
    return scope;
  };
  {
    Scope scope = band_scope();
    MessageContext context;
    context.entry = decl.name;
    if (decl.message) check_message(*decl.message, scope, context, file);
    if (decl.resolved_message) check_message(*decl.resolved_message, scope, context, file);
  }
  std::map<std::string, const ast::BandSet*> seen;
  for (const ast::BandSet& set : decl.band_sets) {
    if (set.where) {
      Scope scope = band_scope();
      Info where = walk(*set.where, scope);
      expect_condition(*set.where, where.type, scope, "a band scope is a condition on labels");
    }
    std::string key = (set.from ? set.from->iso() : "") + "|" + (set.where ? ast::dump(*set.where) : "");
    auto [it, inserted] = seen.emplace(key, &set);
    if (!inserted) {
      error(file, set.loc,
            owner + " already has bands for " +
                (set.from ? "from " + set.from->iso() : std::string("the same dates")) +
                (set.where ? " and the same scope" : "") + "; only the first would be used");
      note(file, it->second->loc, "the first bands are here");
    }
    // Bounds read against a unit already in dispute would only repeat that error.
    if (!unit_conflict) check_bands(set, unit, decl, owner, file);
  }
}

void Checker::check_bands(const ast::BandSet& set, Unit unit, const ast::IndicatorDecl& decl,
                          const std::string& owner, std::size_t file) {
  if (set.bands.empty()) {
    error(file, set.loc, "this bands block has no bands: write at least one, e.g. `green >= 95%`");
    return;
  }
  // Without a declared unit, take the first one a bound is written in.
  if (unit == Unit::none)
    for (const ast::Band& band : set.bands)
      for (const auto* bound : {&band.lower, &band.upper})
        if (unit == Unit::none && *bound && !(*bound)->quantity.duration)
          unit = (*bound)->quantity.unit;
  std::vector<BandInterval> intervals;
  bool sound = true;
  // Limits that move (a benchmark's value, months and years measured on the calendar) leave the
  // coverage of a block to the values themselves: it is not checked.
  bool fixed = true;
  for (const ast::Band& band : set.bands)
    for (const auto* bound : {&band.lower, &band.upper}) {
      if (!*bound) continue;
      const ast::Bound& limit = **bound;
      if (!limit.benchmark.empty()) {
        fixed = false;
        check_benchmark_limit(limit.benchmark, decl.name, band.loc, file);
      } else if (limit.quantity.duration && (limit.quantity.duration->unit == DurationUnit::months ||
                                             limit.quantity.duration->unit == DurationUnit::years)) {
        fixed = false;
        if (unit != Unit::days && unit != Unit::none)
          error(file, band.loc,
                "band limit " + limit.quantity.text + " is a length of time, but " + owner + " is in " +
                    std::string(ast::to_string(unit)) + " (ages are in days: `unit days`)");
      }
    }
  if (!fixed) return;
  for (const ast::Band& band : set.bands) {
    BandInterval interval;
    interval.colour = band.colour;
    bool band_sound = true;  // one error per band: `75% .. 84%` in a count is one mistake
    if (band.lower) {
      auto value = in_unit(band.lower->quantity, unit, "band bound", owner, file, band.loc);
      band_sound = value.has_value();
      interval.lower = value;
      interval.lower_inclusive = band.lower->inclusive;
    }
    if (band.upper && band_sound) {
      auto value = in_unit(band.upper->quantity, unit, "band bound", owner, file, band.loc);
      band_sound = value.has_value();
      interval.upper = value;
      interval.upper_inclusive = band.upper->inclusive;
    }
    sound = sound && band_sound;
    intervals.push_back(interval);
  }
  if (!sound) return;  // coverage of bounds we could not read would only add noise
  std::optional<std::int64_t> round;
  if (decl.round && decl.round->value >= 0) round = decl.round->value;
  for (const CoverageFinding& finding : band_coverage(intervals, unit, round)) {
    Location at = finding.band < set.bands.size() ? set.bands[finding.band].loc : set.loc;
    warning(file, at, finding.message);
  }
}

/// `green >= england`: benchmark `england` must have a value for the indicator.
void Checker::check_benchmark_limit(const std::string& name, const std::string& indicator, Location at, std::size_t file) {
  auto it = benchmarks_.find(name);
  if (it == benchmarks_.end()) {
    std::string hint = suggestion(name, benchmark_list_);
    error(file, at, "band limit " + quoted(name) + " is neither a number nor a benchmark" +
                        (hint.empty() ? ": write a number such as 95%, or declare `benchmark " + name + " { " +
                                            indicator + " VALUE }`"
                                      : hint));
    return;
  }
  const auto* benchmark = static_cast<const ast::BenchmarkDecl*>(it->second.decl);
  bool has = std::any_of(benchmark->entries.begin(), benchmark->entries.end(),
                         [&](const ast::BenchmarkEntry& e) { return e.indicator == indicator; });
  if (!has)
    error(file, at, "benchmark " + quoted(name) + " has no value for " + quoted(indicator) + ": add `" + indicator +
                        " VALUE` to it");
}

void Checker::check_item(const ast::BenchmarkDecl& decl, std::size_t file) {
  std::map<std::string, const ast::BenchmarkEntry*> seen;
  for (const ast::BenchmarkEntry& entry : decl.entries) {
    auto [it, inserted] = seen.emplace(entry.indicator + "|" + (entry.from ? entry.from->iso() : ""), &entry);
    if (!inserted) {
      error(file, entry.loc,
            "benchmark " + quoted(decl.name) + " already has a value for " + quoted(entry.indicator) +
                (entry.from ? " from " + entry.from->iso() : std::string(" without a date")) +
                "; give each value of another year its own `from DATE`");
      note(file, it->second->loc, "the first value is here");
      continue;
    }
    MetricInfo* info = metric(entry.indicator);
    if (!info) {
      error(file, entry.loc,
            "unknown indicator or metric " + quoted(entry.indicator) +
                suggestion(entry.indicator, metric_list_));
      continue;
    }
    std::string owner = (info->indicator || alerts_.count(entry.indicator) ? "indicator " : "metric ") +
                        quoted(entry.indicator);
    in_unit(entry.quantity, info->ratio ? Unit::none : info->unit, "benchmark value", owner,
            file, entry.loc);
  }
}

}  // namespace bandwatch::checking
