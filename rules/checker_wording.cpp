// Label lists and the small pieces of wording every checker message uses (checker_internal.hpp).
#include "checker_internal.hpp"

#include <algorithm>

namespace bandwatch::checking {

bool has(const Labels& labels, std::string_view label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

void add(Labels& labels, const std::string& label) {
  if (!has(labels, label)) labels.push_back(label);
}

void add_all(Labels& labels, const Labels& more) {
  for (const std::string& label : more) add(labels, label);
}

std::string joined(const Labels& labels) {
  std::string out;
  for (const std::string& label : labels) out += (out.empty() ? "" : ", ") + label;
  return out;
}

/// "an" before a vowel sound as the kinds and colours here spell it, "a" otherwise.
std::string article(std::string_view word) {
  return !word.empty() && std::string_view("aeio").find(word.front()) != std::string_view::npos
             ? "an"
             : "a";
}

std::string quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

/// "; did you mean 'caseload'?" when a candidate is close enough, else nothing.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view open, std::string_view close) {
  std::string best = did_you_mean(word, candidates);
  if (best.empty()) return {};
  return "; did you mean " + std::string(open) + best + std::string(close) + "?";
}

}  // namespace bandwatch::checking
