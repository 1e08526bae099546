#include "rules/formatter.hpp"

#include <charconv>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace bandwatch {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::Location;
using ast::Op;

struct Doc;  // text that may break over lines; see "documents" below
using Docs = std::vector<std::shared_ptr<const Doc>>;

/// A comment on a line of its own, with its source line (top-level gaps are kept).
struct OwnLineComment {
  std::uint32_t line = 0;
  std::string text;
};

// The formatter works in three steps: the tree becomes a tree of printable lines (`Line`s, each
// remembering where its construct started in the source), the comments are hung on those lines by
// line number, then everything is printed. Keeping the layout and the comment placement apart is
// what makes the placement rules easy to state and to keep idempotent.
struct Line {
  Location loc;                        // where the construct began; line 0: no position
  // The column the construct's first line starts at (the keyword; `loc` may point past it, at
  // the name). A comment after a block's last child is inside the block only when it is
  // indented deeper than this.
  std::uint32_t indent_column = 1;
  Docs head;                           // the first line, without indentation (long ones break)
  std::vector<Line> children;          // printed one level deeper
  std::optional<Docs> close;           // a block: printed after the children ("}")
  std::vector<OwnLineComment> leading;  // own-line comments before the line
  std::vector<std::string> trailing;    // comments at the end of the head line
  std::vector<OwnLineComment> end;      // own-line comments after the last child

  bool is_block() const { return close.has_value(); }
};

Docs text_docs(std::string text);

Line make_line(Location loc, std::string head) {
  Line line;
  line.loc = loc;
  line.indent_column = loc.column;
  line.head = text_docs(std::move(head));
  return line;
}

// For a construct whose position is that of a word `prefix` columns into its first line.
std::uint32_t column_before(Location loc, std::size_t prefix) {
  return loc.column > prefix ? loc.column - static_cast<std::uint32_t>(prefix) : 1;
}

Line make_block(Location loc, std::string head_without_brace) {
  Line line = make_line(loc, std::move(head_without_brace) + " {");
  line.close = text_docs("}");
  return line;
}

// Top-level blocks are positioned at their names; their lines start in column 1.
Line make_item(Location loc, std::string head_without_brace) {
  Line line = make_block(loc, std::move(head_without_brace));
  line.indent_column = 1;
  return line;
}

// ---- lexical pieces --------------------------------------------------------------------------

// The language has two escapes, `\"` and `\\`; everything else is written as is.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string number_text(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc{}) return "0";
  return std::string(buffer, end);
}

