#include "extract/mapping.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "mapping_nodes.hpp"
#include "text.hpp"

namespace bandwatch::extract {

using namespace detail;  // the compiled nodes this file evaluates

namespace {

// ---------------------------------------------------------------------------------------------
// Values

enum class Type : std::uint8_t { number, text, date, span, duration, boolean };

// Small and trivially copyable: expressions build many of these per row.
struct Value {
  std::string_view text;
  double number = 0;                    // a number; the days of a span
  const Duration* duration = nullptr;   // a duration: the node's constant
  std::size_t column = kNoColumn;       // where the value came from, to say which column is bad
  Date date;                            // a date; the end of a span
  Date from;                            // the start of a span
  Type type = Type::number;
  bool boolean = false;
  bool raw = false;                     // `text` is that column's cell as it is (dates are cached)

  // Field by field into place: building a temporary and copying it costs a stall per value.
  void clear() {
    text = {};
    number = 0;
    duration = nullptr;
    column = kNoColumn;
    date = Date{};
    from = Date{};
    type = Type::number;
    boolean = false;
    raw = false;
  }
};

void set_number(Value& value, double number, std::size_t column = kNoColumn) {
  value.clear();
  value.number = number;
  value.column = column;
}

void set_bool(Value& value, bool boolean) {
  value.clear();
  value.type = Type::boolean;
  value.boolean = boolean;
}

void set_span(Value& value, Date from, Date to, std::size_t column) {
  value.clear();
  value.type = Type::span;
  value.from = from;
  value.date = to;
  value.number = to.days_since_epoch - from.days_since_epoch;
  value.column = column;
}

std::string_view type_name(Type type) {
  switch (type) {
    case Type::number: return "a number";
    case Type::text: return "text";
    case Type::date: return "a date";
    case Type::span: return "a number of days";
    case Type::duration: return "a duration";
    case Type::boolean: return "true/false";
  }
  return "a value";
}

std::string quote_value(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string shown = normalised(text.size() > kMax ? text.substr(0, kMax) : text);
  for (char& c : shown)
    if (c == '\n' || c == '\r') c = ' ';
  return "\"" + shown + (text.size() > kMax ? "...\"" : "\"");
}

// Thousands separators only where they group digits in threes ("1,234.5"); "0,5" (a decimal
// comma) is not a number rather than silently 5.
bool grouped_in_thousands(std::string_view text) {
  std::size_t end = text.find('.');
  std::string_view whole = text.substr(0, end);
  std::size_t first = whole.find(',');
  if (first == 0 || first > 3) return false;
  for (std::size_t i = first; i < whole.size(); i += 4) {
    if (whole[i] != ',' || i + 4 > whole.size()) return false;
    for (std::size_t k = i + 1; k < i + 4; ++k)
      if (whole[k] < '0' || whole[k] > '9') return false;
  }
  return true;
}

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (text.starts_with("\xC2\xA3")) text.remove_prefix(2);  // £
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  std::string digits;
  if (text.find(',') != std::string_view::npos) {
    if (!grouped_in_thousands(text)) return std::nullopt;
    for (char c : text)
      if (c != ',') digits.push_back(c);
    text = digits;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

struct CompiledExtract::Impl {
  std::string name;
  EvalContext context;
  const HolidayCalendar* holidays = nullptr;
  DateOrder order = DateOrder::day_first;
  std::vector<Node> filters;
  std::vector<LabelBinding> labels;
  std::vector<SampleBinding> samples;
  std::string as_of_text;  // " yyyy-mm-dd\n", the end of every line

  // Per-row state, kept to reuse its memory.
  const std::vector<std::string_view>* fields = nullptr;
  std::vector<RowError>* errors = nullptr;
  std::string label_text;
  std::string scratch;
  std::uint64_t row_number = 0;               // counts evaluate() calls
  std::vector<std::uint64_t> date_cache_row;  // per column: the row its cached date is from
  std::vector<Date> date_cache;
  std::size_t samples_written = 0;

  bool fail(const Value& value, std::string reason) { return fail(value.column, std::move(reason)); }
  bool fail(std::size_t column, std::string reason) {
    for (const RowError& existing : *errors)
      if (existing.column == column && column != kNoColumn) return false;
    errors->push_back(RowError{column, std::move(reason)});
    return false;
  }

  bool to_date(const Value& value, Date& out) {
    if (value.type == Type::date) {
      out = value.date;
      return true;
    }
    if (value.type == Type::text) {
      // A mapping often reads one date column several times (age, then a comparison).
      bool cacheable = value.raw && value.column < date_cache_row.size();
      if (cacheable && date_cache_row[value.column] == row_number) {
        out = date_cache[value.column];
        return true;
      }
      DateParse parsed = parse_date(value.text, order);
      if (parsed.date) {
        out = *parsed.date;
        if (cacheable) {
          date_cache_row[value.column] = row_number;
          date_cache[value.column] = out;
        }
        return true;
      }
      return fail(value, parsed.reason);
    }
    return fail(value, "expected a date, found " + std::string(type_name(value.type)));
  }

  bool to_number(const Value& value, double& out) {
    switch (value.type) {
      case Type::number: case Type::span: out = value.number; return true;
      case Type::boolean: out = value.boolean ? 1 : 0; return true;
      case Type::text:
        if (std::optional<double> number = parse_number(value.text)) {
          out = *number;
          return true;
        }
        if (is_blank(value.text)) return fail(value, "blank, expected a number");
        return fail(value, "not a number: " + quote_value(value.text));
      case Type::duration:
        if (value.duration->unit == DurationUnit::days) {
          out = static_cast<double>(value.duration->amount);
          return true;
        }
        if (value.duration->unit == DurationUnit::weeks) {
          out = 7.0 * static_cast<double>(value.duration->amount);
          return true;
        }
        return fail(value, "months and years are calendar lengths: compare them with age() or days_between()");
      case Type::date:
        return fail(value, "a date is not a number: use age() or days_between()");
    }
    return false;
  }

  bool to_bool(const Value& value, bool& out) {
    switch (value.type) {
      case Type::boolean: out = value.boolean; return true;
      case Type::number: case Type::span: out = value.number != 0; return true;
      case Type::text: {
        std::string_view text = trim(value.text);
        // Annex A yes/no columns come as "Yes", "Y", "a) Yes", "1", "true" and their opposites.
        std::string_view code = code_of(text);
        for (std::string_view word : {"yes", "y", "true", "1"})
          if (text_equal(text, word) || text_equal(code, word)) return out = true, true;
        for (std::string_view word : {"no", "n", "false", "0", ""})
          if (text_equal(text, word) || text_equal(code, word)) return out = false, true;
        return fail(value, "expected yes or no, found " + quote_value(text));
      }
      default:
        return fail(value, "expected true/false, found " + std::string(type_name(value.type)));
    }
  }

  // Leaves (constants and columns, about half the nodes) are answered here without the large
  // frame of the compound cases.
  bool eval(const Node& node, Value& out) {
    switch (node.kind) {
      case Kind::number:
        set_number(out, node.number);
        return true;
      case Kind::column:
        out.clear();
        out.type = Type::text;
        out.text = trim((*fields)[node.column]);
        out.column = node.column;
        out.raw = true;
        return true;
      case Kind::duration:
        out.clear();
        out.type = Type::duration;
        out.duration = &node.duration;
        return true;
      default:
        return eval_compound(node, out);
    }
  }

  [[gnu::noinline]] bool eval_compound(const Node& node, Value& out) {
    switch (node.kind) {
      case Kind::number:
      case Kind::duration:
      case Kind::column:
        return eval(node, out);  // leaves: eval answers them without coming here
      case Kind::text:
        out.clear();
        out.type = Type::text;
        out.text = node.text;
        return true;
      case Kind::date:
        out.clear();
        out.type = Type::date;
        out.date = node.date;
        return true;
      case Kind::as_of:
        out.clear();
        out.type = Type::date;
        out.date = context.as_of;
        return true;
      case Kind::fn_date: {
        Value arg;
        Date date;
        if (!eval(node.args[0], arg) || !to_date(arg, date)) return false;
        out.clear();
        out.type = Type::date;
        out.date = date;
        out.column = arg.column;
        return true;
      }
      case Kind::fn_age: {
        Value arg;
        Date date;
        if (!eval(node.args[0], arg) || !to_date(arg, date)) return false;
        set_span(out, date, context.as_of, arg.column);
        return true;
      }
      case Kind::fn_days_between:
      case Kind::fn_working_days: {
        Value a, b;
        Date from, to;
        bool ok_a = eval(node.args[0], a) && to_date(a, from);
        bool ok_b = eval(node.args[1], b) && to_date(b, to);
        if (!ok_a || !ok_b) return false;
        if (node.kind == Kind::fn_days_between) {
          set_span(out, from, to, a.column != kNoColumn ? a.column : b.column);
          return true;
        }
        if (std::optional<long> days = holidays->working_days_between(from, to)) {
          set_number(out, static_cast<double>(*days), a.column != kNoColumn ? a.column : b.column);
          return true;
        }
        const Value& outside = holidays->covers(from) ? b : a;
        Date date = holidays->covers(from) ? to : from;
        return fail(outside, date.uk() + " is outside the bank holiday data (" +
                                 std::to_string(holidays->first_covered().year()) + "-" +
                                 std::to_string(holidays->last_covered().year()) +
                                 "): add its year to data/bank_holidays_england_wales.txt");
      }
      case Kind::fn_is_blank: {
        Value arg;
        if (!eval(node.args[0], arg)) return false;
        set_bool(out, arg.type == Type::text && is_blank(arg.text));
        return true;
      }
      case Kind::fn_code: {
        Value arg;
        if (!eval(node.args[0], arg)) return false;
        if (arg.type != Type::text) return fail(arg, "code() needs text, found " + std::string(type_name(arg.type)));
        out = arg;
        out.text = code_of(arg.text);
        out.raw = false;
        return true;
      }
      case Kind::negate: {
        Value arg;
        double number = 0;
        if (!eval(node.args[0], arg) || !to_number(arg, number)) return false;
        set_number(out, -number);
        return true;
      }
      case Kind::logical_not: {
        Value arg;
        bool boolean = false;
        if (!eval(node.args[0], arg) || !to_bool(arg, boolean)) return false;
        set_bool(out, !boolean);
        return true;
      }
      case Kind::logical_and:
      case Kind::logical_or: {
        Value arg;
        bool left = false;
        if (!eval(node.args[0], arg) || !to_bool(arg, left)) return false;
        bool decided = node.kind == Kind::logical_and ? !left : left;
        if (decided) {
          set_bool(out, left);
          return true;
        }
        bool right = false;
        if (!eval(node.args[1], arg) || !to_bool(arg, right)) return false;
        set_bool(out, right);
        return true;
      }
      case Kind::arithmetic:
        return arithmetic(node, out);
      case Kind::compare: {
        Value a, b;
        bool ok_a = eval(node.args[0], a);
        bool ok_b = eval(node.args[1], b);
        if (!ok_a || !ok_b) return false;
        int order = 0;
        if (!compare(a, b, node.op, order)) return false;
        set_bool(out, holds(node.op, order));
        return true;
      }
      case Kind::in_list: {
        Value subject;
        if (!eval(node.args[0], subject)) return false;
        bool found = false;
        for (std::size_t i = 1; i < node.args.size() && !found; ++i) {
          Value item;
          int order = 0;
          if (!eval(node.args[i], item) || !compare(subject, item, ast::Op::equal, order)) return false;
          found = order == 0;
        }
        set_bool(out, found != node.negated);
        return true;
      }
      case Kind::match:
        return match(node, out);
    }
    return false;
  }

  // An age (a span ending on the as-of date) against months or years, as three_way(as_of,
  // from + duration). Adding months is monotonic in `from`, so the answer turns on two
  // thresholds per duration, found once: the last `from` whose anniversary falls before the
  // as-of date, and the last whose anniversary falls on or before it.
  struct AgeThresholds {
    Duration duration;
    Date before;   // from <= before: from + duration < as_of
    Date reached;  // from <= reached: from + duration <= as_of
  };
  std::vector<AgeThresholds> age_thresholds;

  int compare_age(Date from, const Duration& duration) {
    const AgeThresholds* found = nullptr;
    for (const AgeThresholds& entry : age_thresholds)
      if (entry.duration == duration) found = &entry;
    if (!found) {
      AgeThresholds entry{duration, {}, {}};
      Date start = subtract(context.as_of, duration).value_or(context.as_of);
      auto last_where = [&](auto&& holds) {
        Date day{start.days_since_epoch + 4};
        while (!holds(*add(day, duration))) --day.days_since_epoch;
        return day;
      };
      entry.before = last_where([&](Date anniversary) { return anniversary < context.as_of; });
      entry.reached = last_where([&](Date anniversary) { return anniversary <= context.as_of; });
      age_thresholds.push_back(entry);
      found = &age_thresholds.back();
    }
    if (from <= found->before) return 1;
    return from <= found->reached ? 0 : -1;
  }

  static bool holds(ast::Op op, int order) {
    switch (op) {
      case ast::Op::less: return order < 0;
      case ast::Op::less_equal: return order <= 0;
      case ast::Op::greater: return order > 0;
      case ast::Op::greater_equal: return order >= 0;
      case ast::Op::equal: return order == 0;
      case ast::Op::not_equal: return order != 0;
      default: return false;
    }
  }

  // Three-way comparison in the most specific sense the two values share.
  bool compare(const Value& a, const Value& b, ast::Op op, int& order) {
    auto three_way = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
    if (a.type == Type::duration || b.type == Type::duration) {
      const Value& length = a.type == Type::duration ? b : a;
      const Value& duration = a.type == Type::duration ? a : b;
      int sign = a.type == Type::duration ? -1 : 1;  // duration on the left flips the order
      if (length.type == Type::span && length.date == context.as_of &&
          (duration.duration->unit == DurationUnit::months || duration.duration->unit == DurationUnit::years)) {
        order = sign * compare_age(length.from, *duration.duration);
        return true;
      }
      if (length.type == Type::span) {
        // Calendar exact: the span reaches the duration on the day `from + duration`.
        std::optional<Date> reached = add(length.from, *duration.duration);
        if (!reached) return fail(duration, "periods have no calendar length");
        order = sign * three_way(length.date, *reached);
        return true;
      }
      double x = 0, y = 0;
      if (!to_number(length, x) || !to_number(duration, y)) return false;
      order = sign * three_way(x, y);
      return true;
    }
    if (a.type == Type::date || b.type == Type::date) {
      Date x, y;
      bool ok_a = to_date(a, x);
      bool ok_b = to_date(b, y);
      if (!ok_a || !ok_b) return false;
      order = three_way(x, y);
      return true;
    }
    if (a.type == Type::boolean || b.type == Type::boolean) {
      bool x = false, y = false;
      bool ok_a = to_bool(a, x);
      bool ok_b = to_bool(b, y);
      if (!ok_a || !ok_b) return false;
      order = three_way(x, y);
      return true;
    }
    if (a.type == Type::text && b.type == Type::text) {
      if (op == ast::Op::equal || op == ast::Op::not_equal) {
        order = text_equal(a.text, b.text) ? 0 : 1;
        return true;
      }
    }
    double x = 0, y = 0;
    bool ok_a = to_number(a, x);
    bool ok_b = to_number(b, y);
    if (!ok_a || !ok_b) return false;
    order = three_way(x, y);
    return true;
  }

  bool arithmetic(const Node& node, Value& out) {
    Value a, b;
    bool ok_a = eval(node.args[0], a);
    bool ok_b = eval(node.args[1], b);
    if (!ok_a || !ok_b) return false;
    ast::Op op = node.op;
    // Dates move by calendar durations; two dates differ by a span.
    if (a.type == Type::date && b.type == Type::duration && (op == ast::Op::add || op == ast::Op::subtract)) {
      std::optional<Date> moved = op == ast::Op::add ? add(a.date, *b.duration) : subtract(a.date, *b.duration);
      if (!moved) return fail(b, "periods have no calendar length");
      out = a;
      out.date = *moved;
      return true;
    }
    if (a.type == Type::date && op == ast::Op::subtract && (b.type == Type::date || b.type == Type::text)) {
      Date other;
      if (!to_date(b, other)) return false;
      set_span(out, other, a.date, a.column != kNoColumn ? a.column : b.column);
      return true;
    }
    double x = 0, y = 0;
    bool ok_x = to_number(a, x);
    bool ok_y = to_number(b, y);
    if (!ok_x || !ok_y) return false;
    double result = 0;
    switch (op) {
      case ast::Op::add: result = x + y; break;
      case ast::Op::subtract: result = x - y; break;
      case ast::Op::multiply: result = x * y; break;
      case ast::Op::divide:
        if (y == 0) return fail(b.column != kNoColumn ? b.column : a.column, "division by zero");
        result = x / y;
        break;
      default: break;
    }
    set_number(out, result, a.column != kNoColumn ? a.column : b.column);
    return true;
  }

  bool match(const Node& node, Value& out) {
    Value subject;
    if (!eval(node.args[0], subject)) return false;
    std::string_view text;
    std::string formatted;
    if (subject.type == Type::text) {
      text = trim(subject.text);
    } else {
      append_value_text(formatted, subject);
      text = formatted;
    }
    MatchArms& arms = *node.match;
    arms.scratch.clear();
    append_normalised(arms.scratch, text);
    int arm = -1;
    if (auto cached = arms.cache.find(arms.scratch); cached != arms.cache.end()) {
      arm = cached->second;
    } else {
      for (std::size_t i = 0; i < arms.regexes.size(); ++i) {
        if (std::regex_search(arms.scratch, arms.regexes[i])) {
          arm = static_cast<int>(i);
          break;
        }
      }
      if (arms.cache.size() < kMatchCacheLimit) arms.cache.emplace(arms.scratch, arm);
    }
    if (arm < 0) {
      if (!node.has_else)
        return fail(subject, "value " + quote_value(text) + " matches none of the patterns (and there is no else)");
      arm = static_cast<int>(arms.regexes.size());
    }
    if (!eval(node.args[static_cast<std::size_t>(arm) + 1], out)) return false;
    if (out.column == kNoColumn) out.column = subject.column;
    return true;
  }

  void append_value_text(std::string& out, const Value& value) {
    switch (value.type) {
      case Type::text: append_normalised(out, trim(value.text)); return;
      case Type::number: case Type::span: append_number(out, value.number); return;
      case Type::date: out += value.date.iso(); return;
      case Type::boolean: out += value.boolean ? "true" : "false"; return;
      case Type::duration: out += to_string(*value.duration); return;
    }
  }
};

// ---------------------------------------------------------------------------------------------

void append_label_value(std::string& out, std::string_view text) {
  bool plain = true;
  for (char c : text) plain = plain && c != '\\' && c != '"' && c != '\n' && c != '\r';
  if (plain) {
    out.append(text);
    return;
  }
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': break;  // the CR of a CRLF inside a quoted cell
      default: out.push_back(c);
    }
  }
}

void append_number(std::string& out, double value) {
  char buffer[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(value));
    out.append(buffer, end);
    return;
  }
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

CompiledExtract::CompiledExtract(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledExtract::CompiledExtract(CompiledExtract&&) noexcept = default;
CompiledExtract& CompiledExtract::operator=(CompiledExtract&&) noexcept = default;
CompiledExtract::~CompiledExtract() = default;

std::optional<CompiledExtract> CompiledExtract::compile(const ast::ExtractDecl& decl,
                                                        std::string_view rules_file,
                                                        const HeaderIndex& header,
                                                        std::string_view data_file,
                                                        const EvalContext& context,
                                                        std::vector<Diagnostic>& diagnostics) {
  std::optional<CompiledMapping> compiled = compile_mapping(decl, rules_file, header, data_file, diagnostics);
  if (!compiled) return std::nullopt;
  auto impl = std::make_unique<Impl>();
  impl->name = decl.name;
  impl->context = context;
  impl->holidays = context.holidays ? context.holidays : &HolidayCalendar::england_and_wales();
  if (decl.date_format)
    impl->order = date_order_from_format(decl.date_format->value).value_or(DateOrder::day_first);
  impl->filters = std::move(compiled->filters);
  impl->labels = std::move(compiled->labels);
  impl->samples = std::move(compiled->samples);
  impl->as_of_text = " " + context.as_of.iso() + "\n";
  return CompiledExtract(std::move(impl));
}

const std::string& CompiledExtract::name() const { return impl_->name; }

std::size_t CompiledExtract::samples_written() const { return impl_->samples_written; }

namespace {
void collect_columns(const Node& node, std::set<std::size_t>& out) {
  if (node.kind == Kind::column && node.column != kNoColumn) out.insert(node.column);
  for (const Node& arg : node.args) collect_columns(arg, out);
}
}  // namespace

std::vector<std::size_t> CompiledExtract::columns_used() const {
  std::set<std::size_t> columns;
  for (const Node& filter : impl_->filters) collect_columns(filter, columns);
  for (const LabelBinding& label : impl_->labels) collect_columns(label.value, columns);
  for (const SampleBinding& sample : impl_->samples) collect_columns(sample.value, columns);
  return {columns.begin(), columns.end()};
}

CompiledExtract::Outcome CompiledExtract::evaluate(const std::vector<std::string_view>& fields,
                                                   std::string& out, std::vector<RowError>& errors) {
  Impl& impl = *impl_;
  impl.fields = &fields;
  impl.errors = &errors;
  impl.samples_written = 0;
  if (++impl.row_number == 1 || impl.date_cache_row.size() != fields.size()) {
    impl.date_cache_row.assign(fields.size(), 0);
    impl.date_cache.assign(fields.size(), Date{});
  }
  std::size_t errors_before = errors.size();

  for (const Node& filter : impl.filters) {
    Value value;
    bool keep = false;
    if (!impl.eval(filter, value) || !impl.to_bool(value, keep)) return Outcome::rejected;
    if (!keep) return Outcome::filtered;
  }

  std::string& labels = impl.label_text;
  labels.clear();
  for (const LabelBinding& label : impl.labels) {
    Value value;
    if (!impl.eval(label.value, value)) continue;
    std::string_view text;
    if (value.type == Type::text && is_ascii(value.text)) {
      text = trim(value.text);  // the common case: nothing to normalise, no copy
    } else {
      impl.scratch.clear();
      impl.append_value_text(impl.scratch, value);
      text = impl.scratch;
    }
    if (label.key && text.empty()) {
      impl.fail(value, "blank, but it is the key '" + label.name + "'");
      continue;
    }
    labels += labels.empty() ? '{' : ',';
    labels += label.prefix;
    append_label_value(labels, text);
    labels += '"';
  }
  if (!labels.empty()) labels += '}';

  std::size_t out_before = out.size();
  for (const SampleBinding& sample : impl.samples) {
    Value value;
    double number = 0;
    if (!impl.eval(sample.value, value)) continue;
    if (value.type == Type::date) {
      impl.fail(value, "sample '" + sample.name + "' is a date; a sample is a number (use age() or days_between())");
      continue;
    }
    if (!impl.to_number(value, number)) continue;
    out += sample.name;
    out += labels;
    out += ' ';
    append_number(out, number);
    out += impl.as_of_text;
    ++impl.samples_written;
  }
  if (errors.size() != errors_before) {
    out.resize(out_before);
    impl.samples_written = 0;
    return Outcome::rejected;
  }
  return Outcome::imported;
}

}  // namespace bandwatch::extract
