// Expression evaluation: arithmetic and comparisons (three-valued), label tests, joins to other
// metrics, calendar ages and the look-backs over a series' history.
#include "expression.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace bandwatch::engine::detail {
namespace {

template <typename T>
bool holds(Node op, const T& a, const T& b) {
  switch (op) {
    case Node::less: return a < b;
    case Node::less_equal: return a <= b;
    case Node::greater: return a > b;
    case Node::greater_equal: return a >= b;
    case Node::equal: return a == b;
    case Node::not_equal: return a != b;
    default: return false;
  }
}

/// Three-valued comparison: a missing operand gives a missing result.
double compare(Node op, double a, double b) {
  if (a != a || b != b) return kMissing;
  return holds(op, a, b);
}

bool matchers_hold(const MetricRef& ref, std::span<const LabelPair> labels) {
  for (const LabelPair& m : ref.eq)
    if (label_value(labels, m.name) != m.value) return false;
  for (const LabelPair& m : ref.ne)
    if (label_value(labels, m.name) == m.value) return false;
  return true;
}

}  // namespace

Ctx ExpressionEvaluator::context_for(std::uint32_t sid) const {
  const Series& s = store_.series[sid];
  Ctx ctx;
  ctx.series = sid;
  ctx.labels = store_.label_sets.get(s.labels);
  ctx.date = store_.metrics[s.metric].snapshot;
  ctx.value = store_.current_value(sid);
  return ctx;
}

std::uint32_t ExpressionEvaluator::resolve(const MetricRef& ref, const Ctx& ctx) {
  switch (ref.join) {
    case Join::self:
      return matchers_hold(ref, ctx.labels) ? ctx.series : kNone;
    case Join::scalar: {
      const MetricState& m = store_.metrics[ref.metric];
      return m.current.empty() ? kNone : m.current.front();
    }
    case Join::project: {
      const MetricDef& m = program_.metrics[ref.metric];
      auto& pairs = pairs_scratch_;
      pairs.clear();
      for (std::uint32_t name : m.labels) {
        std::uint32_t value = kNone;
        for (const LabelPair& e : ref.eq)
          if (e.name == name) value = e.value;
        if (value == kNone) value = label_value(ctx.labels, name);
        if (value != kNone) pairs.push_back({name, value});
      }
      std::uint32_t ls = store_.label_sets.find(pairs);
      if (ls == kNone) return kNone;
      std::uint32_t sid = store_.find_series(ref.metric, ls);
      if (sid == kNone || !matchers_hold(ref, store_.label_sets.get(ls))) return kNone;
      return sid;
    }
  }
  return kNone;
}