// Quantities keep the author's spelling (`£5.293m` stays `£5.293m`, not `5293000`); the
// fallback only serves trees built by hand without one.
std::string quantity_text(const ast::Quantity& quantity) {
  if (!quantity.text.empty()) {
    // `2   years` and `2\tyears` are spelt `2 years`.
    std::string out;
    for (char c : quantity.text) {
      bool blank = c == ' ' || c == '\t';
      if (!blank) out += c;
      else if (!out.empty() && out.back() != ' ') out += ' ';
    }
    return out;
  }
  if (quantity.duration) return to_string(*quantity.duration);
  switch (quantity.unit) {
    case ast::Unit::percent: return number_text(quantity.value) + "%";
    case ast::Unit::gbp: return "£" + number_text(quantity.value);
    default: return number_text(quantity.value);
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::string matchers_text(const std::vector<ast::LabelMatcher>& matchers) {
  if (matchers.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    if (i) out += ", ";
    out += matchers[i].label;
    out += matchers[i].negated ? "!=" : "=";
    out += quote(matchers[i].value);
  }
  out += '}';
  return out;
}

// ---- expressions -----------------------------------------------------------------------------

// Binding strength, loosest first, as the grammar nests its rules.
enum Precedence : int {
  kOr = 1, kAnd, kNot, kComparison, kAdditive, kMultiplicative, kUnary, kPrimary
};

int precedence(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::binary:
      switch (expr.op) {
        case Op::logical_or: return kOr;
        case Op::logical_and: return kAnd;
        case Op::add: case Op::subtract: return kAdditive;
        case Op::multiply: case Op::divide: return kMultiplicative;
        default: return kComparison;
      }
    case ExprKind::unary: return expr.op == Op::logical_not ? kNot : kUnary;
    case ExprKind::in_list: return kComparison;
    default: return kPrimary;
  }
}


// ---- documents ------------------------------------------------------------------------------

// An expression too long for its line breaks before its `and`s and `or`s. The classic way to get
// that right is a small document language (Wadler's "prettier printer"): text, places that are a
// space or a line break, and groups whose breaks are all taken or none. The output depends only
// on the tree and the column the expression starts at, which keeps formatting idempotent.
struct Doc;
using DocPtr = std::shared_ptr<const Doc>;
using Docs = std::vector<DocPtr>;

struct Doc {
  enum class Kind : std::uint8_t { text, line, concat, group, nest };
  Kind kind = Kind::text;
  std::string text;
  int indent = 0;  // nest: added to the indentation of the lines inside
  Docs parts;
};

DocPtr doc(Doc::Kind kind, std::string text = {}, Docs parts = {}, int indent = 0) {
  auto out = std::make_shared<Doc>();
  out->kind = kind;
  out->text = std::move(text);
  out->parts = std::move(parts);
  out->indent = indent;
  return out;
}
DocPtr doc_text(std::string text) { return doc(Doc::Kind::text, std::move(text)); }
DocPtr doc_line() { return doc(Doc::Kind::line); }
DocPtr doc_concat(Docs parts) { return doc(Doc::Kind::concat, {}, std::move(parts)); }
DocPtr doc_group(Docs parts) { return doc(Doc::Kind::group, {}, std::move(parts)); }
DocPtr doc_nest(int indent, Docs parts) { return doc(Doc::Kind::nest, {}, std::move(parts), indent); }

/// The widest a line may be before an expression on it breaks.
constexpr int kWidth = 100;

// Columns, not bytes: `£` is two bytes of UTF-8 and one column.
int display_width(std::string_view text) {
  int width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

struct DocFrame {
  int indent;
  bool flat;
  const Doc* doc;
};

void push_parts(std::vector<DocFrame>& stack, const DocFrame& frame, int indent) {
  for (auto it = frame.doc->parts.rbegin(); it != frame.doc->parts.rend(); ++it)
    stack.push_back({indent, frame.flat, it->get()});
}

// Whether `next`, laid flat, and what follows it up to the next line break fit in `remaining`.
bool fits(DocFrame next, const std::vector<DocFrame>& rest, int remaining) {
  std::vector<DocFrame> stack{next};
  std::size_t rest_index = rest.size();
  while (remaining >= 0) {
    if (stack.empty()) {
      if (rest_index == 0) return true;
      stack.push_back(rest[--rest_index]);
      continue;
    }
    DocFrame frame = stack.back();
    stack.pop_back();
    switch (frame.doc->kind) {
      case Doc::Kind::text: remaining -= display_width(frame.doc->text); break;
      case Doc::Kind::line:
        if (!frame.flat) return true;
        remaining -= 1;
        break;
      case Doc::Kind::concat:
      case Doc::Kind::group: push_parts(stack, frame, frame.indent); break;
      case Doc::Kind::nest: push_parts(stack, frame, frame.indent + frame.doc->indent); break;
    }
  }
  return false;
}

/// Lays `docs` out starting at `column`, breaking lines at `indent` plus their nesting.
std::string render(const Docs& docs, int column, int indent, int width = kWidth) {
  Doc root;
  root.kind = Doc::Kind::concat;
  root.parts = docs;
  std::string out;
  std::vector<DocFrame> stack{{indent, false, &root}};
  while (!stack.empty()) {
    DocFrame frame = stack.back();
    stack.pop_back();
    switch (frame.doc->kind) {
      case Doc::Kind::text:
        out += frame.doc->text;
        column += display_width(frame.doc->text);
        break;
      case Doc::Kind::line:
        if (frame.flat) {
          out += ' ';
          column += 1;
        } else {
          out += '\n';
          out.append(static_cast<std::size_t>(frame.indent), ' ');
          column = frame.indent;
        }
        break;
      case Doc::Kind::concat: push_parts(stack, frame, frame.indent); break;
      case Doc::Kind::group: {
        DocFrame flat{frame.indent, true, frame.doc};
        if (!frame.flat && !fits(flat, stack, width - column)) flat.flat = false;
        push_parts(stack, flat, frame.indent);
        break;
      }
      case Doc::Kind::nest: push_parts(stack, frame, frame.indent + frame.doc->indent); break;
    }
  }
  return out;
}

// Prints an expression into the head of a Line. A `match` is written one arm per line, which
// needs a block: the first match of an expression turns its Line into one (arms as children,
// whatever follows the match goes after the closing brace). A match inside `and`/`or`, any
// further match in the same expression, or any match when there is no Line to turn into a
// block, is written inline.
class ExprPrinter {
 public:
  ExprPrinter(Line* line, Docs* out) : line_(line), out_(out) {}

  void print(const Expr& expr, int min_precedence) {
    bool parens = precedence(expr) < min_precedence;
    if (parens) emit("(");
    print_bare(expr);
    if (parens) emit(")");
  }

  /// Where the text after the expression goes (after a match block's closing brace, if any).
  Docs& tail() { return *out_; }

 private:
  void emit(std::string text) { out_->push_back(doc_text(std::move(text))); }

  void print_list(const std::vector<Expr>& exprs, std::size_t first) {
    for (std::size_t i = first; i < exprs.size(); ++i) {
      if (i > first) emit(", ");
      print(exprs[i], kOr);
    }
  }

  static void flatten(const Expr& expr, Op op, std::vector<const Expr*>& operands) {
    if (expr.kind == ExprKind::binary && expr.op == op && expr.args.size() == 2) {
      flatten(expr.args[0], op, operands);
      operands.push_back(&expr.args[1]);
    } else {
      operands.push_back(&expr);
    }
  }

  // `a and b or c` is where readers go wrong: an `and` inside an `or` keeps parentheses, the one
  // exception to minimal parentheses. A long chain breaks before every operator or not at all.
  void print_chain(const Expr& expr) {
    std::vector<const Expr*> operands;
    flatten(expr.args[0], expr.op, operands);
    operands.push_back(&expr.args[1]);
    int min_precedence = expr.op == Op::logical_or ? kAnd + 1 : kAnd;
    Docs chain;
    Docs* saved = out_;
    ++chain_depth_;
    for (std::size_t i = 0; i < operands.size(); ++i) {
      if (i) {
        chain.push_back(doc_line());
        chain.push_back(doc_text(std::string(ast::to_string(expr.op)) + " "));
      }
      Docs operand;
      out_ = &operand;
      print(*operands[i], i == 0 ? min_precedence : std::max(min_precedence, kAnd + 1));
      chain.push_back(doc_concat(std::move(operand)));
    }
    --chain_depth_;
    out_ = saved;
    // Continuation lines sit two levels in at the top, one more level per nested chain.
    out_->push_back(doc_group({doc_nest(chain_depth_ == 0 ? 4 : 2, std::move(chain))}));
  }

  void print_bare(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::number: emit(quantity_text(expr.quantity)); return;
      case ExprKind::string: emit(quote(expr.name)); return;
      case ExprKind::date: emit(expr.date.iso()); return;
      case ExprKind::ref: emit(expr.name + matchers_text(expr.matchers)); return;
      case ExprKind::call:
      case ExprKind::aggregate:
        emit(expr.name + "(");
        print_list(expr.args, 0);
        emit(")");
        if (!expr.by.empty()) emit(" by (" + join(expr.by, ", ") + ")");
        return;
      case ExprKind::unary:
        if (expr.args.empty()) return;
        if (expr.op == Op::logical_not) {
          emit("not ");
          print(expr.args[0], kNot);
        } else {
          emit("-");
          // A minus glued to a number is part of the literal (`-5` is one number, not the
          // negation of 5), and `--x` reads badly: parenthesise such operands.
          const Expr& operand = expr.args[0];
          bool glued = operand.kind == ExprKind::number || operand.kind == ExprKind::date ||
                       (operand.kind == ExprKind::unary && operand.op == Op::negate);
          print(operand, glued ? kPrimary + 1 : kUnary);
        }
        return;
      case ExprKind::binary: {
        if (expr.args.size() < 2) return;
        if (expr.op == Op::logical_and || expr.op == Op::logical_or) return print_chain(expr);
        int own = precedence(expr);
        // Left-associative operators chain on the left; comparisons do not chain at all.
        print(expr.args[0], own == kComparison ? own + 1 : own);
        emit(" " + std::string(ast::to_string(expr.op)) + " ");
        print(expr.args[1], own + 1);
        return;
      }
      case ExprKind::in_list:
        if (expr.args.empty()) return;
        print(expr.args[0], kAdditive);
        emit(expr.negated ? " not in (" : " in (");
        print_list(expr.args, 1);
        emit(")");
        return;
      case ExprKind::match:
        print_match(expr);
        return;
    }
  }

  std::string arm_pattern(const Expr& expr, std::size_t arm) const {
    bool is_else = expr.has_else && arm + 2 == expr.args.size();
    if (is_else || arm >= expr.patterns.size()) return "else";
    return quote(expr.patterns[arm]);
  }

  void print_match(const Expr& expr) {
    if (expr.args.empty()) return;
    emit("match(");
    print(expr.args[0], kOr);
    emit(") {");
    bool as_block = line_ != nullptr && !line_->is_block() && out_ == &line_->head &&
                    chain_depth_ == 0;
    if (!as_block) {
      for (std::size_t arm = 0; arm + 1 < expr.args.size(); ++arm) {
        emit(" " + arm_pattern(expr, arm) + " -> ");
        print(expr.args[arm + 1], kOr);
      }
      emit(" }");
      return;
    }
    for (std::size_t arm = 0; arm + 1 < expr.args.size(); ++arm) {
      const Expr& result = expr.args[arm + 1];
      std::string pattern = arm_pattern(expr, arm) + " -> ";
      Line arm_line = make_line(result.loc, pattern);
      arm_line.indent_column = column_before(result.loc, pattern.size());
      ExprPrinter inner(&arm_line, &arm_line.head);
      inner.print(result, kOr);
      line_->children.push_back(std::move(arm_line));
    }
    line_->close = Docs{doc_text("}")};
    out_ = &*line_->close;
  }

  Line* line_;
  Docs* out_;
  int chain_depth_ = 0;
};

/// `keyword expr` as one Line (several when the expression holds a match). `loc` is the
/// construct's position, `prefix` how far into the line it is (the length of what precedes it).
Line expr_line(std::string keyword, const Expr& expr, Location loc, std::size_t prefix) {
  Line line = make_line(loc, std::move(keyword) + " ");
  line.indent_column = column_before(loc, prefix);
  ExprPrinter printer(&line, &line.head);
  printer.print(expr, kOr);
  return line;
}

Line expr_line(const std::string& keyword, const Expr& expr) {
  return expr_line(keyword, expr, expr.loc, keyword.size() + 1);
}

// ---- blocks ----------------------------------------------------------------------------------

template <typename T>
void add_text(Line& block, const std::optional<ast::Located<T>>& property, std::string keyword,
              auto&& render) {
  if (property) block.children.push_back(make_line(property->loc, keyword + " " + render(property->value)));
}

void add_string(Line& block, const std::optional<ast::Located<std::string>>& property,
                std::string keyword) {
  add_text(block, property, std::move(keyword), [](const std::string& s) { return quote(s); });
}

/// `email "a@b", "c@d"`: every member of the kind on one line, where the first was written.
void add_member_list(Line& block, const std::string& keyword, const std::vector<ast::Located<std::string>>& members) {
  if (members.empty()) return;
  std::string text = keyword;
  for (std::size_t i = 0; i < members.size(); ++i) text += (i ? ", " : " ") + quote(members[i].value);
  Line line = make_line(members.front().loc, std::move(text));
  line.indent_column = column_before(members.front().loc, keyword.size() + 1);
  block.children.push_back(std::move(line));
}

void add_expect_every(Line& block, const std::optional<ast::Located<Duration>>& property) {
  add_text(block, property, "expect every", [](const Duration& d) { return to_string(d); });
}

std::string bound_text(const ast::Bound& bound, bool lower) {
  std::string op = lower ? (bound.inclusive ? ">= " : "> ") : (bound.inclusive ? "<= " : "< ");
  return op + quantity_text(bound.quantity);
}

std::string band_text(const ast::Band& band) {
  std::string out{ast::to_string(band.colour)};
  std::string bounds = format_band_bounds(band);
  return bounds.empty() ? out : out + " " + bounds;
}

Line metric_line(const ast::MetricDecl& metric) {
  Line line = make_line(metric.loc, "metric " + metric.name);
  line.indent_column = 1;
  if (metric.derived) {
    // The grammar gives a derived metric no block: at most a unit after the expression.
    line.head.push_back(doc_text(" = "));
    ExprPrinter printer(&line, &line.head);
    printer.print(*metric.derived, kOr);
    if (metric.unit)
      printer.tail().push_back(doc_text(" unit " + std::string(ast::to_string(metric.unit->value))));
    return line;
  }
  line.head.push_back(doc_text(" {"));
  line.close = text_docs("}");
  add_string(line, metric.title, "title");
  add_text(line, metric.unit, "unit", [](ast::Unit u) { return std::string(ast::to_string(u)); });
  add_text(line, metric.labels, "labels",
           [](const std::vector<std::string>& labels) { return join(labels, ", "); });
  add_expect_every(line, metric.expect_every);
  for (const ast::Located<std::string>& route : metric.routes)
    line.children.push_back(make_line(route.loc, "route " + route.value));
  return line;
}

Line band_set_line(const ast::BandSet& set) {
  Line line = make_line(set.loc, "bands");
  if (set.where) {
    line.head.push_back(doc_text(" where "));
    ExprPrinter printer(nullptr, &line.head);
    printer.print(*set.where, kOr);
  }
  if (set.from) line.head.push_back(doc_text(" from " + set.from->iso()));
  line.head.push_back(doc_text(" {"));
  line.close = text_docs("}");
  for (const ast::Band& band : set.bands) line.children.push_back(make_line(band.loc, band_text(band)));
  return line;
}

Line indicator_line(const ast::IndicatorDecl& indicator) {
  Line line = make_item(indicator.loc, "indicator " + indicator.name);
  add_string(line, indicator.title, "title");
  add_string(line, indicator.group, "group");
  add_text(line, indicator.unit, "unit", [](ast::Unit u) { return std::string(ast::to_string(u)); });
  add_text(line, indicator.better, "better", [&indicator](ast::Better b) {
    if (b != ast::Better::closer || !indicator.closer_to) return std::string(ast::to_string(b));
    return "closer to " + quantity_text(*indicator.closer_to) +
           (indicator.tolerance ? " within " + quantity_text(*indicator.tolerance) : "");
  });
  add_text(line, indicator.frame, "frame",
           [](ast::Frame f) { return std::string(ast::to_string(f)); });
  add_text(line, indicator.round, "round", [](std::int64_t n) { return std::to_string(n); });
  add_text(line, indicator.decimals, "decimals", [](std::int64_t n) { return std::to_string(n); });
  add_text(line, indicator.cohort, "cohort", [](const ast::Cohort& c) {
    return c.metric + " minimum " + std::to_string(c.minimum);
  });
  add_expect_every(line, indicator.expect_every);
  add_text(line, indicator.last_year, "last_year",
           [](const ast::Quantity& q) { return quantity_text(q); });
  add_string(line, indicator.note, "note");
  add_string(line, indicator.message, "message");
  add_string(line, indicator.resolved_message, "resolved message");
  for (const ast::Located<std::string>& route : indicator.routes)
    line.children.push_back(make_line(route.loc, "route " + route.value));
  for (const ast::BandSet& set : indicator.band_sets) line.children.push_back(band_set_line(set));
  return line;
}

Line benchmark_line(const ast::BenchmarkDecl& benchmark) {
  Line line = make_item(benchmark.loc, "benchmark " + benchmark.name);
  add_string(line, benchmark.title, "title");
  for (const ast::BenchmarkEntry& entry : benchmark.entries)
    line.children.push_back(make_line(entry.loc, entry.indicator + " " + quantity_text(entry.quantity) +
                                                     (entry.from ? " from " + entry.from->iso() : "")));
  return line;
}

Line route_line(const ast::RouteDecl& route) {
  Line line = make_item(route.loc, "route " + route.name);
  add_string(line, route.title, "title");
  add_text(line, route.cadence, "cadence", [](const Duration& d) { return to_string(d); });
  add_member_list(line, "email", route.emails);
  add_member_list(line, "teams", route.teams);
  return line;
}

Line rule_line(const ast::RuleDecl& rule) {
  Line line = make_item(rule.loc, "rule " + rule.name);
  add_string(line, rule.title, "title");
  if (rule.when) line.children.push_back(expr_line("when", *rule.when));
  if (rule.unless) line.children.push_back(expr_line("unless", *rule.unless));
  if (rule.clear_when) line.children.push_back(expr_line("clear when", *rule.clear_when));
  add_text(line, rule.for_returns, "for", [](const Duration& d) { return to_string(d); });
  add_text(line, rule.severity, "severity",
           [](ast::Colour c) { return std::string(ast::to_string(c)); });
  for (const ast::Escalation& escalation : rule.escalations) {
    std::string text = "escalate " + std::string(ast::to_string(escalation.severity));
    text += escalation.when ? " when " + format_expression(*escalation.when) : " after " + to_string(escalation.after);
    if (escalation.to_route) text += " to " + *escalation.to_route;
    line.children.push_back(make_line(escalation.loc, std::move(text)));
  }
  for (const ast::Located<std::string>& route : rule.routes)
    line.children.push_back(make_line(route.loc, "route " + route.value));
  add_string(line, rule.message, "message");
  add_string(line, rule.resolved_message, "resolved message");
  return line;
}

std::string_view binding_keyword(ast::BindingKind kind) {
  switch (kind) {
    case ast::BindingKind::key: return "key";
    case ast::BindingKind::label: return "label";
    case ast::BindingKind::sample: return "sample";
  }
  return "label";
}

Line extract_line(const ast::ExtractDecl& extract) {
  Line line = make_item(extract.loc, "extract " + extract.name);
  add_string(line, extract.title, "title");
  add_string(line, extract.date_format, "date_format");
  add_expect_every(line, extract.expect_every);
  for (const ast::Located<std::string>& route : extract.routes)
    line.children.push_back(make_line(route.loc, "route " + route.value));
  for (const ast::Binding& binding : extract.bindings) {
    std::string_view kind = binding_keyword(binding.kind);
    // A binding is positioned at its name, after the keyword.
    line.children.push_back(expr_line(std::string(kind) + " " + binding.name + " =", binding.value,
                                      binding.loc, kind.size() + 1));
  }
  for (const Expr& filter : extract.filters) line.children.push_back(expr_line("where", filter));
  return line;
}

std::string sample_text(const ast::SampleLine& sample) {
  return sample.metric + matchers_text(sample.labels) + " " + quantity_text(sample.value);
}

std::string expect_text(const ast::ExpectStep& expect) {
  std::string target = expect.target + matchers_text(expect.labels);
  switch (expect.kind) {
    case ast::ExpectKind::band: return "expect " + target + " " + expect.outcome;
    case ast::ExpectKind::alert: return "expect alert " + target + " " + expect.outcome;
    case ast::ExpectKind::no_alert: return "expect no alert " + target;
    case ast::ExpectKind::value:
      return "expect value " + target + " " + quantity_text(expect.value);
  }
  return "expect " + target;
}

Line test_line(const ast::TestDecl& test) {
  Line line = make_item(test.loc, "test " + quote(test.name));
  for (const auto& step : test.steps) {
    if (const auto* at = std::get_if<ast::AtStep>(&step)) {
      Line at_line = make_block(at->loc, "at " + at->as_of.iso());
      for (const ast::SampleLine& sample : at->samples)
        at_line.children.push_back(make_line(sample.loc, sample_text(sample)));
      line.children.push_back(std::move(at_line));
    } else {
      const auto& expect = std::get<ast::ExpectStep>(step);
      line.children.push_back(make_line(expect.loc, expect_text(expect)));
    }
  }
  return line;
}

Line item_line(const ast::Item& item) {
  return std::visit(
      [](const auto& decl) -> Line {
        using T = std::decay_t<decltype(decl)>;
        if constexpr (std::is_same_v<T, ast::MetricDecl>) return metric_line(decl);
        else if constexpr (std::is_same_v<T, ast::IndicatorDecl>) return indicator_line(decl);
        else if constexpr (std::is_same_v<T, ast::BenchmarkDecl>) return benchmark_line(decl);
        else if constexpr (std::is_same_v<T, ast::RouteDecl>) return route_line(decl);
        else if constexpr (std::is_same_v<T, ast::RuleDecl>) return rule_line(decl);
        else if constexpr (std::is_same_v<T, ast::ExtractDecl>) return extract_line(decl);
        else return test_line(decl);
      },
      item);
}

Docs text_docs(std::string text) { return Docs{doc_text(std::move(text))}; }

// ---- comments --------------------------------------------------------------------------------

bool positioned(const Line& line) { return line.loc.line != 0; }

std::uint32_t last_line_within(const Line& line) {
  std::uint32_t last = line.loc.line;
  for (const Line& child : line.children) last = std::max(last, last_line_within(child));
  return last;
}

auto position(const Line& line) { return std::tie(line.loc.line, line.loc.column); }

// An own-line comment belongs before the next construct of the innermost block that holds it.
void attach_own_line(Line& container, const ast::Comment& comment, OwnLineComment text) {
  const std::uint32_t at = comment.loc.line;
  Line* previous = nullptr;
  Line* next = nullptr;
  for (Line& child : container.children) {
    if (!positioned(child)) continue;
    if (child.loc.line < at) {
      // A construct that starts above the comment and has parts below it holds the comment.
      if (last_line_within(child) > at) return attach_own_line(child, comment, std::move(text));
      if (!previous || position(child) >= position(*previous)) previous = &child;
    } else if (!next || position(child) < position(*next)) {
      next = &child;
    }
  }
  // After the last construct of a block: indentation tells whether it is still inside it.
  if (previous && previous->is_block() && comment.loc.column > previous->indent_column)
    return attach_own_line(*previous, comment, std::move(text));
  if (next) next->leading.push_back(std::move(text));
  else container.end.push_back(std::move(text));
}

// A trailing comment ends the printed line of the last construct that began at or before it.
void find_trailing_owner(Line& line, std::uint32_t at, Line*& best) {
  if (positioned(line) && line.loc.line <= at && (!best || line.loc.line >= best->loc.line))
    best = &line;
  for (Line& child : line.children) find_trailing_owner(child, at, best);
}

std::string comment_text(const ast::Comment& comment) {
  std::string text = comment.text;
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.pop_back();
  return text;
}

void attach_comments(Line& root, const std::vector<ast::Comment>& comments) {
  for (const ast::Comment& comment : comments) {
    std::string text = comment_text(comment);
    if (!comment.own_line) {
      Line* owner = nullptr;
      for (Line& item : root.children) find_trailing_owner(item, comment.loc.line, owner);
      if (owner) {
        owner->trailing.push_back(std::move(text));
        continue;
      }
    }
    attach_own_line(root, comment, OwnLineComment{comment.loc.line, std::move(text)});
  }
}

// ---- printing --------------------------------------------------------------------------------

// Top-level comments keep one blank line where the source had any (a file's header, a section
// heading above a group of blocks); inside blocks there are no blank lines.
void print_comments(const std::vector<OwnLineComment>& comments, const std::string& indent,
                    bool keep_gaps, std::string& out) {
  for (std::size_t i = 0; i < comments.size(); ++i) {
    if (keep_gaps && i > 0 && comments[i].line > comments[i - 1].line + 1) out += '\n';
    out += indent + comments[i].text + "\n";
  }
}

void print(const Line& line, int depth, std::string& out) {
  const int width = depth * 2;
  const std::string indent(static_cast<std::size_t>(width), ' ');
  print_comments(line.leading, indent, depth == 0, out);
  if (depth == 0 && !line.leading.empty() && line.loc.line > line.leading.back().line + 1)
    out += '\n';
  bool open = line.is_block() && (!line.children.empty() || !line.end.empty());
  Docs head = line.head;
  if (line.is_block() && !open) head.insert(head.end(), line.close->begin(), line.close->end());
  out += indent + render(head, width, width);
  for (const std::string& comment : line.trailing) out += "  " + comment;
  out += '\n';
  if (!open) return;
  for (const Line& child : line.children) print(child, depth + 1, out);
  print_comments(line.end, indent + "  ", false, out);
  out += indent + render(*line.close, width, width) + "\n";
}

}  // namespace

std::string format(const ast::File& file) {
  Line root;
  for (const ast::Item& item : file.items) root.children.push_back(item_line(item));
  attach_comments(root, file.comments);

  std::string out;
  for (std::size_t i = 0; i < root.children.size(); ++i) {
    if (i) out += '\n';
    print(root.children[i], 0, out);
  }
  if (!root.end.empty() && !root.children.empty()) out += '\n';
  print_comments(root.end, "", true, out);
  return out;
}

std::string format_expression(const Expr& expr) {
  Docs docs;
  ExprPrinter printer(nullptr, &docs);
  printer.print(expr, kOr);
  return render(docs, 0, 0, std::numeric_limits<int>::max() / 2);
}

std::string format_band_bounds(const ast::Band& band) {
  if (band.range && band.lower && band.upper)
    return quantity_text(band.lower->quantity) + " .. " + quantity_text(band.upper->quantity);
  std::vector<std::string> parts;
  if (band.lower) parts.push_back(bound_text(*band.lower, true));
  if (band.upper) parts.push_back(bound_text(*band.upper, false));
  return join(parts, " and ");
}

std::string format_quantity(const ast::Quantity& quantity) { return quantity_text(quantity); }

}  // namespace bandwatch
