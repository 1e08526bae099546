#include "rules/ast.hpp"

#include <cstdio>
#include <sstream>

namespace bandwatch::ast {

std::string_view to_string(Unit unit) {
  switch (unit) {
    case Unit::none: return "none";
    case Unit::percent: return "percent";
    case Unit::count: return "count";
    case Unit::days: return "days";
    case Unit::rate_per_10k: return "rate_per_10k";
    case Unit::gbp: return "gbp";
    case Unit::fte: return "fte";
    case Unit::number: return "number";
  }
  return "none";
}

std::string_view to_string(Better better) {
  switch (better) {
    case Better::unspecified: return "unspecified";
    case Better::higher: return "higher";
    case Better::lower: return "lower";
    case Better::closer: return "closer";
  }
  return "unspecified";
}

std::string_view to_string(Frame frame) {
  switch (frame) {
    case Frame::unspecified: return "unspecified";
    case Frame::year_to_date: return "year_to_date";
    case Frame::rolling_year: return "rolling_year";
    case Frame::quarter: return "quarter";
    case Frame::month: return "month";
    case Frame::end_of_period: return "end_of_period";
    case Frame::snapshot: return "snapshot";
  }
  return "unspecified";
}

std::string_view to_string(Colour colour) {
  switch (colour) {
    case Colour::green: return "green";
    case Colour::amber: return "amber";
    case Colour::red: return "red";
  }
  return "green";
}

std::string_view to_string(Op op) {
  switch (op) {
    case Op::none: return "";
    case Op::add: return "+";
    case Op::subtract: return "-";
    case Op::multiply: return "*";
    case Op::divide: return "/";
    case Op::less: return "<";
    case Op::less_equal: return "<=";
    case Op::greater: return ">";
    case Op::greater_equal: return ">=";
    case Op::equal: return "==";
    case Op::not_equal: return "!=";
    case Op::logical_and: return "and";
    case Op::logical_or: return "or";
    case Op::negate: return "-";
    case Op::logical_not: return "not";
  }
  return "";
}

std::optional<Unit> unit_from_string(std::string_view text) {
  for (Unit unit : {Unit::percent, Unit::count, Unit::days, Unit::rate_per_10k, Unit::gbp,
                    Unit::fte, Unit::number})
    if (to_string(unit) == text) return unit;
  return std::nullopt;
}

std::optional<Frame> frame_from_string(std::string_view text) {
  struct Alias {
    std::string_view code;
    Frame frame;
  };
  static constexpr Alias kCodes[] = {{"YD", Frame::year_to_date},
                                     {"RY", Frame::rolling_year},
                                     {"Q", Frame::quarter},
                                     {"EP", Frame::end_of_period}};
  for (const Alias& alias : kCodes)
    if (alias.code == text) return alias.frame;
  for (Frame frame : {Frame::year_to_date, Frame::rolling_year, Frame::quarter, Frame::month,
                      Frame::end_of_period, Frame::snapshot})
    if (to_string(frame) == text) return frame;
  return std::nullopt;
}

const std::string& name_of(const Item& item) {
  return std::visit([](const auto& decl) -> const std::string& { return decl.name; }, item);
}

Location location_of(const Item& item) {
  return std::visit([](const auto& decl) { return decl.loc; }, item);
}

std::string_view kind_of(const Item& item) {
  static constexpr std::string_view kKinds[] = {"metric", "indicator", "benchmark", "route",
                                                "rule",   "extract",   "test"};
  return kKinds[item.index()];
}

namespace {

// Numbers print with enough digits to distinguish any two literals a rule author could write.
std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

std::string quantity(const Quantity& q) {
  if (q.duration) return to_string(*q.duration);
  std::string out = number(q.value);
  if (q.unit != Unit::none) out += std::string(":") + std::string(to_string(q.unit));
  return out;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string matchers(const std::vector<LabelMatcher>& list) {
  if (list.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ",";
    out += list[i].label + (list[i].negated ? "!=" : "=") + quoted(list[i].value);
  }
  return out + "}";
}

template <typename T>
void field(std::ostringstream& out, std::string_view key, const std::optional<Located<T>>& value,
           auto&& show) {
  if (value) out << " " << key << "=" << show(value->value);
}

std::string bound(const std::optional<Bound>& b, bool lower) {
  if (!b) return lower ? "(-inf" : "+inf)";
  std::string q = b->benchmark.empty() ? quantity(b->quantity) : "benchmark:" + b->benchmark;
  return lower ? (b->inclusive ? "[" : "(") + q : q + (b->inclusive ? "]" : ")");
}

}  // namespace

std::string dump(const Expr& expr) {
  std::string out;
  switch (expr.kind) {
    case ExprKind::number: return quantity(expr.quantity);
    case ExprKind::string: return quoted(expr.name);
    case ExprKind::date: return "date(" + expr.date.iso() + ")";
    case ExprKind::ref: return "ref(" + expr.name + matchers(expr.matchers) + ")";
    case ExprKind::call:
    case ExprKind::aggregate: {
      out = (expr.kind == ExprKind::call ? "call(" : "agg(") + expr.name;
      for (const Expr& arg : expr.args) out += " " + dump(arg);
      if (!expr.by.empty()) {
        out += " by";
        for (const std::string& label : expr.by) out += " " + label;
      }
      return out + ")";
    }
    case ExprKind::unary: return "(" + std::string(to_string(expr.op)) + " " + dump(expr.args[0]) + ")";
    case ExprKind::binary:
      return "(" + std::string(to_string(expr.op)) + " " + dump(expr.args[0]) + " " +
             dump(expr.args[1]) + ")";
    case ExprKind::in_list: {
      out = std::string(expr.negated ? "(notin " : "(in ") + dump(expr.args[0]);
      for (std::size_t i = 1; i < expr.args.size(); ++i) out += " " + dump(expr.args[i]);
      return out + ")";
    }
    case ExprKind::match: {
      out = "match(" + dump(expr.args[0]);
      for (std::size_t i = 0; i < expr.patterns.size(); ++i)
        out += " " + quoted(expr.patterns[i]) + "->" + dump(expr.args[i + 1]);
      if (expr.has_else) out += " else->" + dump(expr.args.back());
      return out + ")";
    }
  }
  return out;
}

std::string dump(const File& file) {
  std::ostringstream out;
  auto text = [](const std::string& s) { return quoted(s); };
  auto unit = [](Unit u) { return std::string(to_string(u)); };
  auto duration = [](const Duration& d) { return to_string(d); };
  auto integer = [](std::int64_t n) { return std::to_string(n); };
  for (const Item& item : file.items) {
    out << kind_of(item) << " " << name_of(item);
    if (auto* metric = std::get_if<MetricDecl>(&item)) {
      field(out, "title", metric->title, text);
      field(out, "unit", metric->unit, unit);
      field(out, "labels", metric->labels, [](const std::vector<std::string>& labels) {
        std::string joined;
        for (const auto& label : labels) joined += (joined.empty() ? "" : ",") + label;
        return joined;
      });
      if (metric->derived) out << " = " << dump(*metric->derived);
      field(out, "expect_every", metric->expect_every, duration);
      for (const auto& route_name : metric->routes) out << " route=" << route_name.value;
    } else if (auto* indicator = std::get_if<IndicatorDecl>(&item)) {
      field(out, "title", indicator->title, text);
      field(out, "group", indicator->group, text);
      field(out, "unit", indicator->unit, unit);
      field(out, "better", indicator->better, [](Better b) { return std::string(to_string(b)); });
      if (indicator->closer_to) out << " closer_to=" << quantity(*indicator->closer_to);
      if (indicator->tolerance) out << " within=" << quantity(*indicator->tolerance);
      field(out, "frame", indicator->frame, [](Frame f) { return std::string(to_string(f)); });
      field(out, "round", indicator->round, integer);
      field(out, "decimals", indicator->decimals, integer);
      field(out, "cohort", indicator->cohort,
            [](const Cohort& c) { return c.metric + ">=" + std::to_string(c.minimum); });
      field(out, "last_year", indicator->last_year, [](const Quantity& q) { return quantity(q); });
      field(out, "note", indicator->note, text);
      field(out, "expect_every", indicator->expect_every, duration);
      for (const auto& route_name : indicator->routes) out << " route=" << route_name.value;
      field(out, "message", indicator->message, text);
      field(out, "resolved_message", indicator->resolved_message, text);
      for (const BandSet& set : indicator->band_sets) {
        out << "\n  bands";
        if (set.where) out << " where " << dump(*set.where);
        if (set.from) out << " from " << set.from->iso();
        for (const Band& band : set.bands)
          out << " " << to_string(band.colour) << bound(band.lower, true) << ","
              << bound(band.upper, false);
      }
    } else if (auto* benchmark = std::get_if<BenchmarkDecl>(&item)) {
      field(out, "title", benchmark->title, text);
      for (const BenchmarkEntry& entry : benchmark->entries) {
        out << " " << entry.indicator << "=" << quantity(entry.quantity);
        if (entry.from) out << "@" << entry.from->iso();
      }
    } else if (auto* route = std::get_if<RouteDecl>(&item)) {
      field(out, "title", route->title, text);
      field(out, "cadence", route->cadence, duration);
      for (const auto& address : route->emails) out << " email=" << address.value;
      for (const auto& url : route->teams) out << " teams=" << url.value;
    } else if (auto* rule = std::get_if<RuleDecl>(&item)) {
      field(out, "title", rule->title, text);
      if (rule->when) out << "\n  when " << dump(*rule->when);
      if (rule->unless) out << "\n  unless " << dump(*rule->unless);
      if (rule->clear_when) out << "\n  clear_when " << dump(*rule->clear_when);
      field(out, "severity", rule->severity, [](Colour c) { return std::string(to_string(c)); });
      field(out, "for", rule->for_returns, [](const Duration& d) { return to_string(d); });
      for (const Escalation& e : rule->escalations)
        out << " escalate=" << to_string(e.severity) << "/"
            << (e.when ? "when " + dump(*e.when) : to_string(e.after)) << "/" << e.to_route.value_or("");
      for (const auto& route_name : rule->routes) out << " route=" << route_name.value;
      field(out, "message", rule->message, text);
      field(out, "resolved_message", rule->resolved_message, text);
    } else if (auto* extract = std::get_if<ExtractDecl>(&item)) {
      field(out, "title", extract->title, text);
      field(out, "date_format", extract->date_format, text);
      static constexpr std::string_view kBindings[] = {"key", "label", "sample"};
      for (const Binding& binding : extract->bindings)
        out << "\n  " << kBindings[static_cast<int>(binding.kind)] << " " << binding.name << " = "
            << dump(binding.value);
      for (const Expr& filter : extract->filters) out << "\n  where " << dump(filter);
      field(out, "expect_every", extract->expect_every, duration);
      for (const auto& route_name : extract->routes) out << " route=" << route_name.value;
    } else if (auto* test = std::get_if<TestDecl>(&item)) {
      for (const auto& step : test->steps) {
        if (auto* at = std::get_if<AtStep>(&step)) {
          out << "\n  at " << at->as_of.iso();
          for (const SampleLine& sample : at->samples)
            out << " " << sample.metric << matchers(sample.labels) << "="
                << quantity(sample.value);
        } else {
          const auto& expect = std::get<ExpectStep>(step);
          static constexpr std::string_view kKinds[] = {"band", "alert", "no_alert", "value"};
          out << "\n  expect " << kKinds[static_cast<int>(expect.kind)] << " " << expect.target
              << matchers(expect.labels) << " " << expect.outcome;
          if (expect.kind == ExpectKind::value) out << quantity(expect.value);
        }
      }
    }
    out << "\n";
  }
  return out.str();
}

const Expr* first_comparison(const Expr& expr) {
  if (expr.kind == ExprKind::binary) {
    bool comparison = expr.op == Op::less || expr.op == Op::less_equal || expr.op == Op::greater ||
                      expr.op == Op::greater_equal || expr.op == Op::equal || expr.op == Op::not_equal;
    if (comparison && expr.args.size() == 2) {
      bool text = expr.args[0].kind == ExprKind::string || expr.args[1].kind == ExprKind::string;
      if (!text) return &expr;
      return nullptr;
    }
  }
  if (expr.kind != ExprKind::binary && expr.kind != ExprKind::unary) return nullptr;
  for (const Expr& arg : expr.args)
    if (const Expr* found = first_comparison(arg)) return found;
  return nullptr;
}

}  // namespace bandwatch::ast
