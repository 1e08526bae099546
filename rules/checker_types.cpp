// The kinds and units of values, how they combine, and how a message names them
// (checker_internal.hpp).
#include "checker_internal.hpp"

#include "band_coverage.hpp"

namespace bandwatch::checking {

Type number(Unit unit) { return Type{Kind::number, unit, false, std::nullopt}; }
Type of_kind(Kind kind) { return Type{kind, Unit::none, false, std::nullopt}; }

/// What a value is, for messages: "percent", "a duration", "text".
std::string describe(const Type& type) {
  switch (type.kind) {
    case Kind::unknown: return "unknown";
    case Kind::number:
      if (type.ratio) return "a ratio";
      if (type.unit == Unit::none) return "a number";
      return std::string(ast::to_string(type.unit));
    case Kind::duration: return "a duration";
    case Kind::date: return "a date";
    case Kind::text: return "text";
    case Kind::condition: return "a condition";
  }
  return "unknown";
}

/// How an operand reads in a message: `caseload (count)`, `20% (percent)`, `"x" (text)`.
std::string operand(const ast::Expr& expr, const Type& type) {
  std::string spelling;
  switch (expr.kind) {
    case ast::ExprKind::ref: spelling = expr.name; break;
    case ast::ExprKind::number:
      spelling = expr.quantity.text.empty() ? format_amount(expr.quantity.value, expr.quantity.unit)
                                            : expr.quantity.text;
      break;
    case ast::ExprKind::string: spelling = "\"" + expr.name + "\""; break;
    case ast::ExprKind::date: spelling = expr.date.iso(); break;
    case ast::ExprKind::call:
    case ast::ExprKind::aggregate: spelling = expr.name + "(...)"; break;
    default: return "the expression (" + describe(type) + ")";
  }
  return spelling + " (" + describe(type) + ")";
}

/// Whether two values may be compared (or added): a unit-less literal fits any unit; an age in
/// days may be compared with a duration (`cp_plan_age >= 2 years` is measured on the calendar).
bool compatible(const Type& a, const Type& b) {
  if (a.kind == Kind::unknown || b.kind == Kind::unknown) return true;
  if (a.kind == Kind::number && b.kind == Kind::number)
    return a.unit == Unit::none || b.unit == Unit::none || (a.unit == b.unit && a.ratio == b.ratio);
  if (a.kind == Kind::number && b.kind == Kind::duration)
    return a.unit == Unit::none || a.unit == Unit::days;
  if (a.kind == Kind::duration && b.kind == Kind::number)
    return b.unit == Unit::none || b.unit == Unit::days;
  return a.kind == b.kind;
}

/// Why a value in `unit` (or a ratio) cannot be declared in `declared`, or nullopt when it can.
/// A ratio of counts is a fraction of 1, so declaring it a percent would show 0.95 as 0.95%.
std::optional<std::string> disagreement(Unit declared, Unit unit, bool ratio) {
  if (ratio) {
    if (declared == Unit::number || declared == Unit::none) return std::nullopt;
    std::string what = "a ratio (a fraction of 1)";
    if (declared == Unit::percent) return what + "; multiply it by 100 for a percent";
    if (declared == Unit::rate_per_10k) return what + "; multiply it by 10000 for a rate per 10,000";
    return what;
  }
  if (unit == Unit::none || declared == Unit::none || unit == declared) return std::nullopt;
  return std::string(ast::to_string(unit));
}

bool is_comparison(ast::Op op) {
  switch (op) {
    case ast::Op::less:
    case ast::Op::less_equal:
    case ast::Op::greater:
    case ast::Op::greater_equal:
    case ast::Op::equal:
    case ast::Op::not_equal: return true;
    default: return false;
  }
}

}  // namespace bandwatch::checking
