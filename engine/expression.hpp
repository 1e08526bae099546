// Private to engine/: evaluating a compiled expression for one series of its driver metric,
// including the joins to other metrics and the look-backs over history. Three-valued: a value
// that cannot be computed is missing (NaN), and a comparison with it is neither true nor false.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine::detail {

/// The driver series an expression is evaluated for.
struct Ctx {
  std::uint32_t series = kNone;
  std::span<const LabelPair> labels;
  double value = kMissing;  // the driver series' current value
  Date date;                // the driver series' current sample date
};

/// The first look-back of an evaluation that found no figure to compare with, so the rule can
/// say why it could not decide.
struct MissingLookback {
  bool missing = false;
  std::uint32_t metric = kNone;
  Duration window;
  Date wanted;                      // the date one window back
  std::int32_t tolerance_days = 0;  // calendar windows: how far from `wanted` a figure may be
  std::int64_t have = 0;            // how many figures the series has up to now
  bool older_data = false;          // calendar windows: the series has figures before `wanted`
};

class ExpressionEvaluator {
 public:
  ExpressionEvaluator(const Program& program, SeriesStore& store) : program_(program), store_(store) {}

  double eval(const ExprProgram& prog, std::uint32_t node, const Ctx& ctx);
  Ctx context_for(std::uint32_t series) const;
  static bool truthy(double v) { return v == v && v != 0; }

  /// Cleared by the caller before an evaluation it wants explained.
  MissingLookback missing;

 private:
  std::uint32_t resolve(const MetricRef& ref, const Ctx& ctx);
  double history_value(const ExprNode& node, std::uint32_t series);

  const Program& program_;
  SeriesStore& store_;
  std::vector<LabelPair> pairs_scratch_;
};

/// The value of `name` in a label set, or kNone.
inline std::uint32_t label_value(std::span<const LabelPair> labels, std::uint32_t name) {
  for (const LabelPair& p : labels)
    if (p.name == name) return p.value;
  return kNone;
}

}  // namespace bandwatch::engine::detail
