// "1 children": a plural noun written after `{value}` in a rule's message agrees with a value
// of one (see alerts.hpp).
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include "alerts.hpp"

namespace bandwatch::engine::detail {
namespace {

// Nouns counted in children's social care messages, plural and singular. Only these are
// changed: a word that is not a noun after the number ("1 is ...") must never be touched.
constexpr std::pair<std::string_view, std::string_view> kNouns[] = {
    {"children", "child"},       {"people", "person"},         {"cases", "case"},
    {"workers", "worker"},       {"visits", "visit"},          {"plans", "plan"},
    {"days", "day"},             {"weeks", "week"},            {"months", "month"},
    {"years", "year"},           {"referrals", "referral"},    {"re-referrals", "re-referral"},
    {"assessments", "assessment"}, {"families", "family"},     {"carers", "carer"},
    {"placements", "placement"}, {"alerts", "alert"},          {"reviews", "review"},
    {"vacancies", "vacancy"},    {"leavers", "leaver"},        {"adoptions", "adoption"},
    {"returns", "return"},       {"moves", "move"},            {"episodes", "episode"},
    {"teams", "team"},           {"records", "record"},        {"rows", "row"},
    {"posts", "post"},           {"staff", "staff"},           {"agency", "agency"},
    {"social", "social"},        {"foster", "foster"},         {"young", "young"},
    {"looked", "looked"},        {"missing", "missing"},       {"new", "new"},
    {"open", "open"},            {"unallocated", "unallocated"}, {"more", "more"},
    {"fewer", "fewer"},
};

}  // namespace

std::size_t singular_after_one(std::string_view text, std::string& out) {
  // The text after the number: a space, then words. Adjectives in the list above ("1 young
  // people", "1 looked after children") are stepped over to reach the noun; nothing else is.
  std::size_t at = 0;
  for (int words = 0; words < 4; ++words) {
    if (at >= text.size() || text[at] != ' ') return 0;
    std::size_t start = at + 1, end = start;
    while (end < text.size() && (std::isalpha(static_cast<unsigned char>(text[end])) || text[end] == '-')) ++end;
    std::string_view word = text.substr(start, end - start);
    const std::pair<std::string_view, std::string_view>* found = nullptr;
    for (const auto& noun : kNouns)
      if (noun.first == word) found = &noun;
    if (!found) {
      // "1 looked after children": "after" joins an adjective to its noun.
      if (word == "after" && words > 0) {
        at = end;
        continue;
      }
      return 0;
    }
    if (found->first != found->second) {
      out.append(text.substr(0, start));
      out.append(found->second);
      return end;
    }
    at = end;
  }
  return 0;
}

}  // namespace bandwatch::engine::detail
