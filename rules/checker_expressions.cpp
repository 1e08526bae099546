// The checker's walk over expressions: the type and unit of each value, the labels of the series
// it yields, label matchers, operators and function calls, with a message at each mistake.
#include "checker_internal.hpp"

#include "band_coverage.hpp"

namespace bandwatch::checking {

// Recursion is safe: the parser refuses trees deeper than ast::kMaxExpressionDepth.
Info Checker::walk(const ast::Expr& expr, const Scope& scope) { return walk_node(expr, scope); }

Info Checker::walk_node(const ast::Expr& expr, const Scope& scope) {
  switch (expr.kind) {
    case ast::ExprKind::number: {
      if (expr.quantity.duration) return {of_kind(Kind::duration), {}, false};
      Type type = number(expr.quantity.unit);
      if (expr.quantity.unit == Unit::none) type.literal = expr.quantity.value;
      return {type, {}, false};
    }
    case ast::ExprKind::string: return {of_kind(Kind::text), {}, false};
    case ast::ExprKind::date: return {of_kind(Kind::date), {}, false};
    case ast::ExprKind::ref: return walk_ref(expr, scope);
    case ast::ExprKind::call:
      if (is_aggregate(expr.name)) return walk_aggregate(expr, scope);
      return walk_call(expr, scope);
    case ast::ExprKind::aggregate: return walk_aggregate(expr, scope);
    case ast::ExprKind::unary: {
      if (expr.args.empty()) return {};
      Info info = walk(expr.args[0], scope);
      if (expr.op == ast::Op::logical_not) {
        expect_condition(expr.args[0], info.type, scope, "`not` needs a condition");
        info.type = of_kind(Kind::condition);
      } else if (info.type.kind != Kind::number && info.type.kind != Kind::unknown &&
                 info.type.kind != Kind::duration) {
        report_negation(scope.file, expr.args[0], info.type);
        info.type = of_kind(Kind::unknown);
      }
      return info;
    }
    case ast::ExprKind::binary: return walk_binary(expr, scope);
    case ast::ExprKind::in_list: {
      if (expr.args.empty()) return {};
      Info info = walk(expr.args[0], scope);
      for (std::size_t i = 1; i < expr.args.size(); ++i) {
        Info item = walk(expr.args[i], scope);
        merge_labels(info, item);
        if (!compatible(info.type, item.type))
          report_incompatible(scope.file, expr.args[0], info.type, expr.args[i], item.type);
      }
      info.type = of_kind(Kind::condition);
      return info;
    }
    case ast::ExprKind::match: {
      // A mapping of extract columns; only meaningful in extracts, which are not walked.
      Info info;
      for (const ast::Expr& arg : expr.args) merge_labels(info, walk(arg, scope));
      info.type = of_kind(Kind::unknown);
      return info;
    }
  }
  return {};
}

/// Arithmetic and comparisons of series yield the union of their labels: `vacancies / establishment`
/// with vacancies per team and establishment council-wide is a per-team series, the label-less
/// side applying to every team.
void Checker::merge_labels(Info& into, const Info& from) {
  add_all(into.labels, from.labels);
  into.labels_open = into.labels_open || from.labels_open;
}

void Checker::expect_condition(const ast::Expr& expr, const Type& type, const Scope& scope,
                               std::string_view what) {
  if (type.kind == Kind::condition || type.kind == Kind::unknown) return;
  error(scope.file, expr.loc,
        std::string(what) + "; " + operand(expr, type) +
            " is a value, not a condition (compare it, e.g. `> 20`)");
}

/// Matchers `metric{label="v"}` may only name labels the metric carries.
void Checker::check_matchers(const std::vector<ast::LabelMatcher>& matchers, const std::string& owner,
                             const Labels& labels, bool open, std::size_t file) {
  if (open) return;
  for (const ast::LabelMatcher& matcher : matchers)
    if (!has(labels, matcher.label)) error(file, matcher.loc, no_label(owner, matcher.label, labels));
}

/// "metric 'caseload' has no label 'tem'; did you mean 'team'?"
std::string Checker::no_label(const std::string& owner, const std::string& label,
                              const Labels& labels) {
  std::string message = owner + " has no label " + quoted(label);
  std::string hint = suggestion(label, labels);
  if (!hint.empty()) return message + hint;
  if (labels.empty()) return message + "; it carries no labels";
  return message + "; it carries " + joined(labels);
}

Info Checker::walk_ref(const ast::Expr& expr, const Scope& scope) {
  if (std::size_t dot = expr.name.find('.'); dot != std::string::npos)
    return walk_benchmark_ref(expr, dot, scope);

  if (scope.context == Context::band_scope) {
    // A band scope picks label sets of the indicator's own series: only labels make sense.
    if (has(scope.labels, expr.name) || (scope.labels_open && all_labels_.count(expr.name)))
      return {of_kind(Kind::text), {}, false};
    error(scope.file, expr.loc, no_label(scope.owner, expr.name, scope.labels));
    return {};
  }

  if (MetricInfo* info = metric(expr.name)) {
    Info out{metric_type(*info), info->labels, info->labels_open};
    check_matchers(expr.matchers, "metric " + quoted(expr.name), info->labels, info->labels_open,
                   scope.file);
    return out;
  }
  if (scope.permissive) {
    // A name that is neither a metric nor any label is an error the loud pass reports; until
    // it is fixed the series' labels are unknown, and guessing them would cascade errors.
    return {of_kind(Kind::text), {}, all_labels_.count(expr.name) == 0};
  }
  if (has(scope.labels, expr.name) || (scope.labels_open && all_labels_.count(expr.name)))
    return {of_kind(Kind::text), {}, false};
  if (all_labels_.count(expr.name) && !scope.labels_open) {
    std::string message = scope.owner + " does not carry label " + quoted(expr.name);
    message += scope.labels.empty() ? "; its metrics carry no labels"
                                    : "; its metrics carry " + joined(scope.labels);
    message += " (a rule's conditions read the labels of the metrics it compares)";
    error(scope.file, expr.loc, message);
    return {};
  }
  std::vector<std::string> candidates = metric_list_;
  candidates.insert(candidates.end(), scope.labels.begin(), scope.labels.end());
  std::string hint = suggestion(expr.name, candidates);
  if (hint.empty())
    hint = ": declare it (`metric " + expr.name + " { unit count }`), or check its spelling";
  error(scope.file, expr.loc, "unknown metric or label " + quoted(expr.name) + hint);
  return {};
}

std::string Checker::entry_of(const std::string& dotted, std::size_t dot) { return dotted.substr(dot + 1); }

/// `england.icpc_timeliness`: a benchmark's value for an indicator or metric.
Info Checker::walk_benchmark_ref(const ast::Expr& expr, std::size_t dot, const Scope& scope) {
  std::string name = expr.name.substr(0, dot);
  std::string entry = expr.name.substr(dot + 1);
  auto it = benchmarks_.find(name);
  if (it == benchmarks_.end()) {
    if (!scope.permissive)
      error(scope.file, expr.loc,
            "unknown benchmark " + quoted(name) +
                (suggestion(name, benchmark_list_).empty()
                     ? ": declare it (`benchmark " + name + " { " + entry_of(expr.name, dot) + " VALUE }`)"
                     : suggestion(name, benchmark_list_)));
    return {};
  }
  const auto* benchmark = static_cast<const ast::BenchmarkDecl*>(it->second.decl);
  std::vector<std::string> entries;
  for (const ast::BenchmarkEntry& candidate : benchmark->entries) {
    if (candidate.indicator == entry) {
      Type type = number(candidate.quantity.unit);
      if (candidate.quantity.unit == Unit::none)
        if (MetricInfo* info = metric(entry)) type = metric_type(*info);
      return {type, {}, false};
    }
    entries.push_back(candidate.indicator);
  }
  Location at = expr.loc;
  at.column += static_cast<std::uint32_t>(dot + 1);
  std::string hint = suggestion(entry, entries);
  if (hint.empty()) hint = ": add `" + entry + " VALUE` to benchmark " + quoted(name);
  error(scope.file, at, "benchmark " + quoted(name) + " has no value for " + quoted(entry) + hint);
  return {};
}

Info Checker::walk_aggregate(const ast::Expr& expr, const Scope& scope) {
  Info inner;
  for (const ast::Expr& arg : expr.args) {
    Info info = walk(arg, scope);
    merge_labels(inner, info);
    inner.type = info.type;
  }
  if (expr.args.size() != 1)
    error(scope.file, expr.loc,
          expr.name + " takes one metric, as in `" + expr.name + "(open_case) by (team)`");
  Info out;
  for (const std::string& label : expr.by) {
    if (!inner.labels_open && !has(inner.labels, label)) {
      std::string what = expr.args.size() == 1 && expr.args[0].kind == ast::ExprKind::ref
                             ? "metric " + quoted(expr.args[0].name)
                             : "the series of " + expr.name + "(...)";
      error(scope.file, expr.loc, "cannot group by " + quoted(label) + ": " + no_label(what, label, inner.labels));
      continue;
    }
    add(out.labels, label);
  }
  out.labels_open = false;
  if (expr.name == "count") {
    out.type = number(Unit::count);
  } else if (expr.name == "share") {
    out.type = number(Unit::percent);
  } else {
    out.type = inner.type;
    out.type.literal.reset();
  }
  return out;
}

Info Checker::walk_call(const ast::Expr& expr, const Scope& scope) {
  Info out;
  std::vector<Type> types;
  for (const ast::Expr& arg : expr.args) {
    Info info = walk(arg, scope);
    merge_labels(out, info);
    types.push_back(info.type);
  }
  const Function* function = find_function(expr.name);
  if (!function) {
    error(scope.file, expr.loc,
          "unknown function " + quoted(expr.name) + suggestion(expr.name, function_names()));
    return out;
  }
  if (expr.args.size() < function->min_args || expr.args.size() > function->max_args) {
    error(scope.file, expr.loc,
          std::string(function->name) + " takes " +
              (function->min_args == function->max_args
                   ? std::to_string(function->min_args)
                   : std::to_string(function->min_args) + " or " +
                         std::to_string(function->max_args)) +
              (function->max_args == 1 ? " argument" : " arguments") + ", not " +
              std::to_string(expr.args.size()) + ": " + std::string(function->usage));
    return out;
  }
  if (function->second_is_duration && types.size() >= 2 && types[1].kind != Kind::duration &&
      types[1].kind != Kind::unknown)
    error(scope.file, expr.args[1].loc,
          "the second argument of " + std::string(function->name) +
              " is a look-back period such as `1 year`, not " + operand(expr.args[1], types[1]));
  if (function->second_is_duration && types.size() >= 3 && types[2].kind != Kind::duration &&
      types[2].kind != Kind::unknown)
    error(scope.file, expr.args[2].loc,
          "the third argument of " + std::string(function->name) +
              " is how far from one window back a figure may lie, such as `45 days`, not " +
              operand(expr.args[2], types[2]));
  switch (function->result) {
    case Result::percent: out.type = number(Unit::percent); break;
    case Result::days: out.type = number(Unit::days); break;
    case Result::same_as_first:
      out.type = types.empty() ? of_kind(Kind::unknown) : types[0];
      out.type.literal.reset();
      break;
  }
  return out;
}

Info Checker::walk_binary(const ast::Expr& expr, const Scope& scope) {
  if (expr.args.size() != 2) return {};
  Info a = walk(expr.args[0], scope);
  Info b = walk(expr.args[1], scope);
  Info out;
  merge_labels(out, a);
  merge_labels(out, b);
  out.type = binary_type(expr, a.type, b.type, scope);
  return out;
}

/// Kept out of the recursive frames (expressions nest up to ast::kMaxExpressionDepth): the messages need sizeable locals.
Type Checker::binary_type(const ast::Expr& expr, const Type& a, const Type& b,
                          const Scope& scope) {
  const ast::Expr& left = expr.args[0];
  const ast::Expr& right = expr.args[1];
  if (expr.op == ast::Op::logical_and || expr.op == ast::Op::logical_or) {
    std::string what = "`" + std::string(ast::to_string(expr.op)) + "` joins conditions";
    expect_condition(left, a, scope, what);
    expect_condition(right, b, scope, what);
    return of_kind(Kind::condition);
  }
  if (is_comparison(expr.op)) {
    if (!compatible(a, b)) report_incompatible(scope.file, left, a, right, b);
    return of_kind(Kind::condition);
  }
  return arithmetic(expr, a, b, scope.file);
}

void Checker::report_negation(std::size_t file, const ast::Expr& expr, const Type& type) {
  error(file, expr.loc, "cannot negate " + operand(expr, type));
}

void Checker::report_incompatible(std::size_t file, const ast::Expr& left, const Type& a,
                                  const ast::Expr& right, const Type& b) {
  std::string message = "cannot compare " + operand(left, a) + " with " + operand(right, b);
  // Name the fix: a figure in the left side's unit (`caseload > 20`, not `> 20%`).
  if (a.kind == Kind::number && a.unit != Unit::none && !a.ratio && b.kind == Kind::number &&
      right.kind == ast::ExprKind::number)
    message += ": compare it with a figure in " + describe(a) + ", e.g. " +
               format_amount(right.quantity.value, a.unit);
  else if (a.kind == Kind::number && b.kind == Kind::duration)
    message += ": a length of time compares only with an age in days (a metric with `unit days`)";
  error(file, right.loc, message);
}

Type Checker::arithmetic(const ast::Expr& expr, const Type& a, const Type& b, std::size_t file) {
  const ast::Expr& left = expr.args[0];
  const ast::Expr& right = expr.args[1];
  auto fail = [&](std::string verb, std::string_view joiner, bool swap) {
    std::string x = operand(swap ? right : left, swap ? b : a);
    std::string y = operand(swap ? left : right, swap ? a : b);
    error(file, right.loc, "cannot " + verb + " " + x + " " + std::string(joiner) + " " + y);
    return of_kind(Kind::unknown);
  };
  bool a_known = a.kind != Kind::unknown;
  bool b_known = b.kind != Kind::unknown;
  auto not_arithmetic = [](const Type& t) {
    return t.kind == Kind::text || t.kind == Kind::condition;
  };
  switch (expr.op) {
    case ast::Op::add:
    case ast::Op::subtract: {
      bool add = expr.op == ast::Op::add;
      if (not_arithmetic(a) || not_arithmetic(b) || !compatible(a, b))
        return add ? fail("add", "to", true) : fail("subtract", "from", true);
      if (!a_known || !b_known) return of_kind(Kind::unknown);
      if (a.kind == Kind::date && b.kind == Kind::date)
        return add ? fail("add", "to", true) : number(Unit::days);
      if (a.kind == Kind::number && b.kind == Kind::number) {
        if (a.unit == Unit::none && b.unit == Unit::none) {
          Type type = number(Unit::none);
          if (a.literal && b.literal) type.literal = add ? *a.literal + *b.literal : *a.literal - *b.literal;
          return type;
        }
        Type type = a.unit == Unit::none ? b : a;
        type.literal.reset();
        return type;
      }
      if (a.kind == Kind::number || b.kind == Kind::number) return number(Unit::days);
      return of_kind(Kind::duration);
    }
    case ast::Op::multiply: {
      if (not_arithmetic(a) || not_arithmetic(b)) return fail("multiply", "by", false);
      if (!a_known || !b_known) return of_kind(Kind::unknown);
      if (a.kind != Kind::number || b.kind != Kind::number) return of_kind(Kind::unknown);
      if (a.unit == Unit::none && b.unit == Unit::none) {
        Type type = number(Unit::none);
        if (a.literal && b.literal) type.literal = *a.literal * *b.literal;
        return type;
      }
      const Type& scaled = a.unit == Unit::none ? b : a;
      const Type& factor = a.unit == Unit::none ? a : b;
      if (factor.unit != Unit::none) return of_kind(Kind::unknown);  // count * gbp: no unit
      if (scaled.ratio && factor.literal) {
        if (*factor.literal == 100) return number(Unit::percent);
        if (*factor.literal == 10000) return number(Unit::rate_per_10k);
      }
      Type type = scaled;
      type.literal.reset();
      return type;
    }
    case ast::Op::divide: {
      if (not_arithmetic(a) || not_arithmetic(b)) return fail("divide", "by", false);
      if (!a_known || !b_known) return of_kind(Kind::unknown);
      if (a.kind != Kind::number || b.kind != Kind::number) return of_kind(Kind::unknown);
      if (b.unit == Unit::none && !b.ratio) {
        if (a.unit == Unit::none) {
          Type type = number(Unit::none);
          if (a.literal && b.literal && *b.literal != 0) type.literal = *a.literal / *b.literal;
          return type;
        }
        Type type = a;
        type.literal.reset();
        return type;
      }
      if (a.unit == b.unit && !a.ratio && !b.ratio) {
        Type type = number(Unit::number);
        type.ratio = true;
        return type;
      }
      return of_kind(Kind::unknown);  // £ per child, and the like: no unit we name
    }
    default: return of_kind(Kind::unknown);
  }
}

}  // namespace bandwatch::checking
