#include "extract/header.hpp"

#include "text.hpp"

namespace bandwatch::extract {
namespace {

std::string without_parentheses(std::string_view text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

bool leading_words(const std::vector<std::string>& shorter, const std::vector<std::string>& longer) {
  if (shorter.empty() || shorter.size() > longer.size()) return false;
  for (std::size_t i = 0; i < shorter.size(); ++i)
    if (shorter[i] != longer[i]) return false;
  return true;
}

// A header row can be anything a file holds (one 100 MB line): the list a message quotes is
// bounded, so a missing column cannot print the file back.
constexpr std::size_t kListedHeaders = 40;
constexpr std::size_t kHeaderShown = 80;  // bytes of each header quoted

std::string quoted_list(const std::vector<std::string>& headers, const std::vector<std::size_t>& which) {
  std::string out;
  std::size_t listed = 0;
  for (std::size_t index : which) {
    if (listed == kListedHeaders) {
      out += " and " + std::to_string(which.size() - listed) + " more";
      break;
    }
    if (!out.empty()) out += ", ";
    const std::string& header = headers[index];
    std::size_t cut = header.size() <= kHeaderShown ? header.size() : kHeaderShown;
    while (cut < header.size() && cut > 0 && (static_cast<unsigned char>(header[cut]) & 0xC0) == 0x80) --cut;
    out += "\"" + header.substr(0, cut) + (cut < header.size() ? "...\"" : "\"");
    ++listed;
  }
  return out;
}

}  // namespace

std::vector<std::string> header_words(std::string_view header) {
  std::vector<std::string> words;
  std::string word;
  std::string text = normalised(header);
  for (char c : text) {
    char l = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
      word.push_back(l);
    } else if (c == '\'') {
      continue;  // "Child's" is one word
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

HeaderIndex::HeaderIndex(std::vector<std::string> headers) {
  for (std::string& header : headers) {
    std::string clean(trim(normalised(header)));
    keys_.push_back(header_key(clean));
    bare_keys_.push_back(header_key(without_parentheses(clean)));
    words_.push_back(header_words(clean));
    headers_.push_back(std::move(clean));
  }
}

std::optional<HeaderMatch> HeaderIndex::find(std::string_view name, std::string& error) const {
  std::vector<std::string_view> alternatives;
  for (std::size_t start = 0;;) {
    std::size_t bar = name.find('|', start);
    alternatives.push_back(trim(name.substr(start, bar == std::string_view::npos ? bar : bar - start)));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  for (std::string_view alternative : alternatives) {
    std::string want = normalised(alternative);
    std::string key = header_key(want);
    if (key.empty()) continue;
    std::string bare = header_key(without_parentheses(want));
    std::vector<std::string> want_words = header_words(without_parentheses(want));

    auto collect = [&](auto&& accept) {
      std::vector<std::size_t> found;
      for (std::size_t i = 0; i < headers_.size(); ++i)
        if (!keys_[i].empty() && accept(i)) found.push_back(i);
      return found;
    };
    std::vector<std::vector<std::size_t>> steps;
    steps.push_back(collect([&](std::size_t i) { return keys_[i] == key; }));
    steps.push_back(collect([&](std::size_t i) { return !bare.empty() && bare_keys_[i] == bare; }));
    steps.push_back(collect([&](std::size_t i) {
      std::vector<std::string> bare_words = header_words(without_parentheses(headers_[i]));
      return leading_words(want_words, bare_words) || leading_words(bare_words, want_words) ||
             leading_words(want_words, words_[i]);
    }));
    for (std::size_t step = 0; step < steps.size(); ++step) {
      const std::vector<std::size_t>& found = steps[step];
      if (found.empty()) continue;
      if (found.size() > 1) {
        error = "column \"" + std::string(alternative) + "\" matches several columns: " +
                quoted_list(headers_, found);
        return std::nullopt;
      }
      return HeaderMatch{found[0], headers_[found[0]], step == 0};
    }
  }
  error = "column \"" + std::string(name) + "\" is not in the file; its columns are: " + describe();
  return std::nullopt;
}

std::string HeaderIndex::describe() const {
  std::vector<std::size_t> named;
  for (std::size_t i = 0; i < headers_.size(); ++i)
    if (!keys_[i].empty()) named.push_back(i);
  return quoted_list(headers_, named);
}

}  // namespace bandwatch::extract
