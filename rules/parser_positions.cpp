// Positions in a rules file: byte offsets to lines and columns, and blanks and comments skipped
// as the grammar's skipper skips them (parser_internal.hpp).
#include <algorithm>
#include <cctype>

#include "parser_internal.hpp"

namespace bandwatch::parsing {

Locator::Locator(std::string_view source) : source_(source) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < source.size(); ++i)
    if (source[i] == '\n') line_starts_.push_back(static_cast<std::uint32_t>(i + 1));
}

ast::Location Locator::at(Iterator where) const { return exact(skip_blank(where, end())); }

ast::Location Locator::exact(Iterator where) const {
  auto offset = static_cast<std::uint32_t>(where - source_.data());
  auto next = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  auto line = static_cast<std::uint32_t>(next - line_starts_.begin());
  return {line, offset - line_starts_[line - 1] + 1};
}

Iterator skip_blank(Iterator where, Iterator end) {
  while (where < end) {
    if (*where == '#') {
      while (where < end && *where != '\n') ++where;
    } else if (std::isspace(static_cast<unsigned char>(*where))) {
      ++where;
    } else {
      break;
    }
  }
  return where;
}

}  // namespace bandwatch::parsing
