// Finding a mapping's columns in a file's header row, tolerant of the drift real exports show:
// case, spaces, punctuation and curly quotes never matter; "Age" finds "Age of Child (Years)".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bandwatch::extract {

struct HeaderMatch {
  std::size_t index = 0;    // 0-based column
  std::string header;       // the header as the file spells it
  bool exact = true;        // false: found by a looser rule (worth a note to the user)
};

/// A header row, indexed for lookups.
class HeaderIndex {
 public:
  explicit HeaderIndex(std::vector<std::string> headers);

  /// The column a mapping names. `name` may give alternatives separated by `|`
  /// ("Allocated Worker|Social Worker"), tried in order. For each alternative, in order:
  ///  1. the same header key (letters and digits, lower case: see header_key());
  ///  2. the same key once parenthesised parts are dropped from both ("Age (Years)" ~ "Age");
  ///  3. one side's words are the leading words of the other's ("Age" ~ "Age of Child (Years)"),
  ///     when exactly one column qualifies.
  /// nullopt with `error` set when nothing matches or a step finds several columns.
  std::optional<HeaderMatch> find(std::string_view name, std::string& error) const;

  /// `"A", "B", "C"`: the columns found, for error messages (blank headers left out).
  std::string describe() const;

  std::size_t size() const { return headers_.size(); }
  const std::string& header(std::size_t index) const { return headers_[index]; }

 private:
  std::vector<std::string> headers_;                // normalised text, as displayed
  std::vector<std::string> keys_;                   // header_key()
  std::vector<std::string> bare_keys_;              // header_key() without (...) parts
  std::vector<std::vector<std::string>> words_;     // lower-case alphanumeric words
};

/// The words of a header: lower-case runs of letters and digits ("Child’s ID" -> childs, id).
std::vector<std::string> header_words(std::string_view header);

}  // namespace bandwatch::extract
