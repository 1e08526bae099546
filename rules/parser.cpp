// The `.bw` grammar (Boost Spirit X3). This is the only translation unit that includes X3 and
// instantiates the grammar, which keeps the build fast; everything outside sees parser.hpp, and
// the parser's other files (parser_internal.hpp) see only parse_block and parse_one_expression.
//
// The grammar builds the public AST directly through semantic actions, so there is no second,
// Boost-flavoured tree to convert. Positions come from `_where` and a line table carried in the
// parse context. Errors are X3 expectation failures (the grammar commits with `>` after each
// keyword) or SemanticError thrown by an action; both are handed back as a GrammarError, which
// the driver (parser_driver.cpp) turns into a Diagnostic before resuming at the next block.
#include <boost/fusion/include/at_c.hpp>
#include <boost/spirit/home/x3.hpp>
#include <functional>
#include <utility>

#include "parser_internal.hpp"

namespace bandwatch::parsing {
namespace {

namespace x3 = boost::spirit::x3;
namespace fusion = boost::fusion;

struct locator_tag;
struct start_tag;

// X3 1.74 gives an action only the end of its match, so constructs that need their start
// (for locations and error positions) are wrapped in `here[...]`, which records where the
// subject begins, after blanks, in a slot carried in the context.
template <typename Subject>
struct HereDirective : x3::unary_parser<Subject, HereDirective<Subject>> {
  using base_type = x3::unary_parser<Subject, HereDirective<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;
  constexpr HereDirective(const Subject& subject) : base_type(subject) {}

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, const It& last, const Context& context, RContext& rcontext,
             Attribute& attribute) const {
    x3::skip_over(first, last, context);
    It& slot = x3::get<start_tag>(context).get();
    It outer = slot;
    slot = first;
    bool matched = this->subject.parse(first, last, context, rcontext, attribute);
    slot = outer;
    return matched;
  }
};

struct HereGenerator {
  template <typename Subject>
  constexpr HereDirective<typename x3::extension::as_parser<Subject>::value_type> operator[](
      const Subject& subject) const {
    return {x3::as_parser(subject)};
  }
};
constexpr HereGenerator here{};

}  // namespace
}  // namespace bandwatch::parsing

// An expectation failure names what was expected; `here` is transparent to that.
template <typename Subject>
struct boost::spirit::x3::get_info<bandwatch::parsing::HereDirective<Subject>> {
  using result_type = std::string;
  std::string operator()(const bandwatch::parsing::HereDirective<Subject>& parser) const {
    return what(parser.subject);
  }
};
template <typename Subject, typename Action>
struct boost::spirit::x3::get_info<boost::spirit::x3::action<Subject, Action>> {
  using result_type = std::string;
  std::string operator()(const boost::spirit::x3::action<Subject, Action>& parser) const {
    return what(parser.subject);
  }
};

