// Message texts split into literal text and placeholders ({value}, {band}, {target}, {previous},
// {benchmark.NAME}, labels), and the texts of targets and band limits they show.
#include <algorithm>

#include "compiler.hpp"

namespace bandwatch::engine::detail::compiling {

std::string quantity_text(const ast::Quantity& q) {
  if (!q.text.empty()) return q.text;
  return format_value(q.value, q.unit);
}

std::string bound_text(const ast::Band& band) {
  std::string text;
  if (band.range && band.lower && band.upper)
    return quantity_text(band.lower->quantity) + " .. " + quantity_text(band.upper->quantity);
  if (band.lower) text = (band.lower->inclusive ? ">= " : "> ") + quantity_text(band.lower->quantity);
  if (band.upper) {
    if (!text.empty()) text += " and ";
    text += (band.upper->inclusive ? "<= " : "< ") + quantity_text(band.upper->quantity);
  }
  if (text.empty()) text = "any";
  return text;
}

std::vector<MessagePart> Compiler::parse_message(const std::string& text, const ExprProgram& program,
                                                 MessageSource& source) {
  std::vector<MessagePart> parts;
  auto literal = [&](std::string_view s) {
    if (s.empty()) return;
    if (parts.empty() || parts.back().kind != Segment::text) parts.push_back({Segment::text, "", kNone});
    parts.back().text += s;
  };
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t open = text.find('{', at);
    if (open == std::string::npos) break;
    std::size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    literal(std::string_view(text).substr(at, open - at));
    std::string name = text.substr(open + 1, close - open - 1);
    std::uint32_t label = strings_.find(name);
    if (name == "value") parts.push_back({Segment::value, "", kNone});
    else if (name == "band") parts.push_back({Segment::band, "", kNone});
    else if (name == "target" && source.indicator) parts.push_back({Segment::target, "", kNone});
    else if (name == "target" && source.target_benchmark != kNone)
      parts.push_back({Segment::benchmark, "", source.target_benchmark});
    else if (name == "target" && !source.target_text.empty()) literal(source.target_text);
    else if (name == "previous" && source.previous) parts.push_back({Segment::previous, "", kNone});
    else if (name.starts_with("benchmark.") &&
             benchmark_index(name.substr(10), source.entry) != kNone)
      parts.push_back({Segment::benchmark, "", benchmark_index(name.substr(10), source.entry)});
    else if (name == "previous")
      source.problem = "message placeholder {previous}: the metric on the left of the first comparison in `when` "
                       "must be the one whose series the alerts follow";
    else if (name == "target" || name.starts_with("benchmark."))
      source.problem = "message placeholder {" + name + "} cannot be filled here (bandwatch check says why)";
    else if (label != kNone && driver_has_label(program, label)) parts.push_back({Segment::label, "", label});
    else literal(std::string_view(text).substr(open, close - open + 1));
    at = close + 1;
  }
  literal(std::string_view(text).substr(std::min(at, text.size())));
  return parts;
}

}  // namespace bandwatch::engine::detail::compiling