double ExpressionEvaluator::history_value(const ExprNode& node, std::uint32_t sid) {
  const Series& s = store_.series[sid];
  const MetricState& m = store_.metrics[s.metric];
  if (!m.has_snapshot) return kMissing;
  const auto& h = s.history;
  std::ptrdiff_t i = static_cast<std::ptrdiff_t>(h.size()) - 1;
  while (i >= 0 && h[static_cast<std::size_t>(i)].date > m.snapshot) --i;
  if (i < 0 || h[static_cast<std::size_t>(i)].date != m.snapshot) return kMissing;
  const Point& cur = h[static_cast<std::size_t>(i)];
  const Duration& d = node.duration;
  bool returns = counts_returns(d.unit);
  auto note_missing = [&](Date wanted) {
    if (missing.missing) return;
    missing = {true, s.metric, d, wanted, node.tolerance_days, i + 1, !returns && h.front().date < wanted};
  };
  switch (node.fn) {
    case HistoryFn::pct_change:
    case HistoryFn::change:
    case HistoryFn::prev: {
      const Point* past = nullptr;
      if (returns) {
        std::ptrdiff_t j = i - static_cast<std::ptrdiff_t>(d.amount);
        if (j >= 0) past = &h[static_cast<std::size_t>(j)];
        else note_missing(cur.date);
      } else {
        // The figure nearest the date one window back, within the tolerance either side: a
        // year-on-year change compares with the same point a year earlier or with nothing.
        std::optional<Date> target = subtract(cur.date, d);
        if (!target) return kMissing;
        std::int32_t best = node.tolerance_days + 1;
        for (std::ptrdiff_t j = i - 1; j >= 0; --j) {
          const Point& p = h[static_cast<std::size_t>(j)];
          std::int32_t distance = std::abs(p.date.days_since_epoch - target->days_since_epoch);
          if (distance < best) {  // on a tie the later figure, met first, stays
            best = distance;
            past = &p;
          }
          if (p.date.days_since_epoch < target->days_since_epoch - node.tolerance_days) break;
        }
        if (!past) note_missing(*target);
      }
      if (!past) return kMissing;
      if (node.fn == HistoryFn::prev) return past->value;
      if (node.fn == HistoryFn::change) return cur.value - past->value;
      if (past->value == 0) return kMissing;
      return 100.0 * (cur.value - past->value) / std::fabs(past->value);
    }
    case HistoryFn::avg_over:
    case HistoryFn::sum_over:
    case HistoryFn::min_over:
    case HistoryFn::max_over: {
      // A window is read only when the history covers it: `min_over(caseload, 2 returns) > 20`
      // needs two returns, and a worker's first return alone does not make it hold.
      std::ptrdiff_t first = i;
      if (returns) {
        first = i - static_cast<std::ptrdiff_t>(d.amount) + 1;
        if (first < 0) {
          note_missing(cur.date);
          return kMissing;
        }
      } else {
        std::optional<Date> start = subtract(cur.date, d);
        if (!start) return kMissing;
        if (h.front().date.days_since_epoch > start->days_since_epoch + node.tolerance_days) {
          note_missing(*start);
          return kMissing;
        }
        while (first > 0 && h[static_cast<std::size_t>(first - 1)].date > *start) --first;
      }
      double sum = 0, lo = cur.value, hi = cur.value;
      for (std::ptrdiff_t j = first; j <= i; ++j) {
        double v = h[static_cast<std::size_t>(j)].value;
        sum += v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      double n = static_cast<double>(i - first + 1);
      if (node.fn == HistoryFn::avg_over) return sum / n;
      if (node.fn == HistoryFn::sum_over) return sum;
      return node.fn == HistoryFn::min_over ? lo : hi;
    }
  }
  return kMissing;
}

double ExpressionEvaluator::eval(const ExprProgram& prog, std::uint32_t n, const Ctx& ctx) {
  const ExprNode& node = prog.nodes[n];
  switch (node.op) {
    case Node::constant: return node.number;
    case Node::ref: {
      const MetricRef& ref = prog.refs[node.ref];
      if (ref.join == Join::self) return matchers_hold(ref, ctx.labels) ? ctx.value : kMissing;
      std::uint32_t sid = resolve(ref, ctx);
      return sid == kNone ? kMissing : store_.current_value(sid);
    }
    case Node::label_eq: return (label_value(ctx.labels, node.a) == node.b) != node.negated;
    case Node::label_in: {
      std::uint32_t v = label_value(ctx.labels, node.a);
      bool in = std::binary_search(node.set.begin(), node.set.end(), v);
      return in != node.negated;
    }
    case Node::labels_equal: {
      std::uint32_t a = label_value(ctx.labels, node.a), b = label_value(ctx.labels, node.b);
      return (a == b) != node.negated;
    }
    case Node::add: return eval(prog, node.a, ctx) + eval(prog, node.b, ctx);
    case Node::subtract: return eval(prog, node.a, ctx) - eval(prog, node.b, ctx);
    case Node::multiply: return eval(prog, node.a, ctx) * eval(prog, node.b, ctx);
    case Node::divide: {
      double b = eval(prog, node.b, ctx);
      if (b == 0) return kMissing;
      return eval(prog, node.a, ctx) / b;
    }
    case Node::less:
    case Node::less_equal:
    case Node::greater:
    case Node::greater_equal:
    case Node::equal:
    case Node::not_equal: return compare(node.op, eval(prog, node.a, ctx), eval(prog, node.b, ctx));
    case Node::logical_and: {
      double a = eval(prog, node.a, ctx);
      if (a == 0) return 0;
      double b = eval(prog, node.b, ctx);
      if (b == 0) return 0;
      return (a != a || b != b) ? kMissing : 1;
    }
    case Node::logical_or: {
      double a = eval(prog, node.a, ctx);
      if (truthy(a)) return 1;
      double b = eval(prog, node.b, ctx);
      if (truthy(b)) return 1;
      return (a != a || b != b) ? kMissing : 0;
    }
    case Node::logical_not: {
      double a = eval(prog, node.a, ctx);
      return a != a ? kMissing : (a == 0 ? 1 : 0);
    }
    case Node::negate: return -eval(prog, node.a, ctx);
    case Node::abs_value: return std::fabs(eval(prog, node.a, ctx));
    case Node::benchmark: return program_.benchmarks[node.a].at(ctx.date);
    case Node::min2: return std::min(eval(prog, node.a, ctx), eval(prog, node.b, ctx));
    case Node::max2: return std::max(eval(prog, node.a, ctx), eval(prog, node.b, ctx));
    case Node::age_compare: {
      // `age >= 2 years`: the start is `age` days before the sample date; two years on from the
      // start, on the calendar, must have been reached by the sample date.
      double age = eval(prog, node.a, ctx);
      if (age != age) return kMissing;
      Date start{ctx.date.days_since_epoch - static_cast<std::int32_t>(std::llround(age))};
      std::optional<Date> reached = add(start, node.duration);
      if (!reached) return kMissing;
      // age OP duration  <=>  sample date OP (start + duration): same direction on dates.
      return holds(node.cmp, ctx.date, *reached);
    }
    case Node::history: {
      std::uint32_t sid = resolve(prog.refs[node.ref], ctx);
      return sid == kNone ? kMissing : history_value(node, sid);
    }
  }
  return kMissing;
}

}  // namespace bandwatch::engine::detail
