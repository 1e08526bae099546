// Tree nodes built from what the grammar matched: expression nodes with their depth kept in
// bounds, prefix operators, `in` lists, literals, `match` patterns and band limits
// (parser_internal.hpp). A mistake throws SemanticError where the grammar is.
#include <algorithm>
#include <regex>
#include <utility>

#include "parser_internal.hpp"

namespace bandwatch::parsing {

// Keeps every tree shallow enough for recursive walks (checker, formatter, engine compiler,
// destructors) on hostile input such as ten thousand `+` in a row.
void refresh_depth(ast::Expr& node, Iterator where) {
  std::uint16_t deepest = 0;
  for (const ast::Expr& child : node.args) deepest = std::max(deepest, child.depth);
  if (deepest >= ast::kMaxExpressionDepth)
    fail(where, "expression too deep: more than " + std::to_string(ast::kMaxExpressionDepth) +
                    " operations nested; split it into derived metrics");
  node.depth = static_cast<std::uint16_t>(deepest + 1);
}

ast::Expr binary(ast::Op op, ast::Expr lhs, ast::Expr rhs, Iterator where) {
  ast::Expr node;
  node.kind = ast::ExprKind::binary;
  node.op = op;
  node.loc = lhs.loc;
  node.args.push_back(std::move(lhs));
  node.args.push_back(std::move(rhs));
  refresh_depth(node, where);
  return node;
}

ast::Expr with_prefixes(std::vector<ast::Expr> prefixes, ast::Expr operand, Iterator where) {
  for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
    ast::Expr node;
    node.kind = ast::ExprKind::unary;
    node.op = it->op;
    node.loc = operand.loc;
    node.args.push_back(std::move(operand));
    refresh_depth(node, where);
    operand = std::move(node);
  }
  return operand;
}

ast::Expr in_list(bool negated, ast::Expr value, std::vector<ast::Expr> items, Iterator where) {
  ast::Expr node;
  node.kind = ast::ExprKind::in_list;
  node.negated = negated;
  node.loc = value.loc;
  node.args.push_back(std::move(value));
  for (ast::Expr& item : items) node.args.push_back(std::move(item));
  refresh_depth(node, where);
  return node;
}

ast::Expr literal(ast::ExprKind kind, const std::string& text, ast::Location loc, Iterator where) {
  ast::Expr node;
  node.kind = kind;
  node.loc = loc;
  if (kind == ast::ExprKind::number) node.quantity = make_quantity(text, where);
  else if (kind == ast::ExprKind::date) node.date = to_date(text, where);
  else node.name = text;
  return node;
}

bool is_aggregation(std::string_view name) {
  return name == "count" || name == "sum" || name == "avg" || name == "min" || name == "max" ||
         name == "share";
}

void check_pattern(const std::string& pattern, Iterator where) {
  try {
    std::regex check(pattern);
  } catch (const std::regex_error& error) {
    fail(where, "invalid pattern \"" + pattern + "\": " + error.what());
  }
}

void apply_comparison(ast::Band& band, ast::Op op, ast::Bound limit, Iterator where) {
  ast::Quantity& q = limit.quantity;
  bool lower = op == ast::Op::greater || op == ast::Op::greater_equal;
  bool inclusive = op == ast::Op::greater_equal || op == ast::Op::less_equal;
  if (op == ast::Op::equal || op == ast::Op::not_equal)
    fail(where, "a band is a range, not one value: use '>=', '>', '<=', '<' or 'a .. b' (exactly " + q.text +
                    " is `" + q.text + " .. " + q.text + "`)");
  std::optional<ast::Bound>& slot = lower ? band.lower : band.upper;
  if (slot)
    fail(where, std::string(lower ? "this band already has a lower limit" : "this band already has an upper limit") +
                    ": a band has at most one of each, as in `>= 90% and < 95%`");
  limit.inclusive = inclusive;
  slot = std::move(limit);
}

}  // namespace bandwatch::parsing
