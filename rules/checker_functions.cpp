// The functions a rule or derived metric may call. Extract expressions are mappings of columns
// and are left to the importer.
#include "checker_internal.hpp"

#include <algorithm>
#include <iterator>

namespace bandwatch::checking {

namespace {

constexpr Function kFunctions[] = {
    {"pct_change", 2, 3, Result::percent, true, "pct_change(metric, 1 year) or pct_change(metric, 1 year, 45 days)"},
    {"change", 2, 3, Result::same_as_first, true, "change(metric, 1 year) or change(metric, 1 year, 45 days)"},
    {"prev", 1, 3, Result::same_as_first, true, "prev(metric), prev(metric, 1 year) or prev(metric, 1 year, 45 days)"},
    {"avg_over", 2, 2, Result::same_as_first, true, "avg_over(metric, 3 months)"},
    {"sum_over", 2, 2, Result::same_as_first, true, "sum_over(metric, 3 months)"},
    {"min_over", 2, 2, Result::same_as_first, true, "min_over(metric, 3 months)"},
    {"max_over", 2, 2, Result::same_as_first, true, "max_over(metric, 3 months)"},
    {"age", 1, 1, Result::days, false, "age(metric)"},
    {"abs", 1, 1, Result::same_as_first, false, "abs(expression)"},
};

constexpr std::string_view kAggregates[] = {"count", "sum", "avg", "min", "max", "share"};

}  // namespace

bool is_aggregate(std::string_view name) {
  return std::find(std::begin(kAggregates), std::end(kAggregates), name) != std::end(kAggregates);
}

const Function* find_function(std::string_view name) {
  for (const Function& function : kFunctions)
    if (function.name == name) return &function;
  return nullptr;
}

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  for (const Function& function : kFunctions) names.emplace_back(function.name);
  for (std::string_view name : kAggregates) names.emplace_back(name);
  return names;
}

}  // namespace bandwatch::checking