namespace bandwatch::parsing {
namespace {

template <typename Context>
Iterator start_of(const Context& ctx) {
  return x3::get<start_tag>(ctx).get();
}

template <typename Context>
ast::Location location(const Context& ctx) {
  return x3::get<locator_tag>(ctx).get().at(start_of(ctx));
}

// ---------------------------------------------------------------------------------------------
// Tokens and literals (what a literal's text means is parser_literals.cpp's)

// Character classes are spelt out rather than taken from x3::alnum and friends: those assert
// (in debug builds) on the bytes of UTF-8 text such as '£', which rule files contain.
auto const letter = x3::char_("a-zA-Z");
auto const digit = x3::char_("0-9");
auto const word_char = x3::char_("a-zA-Z0-9_");
auto const blank = x3::char_(" \t");

template <std::size_t N>
auto kw(const char (&word)[N]) {
  return x3::lexeme[x3::lit(word) >> !word_char];
}

// X3's default real parser reads `20.` in `20..25` as a number; forbid leading and trailing
// dots, and exponents, which no report writes.
template <typename T>
struct StrictRealPolicies : x3::ureal_policies<T> {
  static bool const allow_leading_dot = false;
  static bool const allow_trailing_dot = false;
  static bool const expect_dot = false;
  template <typename It>
  static bool parse_exp(It&, It const&) {
    return false;
  }
};
x3::real_parser<double, StrictRealPolicies<double>> const unsigned_number;

// Block keywords are reserved too, so a block left unfinished is not read as a name.
auto const reserved = kw("and") | kw("or") | kw("not") | kw("in") | kw("by") | kw("match") |
                      kw("else") | kw("metric") | kw("indicator") | kw("benchmark") | kw("route") |
                      kw("rule") | kw("extract") | kw("test");

// Keywords expected after a commitment point get their own rule, so an error names them.
#define BANDWATCH_KEYWORD(word)                                                  \
  x3::rule<class word##_keyword_id> const word##_keyword = "'" #word "'"; \
  auto const word##_keyword_def = kw(#word);
BANDWATCH_KEYWORD(minimum)
BANDWATCH_KEYWORD(every)
BANDWATCH_KEYWORD(after)
BANDWATCH_KEYWORD(alert)
BANDWATCH_KEYWORD(when)
BANDWATCH_KEYWORD(message)
BANDWATCH_KEYWORD(to)
#undef BANDWATCH_KEYWORD

x3::rule<class identifier_id, std::string> const identifier = "a name";
auto const identifier_def = x3::raw[x3::lexeme[!reserved >> (letter | '_') >> *word_char]];

x3::rule<class dotted_name_id, std::string> const dotted_name = "a name";
auto const dotted_name_def = x3::raw[x3::lexeme[
    !reserved >> (letter | '_') >> *word_char >> *('.' >> (letter | '_') >> *word_char)]];

x3::rule<class escaped_char_id, char> const escaped_char =
    "\\\" or \\\\, the only escapes in a string";
auto const escaped_char_def = x3::char_("\"\\");
x3::rule<class string_literal_id, std::string> const string_literal = "a quoted string";
auto const string_literal_def =
    x3::lexeme['"' > *(('\\' > escaped_char) | (x3::char_ - x3::char_("\"\\\n"))) > '"'];

auto const duration_word =
    x3::lexeme[(x3::lit("days") | "day" | "weeks" | "week" | "months" | "month" | "years" |
                "year" | "periods" | "period" | "returns" | "return") >>
               !word_char];

x3::rule<class quantity_text_id, std::string> const quantity_text = "a number";
auto const quantity_text_def = x3::raw[x3::lexeme[
    -x3::lit('-') >>
    ((x3::lit("£") > unsigned_number >> -(x3::lit("bn") | 'k' | 'm') >> !word_char) |
     (unsigned_number >> -(x3::lit('%') | (+blank >> duration_word)) >> !word_char))]];

x3::rule<class date_text_id, std::string> const date_text = "a date (yyyy-mm-dd)";
auto const date_text_def = x3::raw[x3::lexeme[x3::repeat(4)[digit] >> '-' >>
                                              x3::repeat(2)[digit] >> '-' >>
                                              x3::repeat(2)[digit] >> !word_char]];

x3::rule<class whole_number_id, std::int64_t> const whole_number = "a whole number";
auto const whole_number_def = x3::lexeme[x3::uint_parser<std::int64_t>{} >> !(word_char | '.')];

// Where only a date can come (`at`, `bands from`), it may be written as councils print it too:
// 04/02/2020. Inside expressions a slash divides, so there only ISO dates are dates.
x3::rule<class typed_date_text_id, std::string> const typed_date_text =
    "a date (2020-02-04 or 04/02/2020)";
auto const typed_date_text_def = x3::raw[x3::lexeme[
    ((x3::repeat(4)[digit] >> '-' >> x3::repeat(1, 2)[digit] >> '-' >> x3::repeat(1, 2)[digit]) |
     (x3::repeat(1, 2)[digit] >> '/' >> x3::repeat(1, 2)[digit] >> '/' >> +digit)) >>
    !word_char]];

// ---------------------------------------------------------------------------------------------
// Closed vocabularies

struct ColourSymbols : x3::symbols<ast::Colour> {
  ColourSymbols() { add("green", ast::Colour::green)("amber", ast::Colour::amber)("red", ast::Colour::red); }
} const colour_symbols;

struct SeveritySymbols : x3::symbols<ast::Colour> {
  SeveritySymbols() { add("amber", ast::Colour::amber)("red", ast::Colour::red); }
} const severity_symbols;

struct BetterSymbols : x3::symbols<ast::Better> {
  BetterSymbols() { add("higher", ast::Better::higher)("lower", ast::Better::lower); }
} const better_symbols;

struct ComparisonSymbols : x3::symbols<ast::Op> {
  ComparisonSymbols() {
    add(">=", ast::Op::greater_equal)("<=", ast::Op::less_equal)(">", ast::Op::greater)(
        "<", ast::Op::less)("==", ast::Op::equal)("!=", ast::Op::not_equal);
  }
} const comparison_symbols;

struct AdditiveSymbols : x3::symbols<ast::Op> {
  AdditiveSymbols() { add("+", ast::Op::add)("-", ast::Op::subtract); }
} const additive_symbols;

struct MultiplicativeSymbols : x3::symbols<ast::Op> {
  MultiplicativeSymbols() { add("*", ast::Op::multiply)("/", ast::Op::divide); }
} const multiplicative_symbols;

struct OutcomeSymbols : x3::symbols<std::string> {
  OutcomeSymbols() {
    for (const char* outcome : {"green", "amber", "red", "unbanded", "small_cohort"}) add(outcome, outcome);
  }
} const outcome_symbols;

x3::rule<class colour_id, ast::Colour> const colour = "a band colour (green, amber, red)";
auto const colour_def = x3::lexeme[colour_symbols >> !word_char];
x3::rule<class severity_id, ast::Colour> const severity = "a severity (amber, red)";
auto const severity_def = x3::lexeme[severity_symbols >> !word_char];
x3::rule<class better_id, ast::Better> const better = "'higher' or 'lower'";
auto const better_def = x3::lexeme[better_symbols >> !word_char];
x3::rule<class frame_id, ast::Frame> const frame =
    "a frame (year_to_date/YD, rolling_year/RY, quarter/Q, month, end_of_period/EP, snapshot)";
// The spellings (and the YD/RY/Q/EP codes) are ast::frame_from_string's: one table.
auto const frame_def = here[identifier[([](auto& ctx) {
  std::optional<ast::Frame> frame = ast::frame_from_string(x3::_attr(ctx));
  if (!frame) fail(start_of(ctx), unknown_frame(x3::_attr(ctx)));
  x3::_val(ctx) = *frame;
})]];
x3::rule<class outcome_id, std::string> const outcome =
    "an outcome (green, amber, red, unbanded, small_cohort)";
auto const outcome_def = x3::lexeme[outcome_symbols >> !word_char];
x3::rule<class comparison_id, ast::Op> const comparison = "a comparison (>=, >, <=, <)";
auto const comparison_def = comparison_symbols;

x3::rule<class unit_id, ast::Unit> const unit_name =
    "a unit (percent, count, days, rate_per_10k, gbp, fte, number)";
auto const unit_name_def = here[identifier[([](auto& ctx) {
  std::optional<ast::Unit> unit = ast::unit_from_string(x3::_attr(ctx));
  if (!unit) fail(start_of(ctx), unknown_unit(x3::_attr(ctx)));
  x3::_val(ctx) = *unit;
})]];

// ---------------------------------------------------------------------------------------------
// Actions shared by the blocks

auto const assign = [](auto& ctx) { x3::_val(ctx) = std::move(x3::_attr(ctx)); };

/// Sets an optional, located property of the block being built; a second one is an error.
template <typename Decl, typename T>
auto set(std::optional<ast::Located<T>> Decl::*member, const char* property) {
  return [member, property](auto& ctx) {
    auto& slot = x3::_val(ctx).*member;
    if (slot) fail(start_of(ctx), std::string("'") + property + "' is given twice");
    slot = ast::Located<T>{T(std::move(x3::_attr(ctx))), location(ctx)};
  };
}

template <typename Decl>
auto set_expr(std::optional<ast::Expr> Decl::*member, const char* property) {
  return [member, property](auto& ctx) {
    auto& slot = x3::_val(ctx).*member;
    if (slot) fail(start_of(ctx), std::string("'") + property + "' is given twice");
    slot = std::move(x3::_attr(ctx));
  };
}

auto const name_block = [](auto& ctx) {
  x3::_val(ctx).name = x3::_attr(ctx);
  x3::_val(ctx).loc = location(ctx);
};

auto const quantity_value = [](auto& ctx) {
  x3::_val(ctx) = make_quantity(x3::_attr(ctx), start_of(ctx));
};

x3::rule<class quantity_id, ast::Quantity> const quantity = "a number";
auto const quantity_def = here[quantity_text[quantity_value]];

x3::rule<class duration_id, Duration> const duration =
    "a duration (e.g. 14 days, 6 weeks, 3 months, 2 years, 2 returns)";
auto const duration_def = here[quantity_text[([](auto& ctx) {
  x3::_val(ctx) = to_duration(x3::_attr(ctx), start_of(ctx), x3::get<locator_tag>(ctx).get().end());
})]];

x3::rule<class date_id, Date> const date = "a date (2020-02-04 or 04/02/2020)";
auto const date_def = here[typed_date_text[([](auto& ctx) {
  x3::_val(ctx) = to_date(x3::_attr(ctx), start_of(ctx));
})]];

// ---------------------------------------------------------------------------------------------
// Expressions, from loosest to tightest binding:
//   or < and < not < comparison / in < + - < * / < unary - < primary

x3::rule<class expression_id, ast::Expr> const expression = "an expression";
x3::rule<class and_id, ast::Expr> const and_expression = "an expression";
x3::rule<class not_id, ast::Expr> const not_expression = "an expression";
x3::rule<class comparison_expression_id, ast::Expr> const comparison_expression = "an expression";
x3::rule<class additive_id, ast::Expr> const additive_expression = "an expression";
x3::rule<class multiplicative_id, ast::Expr> const multiplicative_expression = "an expression";
x3::rule<class unary_id, ast::Expr> const unary_expression = "an expression";
x3::rule<class primary_id, ast::Expr> const primary = "a value, name or '('";
x3::rule<class call_id, ast::Expr> const call = "a function call";
x3::rule<class reference_id, ast::Expr> const reference = "a name";
x3::rule<class match_id, ast::Expr> const match_expression = "match(...)";
x3::rule<class matcher_id, ast::LabelMatcher> const matcher = "a label matcher (label=\"value\")";
x3::rule<class matchers_id, std::vector<ast::LabelMatcher>> const matchers =
    "label matchers {label=\"value\", ...}";

template <ast::Op op>
auto const fold_keyword = [](auto& ctx) {
  x3::_val(ctx) = binary(op, std::move(x3::_val(ctx)), std::move(x3::_attr(ctx)), start_of(ctx));
};

auto const fold_symbol = [](auto& ctx) {
  auto& attribute = x3::_attr(ctx);
  x3::_val(ctx) = binary(fusion::at_c<0>(attribute), std::move(x3::_val(ctx)),
                         std::move(fusion::at_c<1>(attribute)), start_of(ctx));
};

auto const expression_def = and_expression[assign] >>
                            *(kw("or") > and_expression)[fold_keyword<ast::Op::logical_or>];
auto const and_expression_def = not_expression[assign] >>
                                *(kw("and") > not_expression)[fold_keyword<ast::Op::logical_and>];

// Prefix operators are counted in a loop rather than parsed recursively, so a long run of
// them cannot exhaust the stack. The count is kept in the node under construction.
template <ast::Op op>
auto const count_prefix = [](auto& ctx) {
  ast::Expr& node = x3::_val(ctx);
  if (node.args.empty()) node.loc = location(ctx);
  ast::Expr marker;
  marker.op = op;
  node.args.push_back(std::move(marker));
};

auto const apply_prefixes = [](auto& ctx) {
  x3::_val(ctx) = with_prefixes(std::move(x3::_val(ctx).args), std::move(x3::_attr(ctx)), start_of(ctx));
};

auto const not_expression_def = *here[kw("not")[count_prefix<ast::Op::logical_not>]] >>
                                comparison_expression[apply_prefixes];

auto const in_list_of = [](bool negated) {
  return [negated](auto& ctx) {
    x3::_val(ctx) = in_list(negated, std::move(x3::_val(ctx)), std::move(x3::_attr(ctx)), start_of(ctx));
  };
};

x3::rule<class list_id, std::vector<ast::Expr>> const parenthesised_list =
    "a list in parentheses, e.g. (\"assessment\", \"care_leavers\")";
x3::rule<class list_items_id, std::vector<ast::Expr>> const list_items = "a value";
auto const list_items_def = expression % ',';
auto const parenthesised_list_def = '(' > list_items > ')';

auto const comparison_expression_def =
    additive_expression[assign] >>
    -((comparison > additive_expression)[fold_symbol] |
      (kw("in") > parenthesised_list)[in_list_of(false)] |
      ((kw("not") >> kw("in")) > parenthesised_list)[in_list_of(true)]);

auto const additive_expression_def =
    multiplicative_expression[assign] >> *(additive_symbols > multiplicative_expression)[fold_symbol];
auto const multiplicative_expression_def =
    unary_expression[assign] >> *(multiplicative_symbols > unary_expression)[fold_symbol];

// A minus glued to a number is part of the literal (`-5%`); otherwise it negates.
auto const unary_expression_def =
    *here[(x3::lit('-') >> !x3::no_skip[unsigned_number | x3::lit("£")])[count_prefix<ast::Op::negate>]] >>
    primary[apply_prefixes];

auto const literal_expression = [](ast::ExprKind kind) {
  return [kind](auto& ctx) { x3::_val(ctx) = literal(kind, x3::_attr(ctx), location(ctx), start_of(ctx)); };
};

// Literals get rules of their own: a rule with actions does not pass its attribute on, so
// `primary` must stay free of actions for the other alternatives' results to reach it.
x3::rule<class date_expression_id, ast::Expr> const date_expression = "a date";
auto const date_expression_def = here[date_text[literal_expression(ast::ExprKind::date)]];
x3::rule<class number_expression_id, ast::Expr> const number_expression = "a number";
auto const number_expression_def = here[quantity_text[literal_expression(ast::ExprKind::number)]];
x3::rule<class string_expression_id, ast::Expr> const string_expression = "a string";
auto const string_expression_def = here[string_literal[literal_expression(ast::ExprKind::string)]];

auto const primary_def = match_expression | date_expression | number_expression |
                         string_expression | call | reference | ('(' > expression > ')');

x3::rule<class by_id, std::vector<std::string>> const by_labels = "labels in parentheses, e.g. (worker, team)";
auto const by_labels_def = '(' > (identifier % ',') > ')';

auto const start_call = [](auto& ctx) {
  x3::_val(ctx).kind = is_aggregation(x3::_attr(ctx)) ? ast::ExprKind::aggregate : ast::ExprKind::call;
  x3::_val(ctx).name = x3::_attr(ctx);
  x3::_val(ctx).loc = location(ctx);
};

auto const call_def =
    here[(dotted_name >> '(')[start_call]] >
    -here[(expression % ',')[([](auto& ctx) {
      x3::_val(ctx).args = std::move(x3::_attr(ctx));
      refresh_depth(x3::_val(ctx), start_of(ctx));
    })]] >
    ')' >
    -here[(kw("by") > by_labels)[([](auto& ctx) {
      if (x3::_val(ctx).kind != ast::ExprKind::aggregate)
        fail(start_of(ctx), "'by' groups only count, sum, avg, min, max and share");
      x3::_val(ctx).by = std::move(x3::_attr(ctx));
    })]];

auto const reference_def =
    here[dotted_name[([](auto& ctx) {
      x3::_val(ctx).kind = ast::ExprKind::ref;
      x3::_val(ctx).name = x3::_attr(ctx);
      x3::_val(ctx).loc = location(ctx);
    })]] >>
    -here[matchers[([](auto& ctx) { x3::_val(ctx).matchers = std::move(x3::_attr(ctx)); })]];

x3::rule<class matcher_operator_id, bool> const matcher_operator = "'=' or '!='";
auto const matcher_operator_def = (x3::lit("!=") >> x3::attr(true)) | (x3::lit('=') >> x3::attr(false));

auto const matcher_def =
    here[identifier[([](auto& ctx) {
      x3::_val(ctx).label = x3::_attr(ctx);
      x3::_val(ctx).loc = location(ctx);
    })]] >
    matcher_operator[([](auto& ctx) { x3::_val(ctx).negated = x3::_attr(ctx); })] >
    here[string_literal[([](auto& ctx) { x3::_val(ctx).value = x3::_attr(ctx); })]];

x3::rule<class matchers_end_id> const matchers_end = "',' or '}'";
auto const matchers_end_def = x3::lit('}');
auto const matchers_def = '{' > -(matcher % ',') > matchers_end;

x3::rule<class arm_end_id> const arm_end = "a pattern \"regex\" -> \"text\", 'else', or '}'";
auto const arm_end_def = x3::lit('}');

auto const match_expression_def =
    here[kw("match")[([](auto& ctx) {
      x3::_val(ctx).kind = ast::ExprKind::match;
      x3::_val(ctx).name = "match";
      x3::_val(ctx).loc = location(ctx);
    })]] >
    '(' > here[expression[([](auto& ctx) {
      x3::_val(ctx).args.push_back(std::move(x3::_attr(ctx)));
      refresh_depth(x3::_val(ctx), start_of(ctx));
    })]] >
    ')' > '{' >
    *here[((string_literal >> "->") > expression)[([](auto& ctx) {
      std::string& pattern = fusion::at_c<0>(x3::_attr(ctx));
      check_pattern(pattern, start_of(ctx));
      x3::_val(ctx).patterns.push_back(std::move(pattern));
      x3::_val(ctx).args.push_back(std::move(fusion::at_c<1>(x3::_attr(ctx))));
      refresh_depth(x3::_val(ctx), start_of(ctx));
    })]] >
    -here[(kw("else") > "->" > expression)[([](auto& ctx) {
      x3::_val(ctx).has_else = true;
      x3::_val(ctx).args.push_back(std::move(x3::_attr(ctx)));
      refresh_depth(x3::_val(ctx), start_of(ctx));
    })]] >
    arm_end;

// ---------------------------------------------------------------------------------------------
// metric

x3::rule<class metric_id, ast::MetricDecl> const metric = "a metric";
x3::rule<class metric_body_id> const metric_body = "'{' or '='";
x3::rule<class metric_end_id> const metric_end =
    "a metric property (unit, labels, title, expect every, route) or '}'";
x3::rule<class label_list_id, std::vector<std::string>> const label_list = "label names separated by commas";
auto const label_list_def = identifier % ',';
auto const metric_end_def = x3::lit('}');
auto const metric_body_def = x3::lit('{') | x3::lit('=');  // reached only when neither is there

auto const metric_property =
    here[(kw("unit") > unit_name)[set(&ast::MetricDecl::unit, "unit")]] |
    here[(kw("labels") > label_list)[set(&ast::MetricDecl::labels, "labels")]] |
    here[(kw("title") > string_literal)[set(&ast::MetricDecl::title, "title")]] |
    here[(kw("expect") > every_keyword > duration)[set(&ast::MetricDecl::expect_every, "expect every")]] |
    here[(kw("route") > identifier)[([](auto& ctx) {
      x3::_val(ctx).routes.push_back({std::move(x3::_attr(ctx)), location(ctx)});
    })]];

auto const metric_def =
    kw("metric") > here[identifier[name_block]] >
    (('{' > *metric_property > metric_end) |
     (('=' > here[expression[([](auto& ctx) { x3::_val(ctx).derived = std::move(x3::_attr(ctx)); })]]) >>
      -here[(kw("unit") > unit_name)[set(&ast::MetricDecl::unit, "unit")]]) |
     (x3::eps > metric_body));

// ---------------------------------------------------------------------------------------------
// indicator

x3::rule<class band_id, ast::Band> const band = "a band";
x3::rule<class band_set_id, ast::BandSet> const band_set = "bands";
x3::rule<class band_end_id> const band_end = "a band (green, amber or red) or '}'";
auto const band_end_def = x3::lit('}');
x3::rule<class band_bounds_id, ast::Band> const band_bounds =
    "a band condition such as '>= 95%', '90% .. 94%' or '>= 90% and < 95%'";

auto const band_comparison = [](auto& ctx) {
  apply_comparison(x3::_val(ctx), fusion::at_c<0>(x3::_attr(ctx)),
                   std::move(fusion::at_c<1>(x3::_attr(ctx))), start_of(ctx));
};

auto const band_def =
    here[colour[([](auto& ctx) {
      x3::_val(ctx).colour = x3::_attr(ctx);
      x3::_val(ctx).loc = location(ctx);
    })]] >
    here[band_bounds[([](auto& ctx) {
      x3::_val(ctx).lower = std::move(x3::_attr(ctx).lower);
      x3::_val(ctx).upper = std::move(x3::_attr(ctx).upper);
      x3::_val(ctx).range = x3::_attr(ctx).range;
    })]];

// A limit is a number, or a benchmark's name: `green >= england` is "at or above England's
// value for this indicator", in force at the value's date.
x3::rule<class band_limit_id, ast::Bound> const band_limit = "a number";
auto const band_limit_def =
    here[quantity[([](auto& ctx) { x3::_val(ctx).quantity = std::move(x3::_attr(ctx)); })]] |
    here[identifier[([](auto& ctx) {
      x3::_val(ctx).benchmark = x3::_attr(ctx);
      x3::_val(ctx).quantity.text = x3::_attr(ctx);
    })]];

auto const band_bounds_def =
    here[((band_limit >> "..") > band_limit)[([](auto& ctx) {
      x3::_val(ctx).range = true;
      x3::_val(ctx).lower = std::move(fusion::at_c<0>(x3::_attr(ctx)));
      x3::_val(ctx).upper = std::move(fusion::at_c<1>(x3::_attr(ctx)));
      x3::_val(ctx).lower->inclusive = x3::_val(ctx).upper->inclusive = true;
    })]] |
    (here[(comparison > band_limit)[band_comparison]] >> -here[(kw("and") > comparison > band_limit)[band_comparison]]);

auto const band_set_def =
    (here[kw("bands")[([](auto& ctx) { x3::_val(ctx).loc = location(ctx); })]] >>
     -here[(kw("where") > expression)[([](auto& ctx) { x3::_val(ctx).where = std::move(x3::_attr(ctx)); })]] >>
     -here[(kw("from") > date)[([](auto& ctx) { x3::_val(ctx).from = x3::_attr(ctx); })]]) > '{' >
    *here[band[([](auto& ctx) { x3::_val(ctx).bands.push_back(std::move(x3::_attr(ctx))); })]] > band_end;

x3::rule<class cohort_id, ast::Cohort> const cohort = "a cohort: METRIC minimum N";
auto const cohort_def =
    here[identifier[([](auto& ctx) { x3::_val(ctx).metric = x3::_attr(ctx); })]] > minimum_keyword >
    here[whole_number[([](auto& ctx) { x3::_val(ctx).minimum = x3::_attr(ctx); })]];

x3::rule<class indicator_id, ast::IndicatorDecl> const indicator = "an indicator";
x3::rule<class indicator_end_id> const indicator_end =
    "an indicator property (title, group, unit, better, frame, bands, round, decimals, cohort, last_year, "
    "note, expect every, route, message, resolved message) or '}'";
auto const indicator_end_def = x3::lit('}');

auto const indicator_property =
    here[(kw("title") > string_literal)[set(&ast::IndicatorDecl::title, "title")]] |
    here[(kw("group") > string_literal)[set(&ast::IndicatorDecl::group, "group")]] |
    here[(kw("unit") > unit_name)[set(&ast::IndicatorDecl::unit, "unit")]] |
    here[((kw("better") >> kw("closer")) > to_keyword > quantity > -(kw("within") > quantity))[([](auto& ctx) {
      auto& decl = x3::_val(ctx);
      if (decl.better) fail(start_of(ctx), "'better' is given twice");
      decl.better = ast::Located<ast::Better>{ast::Better::closer, location(ctx)};
      decl.closer_to = std::move(fusion::at_c<0>(x3::_attr(ctx)));
      if (auto& tolerance = fusion::at_c<1>(x3::_attr(ctx))) decl.tolerance = std::move(*tolerance);
    })]] |
    here[(kw("better") > better)[set(&ast::IndicatorDecl::better, "better")]] |
    here[(kw("frame") > frame)[set(&ast::IndicatorDecl::frame, "frame")]] |
    here[band_set[([](auto& ctx) { x3::_val(ctx).band_sets.push_back(std::move(x3::_attr(ctx))); })]] |
    here[(kw("round") > whole_number)[set(&ast::IndicatorDecl::round, "round")]] |
    here[(kw("decimals") > whole_number)[set(&ast::IndicatorDecl::decimals, "decimals")]] |
    here[(kw("cohort") > cohort)[set(&ast::IndicatorDecl::cohort, "cohort")]] |
    here[(kw("last_year") > quantity)[set(&ast::IndicatorDecl::last_year, "last_year")]] |
    here[(kw("note") > string_literal)[set(&ast::IndicatorDecl::note, "note")]] |
    here[(kw("expect") > every_keyword > duration)[set(&ast::IndicatorDecl::expect_every, "expect every")]] |
    here[(kw("route") > identifier)[([](auto& ctx) {
      x3::_val(ctx).routes.push_back({std::move(x3::_attr(ctx)), location(ctx)});
    })]] |
    here[(kw("message") > string_literal)[set(&ast::IndicatorDecl::message, "message")]] |
    here[(kw("resolved") > message_keyword > string_literal)[set(&ast::IndicatorDecl::resolved_message,
                                                                  "resolved message")]];

auto const indicator_def =
    kw("indicator") > here[identifier[name_block]] > '{' > *indicator_property > indicator_end;

// ---------------------------------------------------------------------------------------------
// benchmark, route

x3::rule<class benchmark_entry_id, ast::BenchmarkEntry> const benchmark_entry = "an indicator and its value";
auto const benchmark_entry_def =
    here[identifier[([](auto& ctx) {
      x3::_val(ctx).indicator = x3::_attr(ctx);
      x3::_val(ctx).loc = location(ctx);
    })]] >
    here[quantity[([](auto& ctx) { x3::_val(ctx).quantity = std::move(x3::_attr(ctx)); })]] >>
    -(kw("from") > here[date[([](auto& ctx) { x3::_val(ctx).from = x3::_attr(ctx); })]]);

x3::rule<class benchmark_id, ast::BenchmarkDecl> const benchmark = "a benchmark";
x3::rule<class benchmark_end_id> const benchmark_end =
    "an indicator name and value (and 'from DATE'), 'title', or '}'";
auto const benchmark_end_def = x3::lit('}');
auto const benchmark_def =
    kw("benchmark") > here[identifier[name_block]] > '{' >
    *(here[(kw("title") > string_literal)[set(&ast::BenchmarkDecl::title, "title")]] |
      here[benchmark_entry[([](auto& ctx) { x3::_val(ctx).entries.push_back(std::move(x3::_attr(ctx))); })]]) >
    benchmark_end;

x3::rule<class route_id, ast::RouteDecl> const route = "a route";
x3::rule<class route_end_id> const route_end = "a route property (title, cadence, email, teams) or '}'";
auto const route_end_def = x3::lit('}');
/// `email "a@b", "c@d"` and `teams "https://..."`: each quoted member keeps its own location,
/// for the checker's messages about a malformed one.
auto add_member(std::vector<ast::Located<std::string>> ast::RouteDecl::*members) {
  return [members](auto& ctx) { (x3::_val(ctx).*members).push_back({x3::_attr(ctx), location(ctx)}); };
}
auto const route_def =
    kw("route") > here[identifier[name_block]] > '{' >
    *(here[(kw("title") > string_literal)[set(&ast::RouteDecl::title, "title")]] |
      here[(kw("cadence") > duration)[set(&ast::RouteDecl::cadence, "cadence")]] |
      (kw("email") > here[string_literal[add_member(&ast::RouteDecl::emails)]] >
       *(',' > here[string_literal[add_member(&ast::RouteDecl::emails)]])) |
      (kw("teams") > here[string_literal[add_member(&ast::RouteDecl::teams)]] >
       *(',' > here[string_literal[add_member(&ast::RouteDecl::teams)]]))) >
    route_end;

// ---------------------------------------------------------------------------------------------
// rule

x3::rule<class escalation_trigger_id, ast::Escalation> const escalation_trigger =
    "'after' and a duration (e.g. after 2 returns, after 3 months) or 'when' and a condition";
auto const escalation_trigger_def =
    (kw("after") > here[duration[([](auto& ctx) { x3::_val(ctx).after = x3::_attr(ctx); })]]) |
    (kw("when") > expression[([](auto& ctx) { x3::_val(ctx).when = std::move(x3::_attr(ctx)); })]);

x3::rule<class escalation_id, ast::Escalation> const escalation = "an escalation";
// Parenthesised so that a missing trigger is reported by its own name (`>>` binds tighter).
auto const escalation_def =
    (here[severity[([](auto& ctx) {
       x3::_val(ctx).severity = x3::_attr(ctx);
       x3::_val(ctx).loc = location(ctx);
     })]] >
     escalation_trigger[([](auto& ctx) {
       x3::_val(ctx).after = x3::_attr(ctx).after;
       x3::_val(ctx).when = std::move(x3::_attr(ctx).when);
     })]) >>
    -(kw("to") > here[identifier[([](auto& ctx) {
        x3::_val(ctx).to_route = x3::_attr(ctx);
        x3::_val(ctx).to_route_loc = location(ctx);
      })]]);

x3::rule<class rule_id, ast::RuleDecl> const rule = "a rule";
x3::rule<class rule_end_id> const rule_end =
    "a rule property (title, when, unless, clear when, severity, for, escalate, route, message, "
    "resolved message) or '}'";
auto const rule_end_def = x3::lit('}');

auto const rule_property =
    here[(kw("title") > string_literal)[set(&ast::RuleDecl::title, "title")]] |
    (kw("when") > expression)[set_expr(&ast::RuleDecl::when, "when")] |
    (kw("unless") > expression)[set_expr(&ast::RuleDecl::unless, "unless")] |
    (kw("clear") > when_keyword > expression)[set_expr(&ast::RuleDecl::clear_when, "clear when")] |
    here[(kw("severity") > severity)[set(&ast::RuleDecl::severity, "severity")]] |
    here[(kw("for") > duration)[set(&ast::RuleDecl::for_returns, "for")]] |
    here[(kw("escalate") > escalation)[([](auto& ctx) {
      x3::_val(ctx).escalations.push_back(std::move(x3::_attr(ctx)));
    })]] |
    here[(kw("route") > identifier)[([](auto& ctx) {
      x3::_val(ctx).routes.push_back({std::move(x3::_attr(ctx)), location(ctx)});
    })]] |
    here[(kw("message") > string_literal)[set(&ast::RuleDecl::message, "message")]] |
    here[(kw("resolved") > message_keyword > string_literal)[set(&ast::RuleDecl::resolved_message,
                                                                  "resolved message")]];

auto const rule_def = kw("rule") > here[identifier[name_block]] > '{' > *rule_property > rule_end;

// ---------------------------------------------------------------------------------------------
// extract

x3::rule<class binding_id, ast::Binding> const binding = "a binding";
auto const binding_name = [](ast::BindingKind kind) {
  return [kind](auto& ctx) {
    x3::_val(ctx).kind = kind;
    x3::_val(ctx).name = x3::_attr(ctx);
    x3::_val(ctx).loc = location(ctx);
  };
};
auto const binding_def =
    ((kw("key") > here[identifier[binding_name(ast::BindingKind::key)]]) |
     (kw("label") > here[identifier[binding_name(ast::BindingKind::label)]]) |
     (kw("sample") > here[identifier[binding_name(ast::BindingKind::sample)]])) >
    '=' > here[expression[([](auto& ctx) { x3::_val(ctx).value = std::move(x3::_attr(ctx)); })]];

x3::rule<class extract_id, ast::ExtractDecl> const extract = "an extract";
x3::rule<class extract_end_id> const extract_end =
    "an extract property (title, date_format, key, label, where, sample, expect every, route) or '}'";
auto const extract_end_def = x3::lit('}');
auto const extract_property =
    here[(kw("title") > string_literal)[set(&ast::ExtractDecl::title, "title")]] |
    here[(kw("date_format") > string_literal)[set(&ast::ExtractDecl::date_format, "date_format")]] |
    here[binding[([](auto& ctx) { x3::_val(ctx).bindings.push_back(std::move(x3::_attr(ctx))); })]] |
    here[(kw("where") > expression)[([](auto& ctx) {
      x3::_val(ctx).filters.push_back(std::move(x3::_attr(ctx)));
    })]] |
    here[(kw("expect") > every_keyword > duration)[set(&ast::ExtractDecl::expect_every, "expect every")]] |
    here[(kw("route") > identifier)[([](auto& ctx) {
      x3::_val(ctx).routes.push_back({std::move(x3::_attr(ctx)), location(ctx)});
    })]];
auto const extract_def = kw("extract") > here[identifier[name_block]] > '{' > *extract_property > extract_end;

// ---------------------------------------------------------------------------------------------
// test

x3::rule<class label_value_id, ast::LabelMatcher> const label_value = "a label (label=\"value\")";
auto const label_value_def = here[identifier[([](auto& ctx) {
  x3::_val(ctx).label = x3::_attr(ctx);
  x3::_val(ctx).loc = location(ctx);
})]] > '=' > here[string_literal[([](auto& ctx) { x3::_val(ctx).value = x3::_attr(ctx); })]];

x3::rule<class sample_line_id, ast::SampleLine> const sample_line = "a sample";
x3::rule<class sample_labels_end_id> const sample_labels_end = "',' or '}'";
auto const sample_labels_end_def = x3::lit('}');
auto const sample_line_def =
    (here[identifier[([](auto& ctx) {
       x3::_val(ctx).metric = x3::_attr(ctx);
       x3::_val(ctx).loc = location(ctx);
     })]] >>
     -('{' > -here[(label_value % ',')[([](auto& ctx) { x3::_val(ctx).labels = std::move(x3::_attr(ctx)); })]] >
       sample_labels_end)) >
    here[quantity[([](auto& ctx) { x3::_val(ctx).value = std::move(x3::_attr(ctx)); })]];

x3::rule<class at_step_id, ast::AtStep> const at_step = "an 'at' step";
x3::rule<class at_end_id> const at_end = "a sample (metric{label=\"value\"} number) or '}'";
auto const at_end_def = x3::lit('}');
auto const at_step_def =
    here[kw("at")[([](auto& ctx) { x3::_val(ctx).loc = location(ctx); })]] >
    here[date[([](auto& ctx) { x3::_val(ctx).as_of = x3::_attr(ctx); })]] > '{' >
    *here[sample_line[([](auto& ctx) { x3::_val(ctx).samples.push_back(std::move(x3::_attr(ctx))); })]] >
    at_end;

auto const expect_target = here[identifier[([](auto& ctx) { x3::_val(ctx).target = x3::_attr(ctx); })]] >>
                           -('{' > -here[(label_value % ',')[([](auto& ctx) {
                             x3::_val(ctx).labels = std::move(x3::_attr(ctx));
                           })]] > sample_labels_end);
auto const expect_kind = [](ast::ExpectKind kind) {
  return [kind](auto& ctx) { x3::_val(ctx).kind = kind; };
};

x3::rule<class expect_what_id> const expect_what =
    "what to expect ('alert', 'no alert', 'value' or an indicator name)";
auto const expect_what_def = x3::eps >> !x3::eps;
x3::rule<class expect_step_id, ast::ExpectStep> const expect_step = "an 'expect' step";
auto const expect_step_def =
    here[kw("expect")[([](auto& ctx) { x3::_val(ctx).loc = location(ctx); })]] >
    ((here[kw("no")[expect_kind(ast::ExpectKind::no_alert)]] > alert_keyword > expect_target) |
     (here[kw("alert")[expect_kind(ast::ExpectKind::alert)]] > expect_target >
      here[severity[([](auto& ctx) { x3::_val(ctx).outcome = std::string(ast::to_string(x3::_attr(ctx))); })]]) |
     (here[kw("value")[expect_kind(ast::ExpectKind::value)]] > expect_target >
      here[quantity[([](auto& ctx) { x3::_val(ctx).value = std::move(x3::_attr(ctx)); })]]) |
     (expect_target > here[outcome[([](auto& ctx) { x3::_val(ctx).outcome = x3::_attr(ctx); })]]) |
     (x3::eps > expect_what));

x3::rule<class test_id, ast::TestDecl> const test = "a test";
x3::rule<class test_end_id> const test_end = "'at', 'expect' or '}'";
auto const test_end_def = x3::lit('}');
auto const test_def =
    kw("test") >
    here[string_literal[name_block]] > '{' >
    *(here[at_step[([](auto& ctx) { x3::_val(ctx).steps.emplace_back(std::move(x3::_attr(ctx))); })]] |
      here[expect_step[([](auto& ctx) { x3::_val(ctx).steps.emplace_back(std::move(x3::_attr(ctx))); })]]) >
    test_end;

BOOST_SPIRIT_DEFINE(escaped_char, matcher_operator)
BOOST_SPIRIT_DEFINE(list_items, date_expression, number_expression, string_expression)
BOOST_SPIRIT_DEFINE(identifier, dotted_name, string_literal, quantity_text, date_text, typed_date_text, whole_number, colour, severity, better, frame, outcome, comparison, unit_name, quantity, duration, date, expression, and_expression, not_expression, comparison_expression)
BOOST_SPIRIT_DEFINE(additive_expression, multiplicative_expression, unary_expression, primary, call, reference, match_expression, matcher, matchers, matchers_end, arm_end, parenthesised_list, by_labels, metric, metric_body, metric_end, label_list, band, band_set, band_end)
BOOST_SPIRIT_DEFINE(band_limit, to_keyword)
BOOST_SPIRIT_DEFINE(band_bounds, cohort, indicator, indicator_end, benchmark_entry, benchmark, benchmark_end, route, route_end, escalation_trigger, escalation, rule, rule_end, binding, extract, extract_end, label_value, sample_line, sample_labels_end, at_step)
BOOST_SPIRIT_DEFINE(at_end, expect_step, expect_what, test, test_end, minimum_keyword, every_keyword, after_keyword, alert_keyword, when_keyword, message_keyword)

auto const skipper = x3::char_(" \t\r\n\f\v") | x3::lexeme['#' >> *(x3::char_ - x3::eol)];

// ---------------------------------------------------------------------------------------------
// Running the grammar

template <typename Parser, typename Attribute>
bool parse_one(const Parser& parser, Iterator& first, Iterator last, const Locator& locator,
               Attribute& attribute) {
  Iterator start = first;
  auto const with_context =
      x3::with<locator_tag>(std::cref(locator))[x3::with<start_tag>(std::ref(start))[parser]];
  return x3::phrase_parse(first, last, with_context, skipper, attribute);
}

template <typename Rule>
bool parse_into(const Rule& rule, Iterator& first, Iterator last, const Locator& locator,
                std::vector<ast::Item>& items) {
  typename Rule::attribute_type decl;
  if (!parse_one(rule, first, last, locator, decl)) return false;
  items.emplace_back(std::move(decl));
  return true;
}

// Dispatches on the block keyword, which keeps each block's errors its own.
bool parse_block_keyword(std::string_view keyword, Iterator& first, Iterator last, const Locator& locator,
                         std::vector<ast::Item>& items) {
  if (keyword == "metric") return parse_into(metric, first, last, locator, items);
  if (keyword == "indicator") return parse_into(indicator, first, last, locator, items);
  if (keyword == "benchmark") return parse_into(benchmark, first, last, locator, items);
  if (keyword == "route") return parse_into(route, first, last, locator, items);
  if (keyword == "rule") return parse_into(rule, first, last, locator, items);
  if (keyword == "extract") return parse_into(extract, first, last, locator, items);
  if (keyword == "test") return parse_into(test, first, last, locator, items);
  return false;
}

/// Runs `run`, handing back what became of it; X3's and the actions' exceptions stop here.
template <typename Run>
GrammarOutcome outcome_of(Run run) {
  GrammarOutcome outcome;
  try {
    outcome.matched = run();
  } catch (const x3::expectation_failure<Iterator>& failure) {
    outcome.error = GrammarError{GrammarError::Kind::expectation, failure.where(), failure.which()};
  } catch (const SemanticError& error) {
    outcome.error = GrammarError{GrammarError::Kind::semantic, error.where, error.message};
  }
  return outcome;
}

}  // namespace

GrammarOutcome parse_block(std::string_view keyword, Iterator& first, Iterator last,
                           const Locator& locator, std::vector<ast::Item>& items) {
  return outcome_of([&] { return parse_block_keyword(keyword, first, last, locator, items); });
}

GrammarOutcome parse_one_expression(Iterator& first, Iterator last, const Locator& locator,
                                    ast::Expr& out) {
  return outcome_of([&] { return parse_one(expression, first, last, locator, out); });
}

}  // namespace bandwatch::parsing
