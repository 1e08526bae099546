// The editors' TextMate grammar (editors/bandwatch.tmLanguage.json) and the language server's
// completion words against what the parser knows: a keyword added to rules/parser.cpp (a `kw("...")`,
// a BANDWATCH_KEYWORD, a symbol table's `add("...")`) and left out of the grammar or the
// completion list fails here, naming it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "lsp/features.hpp"
#include "rules/ast.hpp"

namespace bandwatch::lsp_test {
namespace {

using nlohmann::json;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The words the parser takes: kw("..."), BANDWATCH_KEYWORD(...), symbol tables' add("...").
std::set<std::string> parser_keywords() {
  std::string source = read(std::string(BANDWATCH_SOURCE_DIR) + "/rules/parser.cpp");
  std::set<std::string> words;
  for (const char* pattern : {R"re(kw\("([a-z_]+)"\))re", R"re(\nBANDWATCH_KEYWORD\(([a-z_]+)\))re", R"re(add\("([a-z_]+)")re",
                              R"re(\("([a-z_]+)", ast::)re"}) {
    std::regex re(pattern);
    for (auto it = std::sregex_iterator(source.begin(), source.end(), re); it != std::sregex_iterator(); ++it)
      words.insert((*it)[1].str());
  }
  return words;
}

/// The parser's `kw` and BANDWATCH_KEYWORD words only (the language's own words, not values).
std::set<std::string> parser_reserved_words() {
  std::string source = read(std::string(BANDWATCH_SOURCE_DIR) + "/rules/parser.cpp");
  std::set<std::string> words;
  for (const char* pattern : {R"re(kw\("([a-z_]+)"\))re", R"re(\nBANDWATCH_KEYWORD\(([a-z_]+)\))re"}) {
    std::regex re(pattern);
    for (auto it = std::sregex_iterator(source.begin(), source.end(), re); it != std::sregex_iterator(); ++it)
      words.insert((*it)[1].str());
  }
  return words;
}

json grammar() { return json::parse(read(std::string(BANDWATCH_SOURCE_DIR) + "/editors/bandwatch.tmLanguage.json")); }

/// Every `match` regex of the grammar with the scope it gives, but the catch-all for names.
void collect(const json& node, std::vector<std::pair<std::string, std::string>>& out) {
  if (node.is_object()) {
    if (node.contains("match") && node.value("name", "") != "variable.other.bandwatch")
      out.emplace_back(node["match"].get<std::string>(), node.value("name", ""));
    for (const auto& [key, value] : node.items()) collect(value, out);
  } else if (node.is_array()) {
    for (const json& value : node) collect(value, out);
  }
}

void includes(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    if (node.contains("include")) out.push_back(node["include"].get<std::string>());
    for (const auto& [key, value] : node.items()) includes(value, out);
  } else if (node.is_array()) {
    for (const json& value : node) includes(value, out);
  }
}

TEST(Grammar, IsATextMateGrammarWhoseRegexesAllCompile) {
  json g = grammar();
  EXPECT_EQ(g["scopeName"], "source.bandwatch");
  EXPECT_EQ(g["fileTypes"], json::array({"bw"}));
  ASSERT_TRUE(g["patterns"].is_array());
  std::vector<std::string> refs;
  includes(g, refs);
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.front(), '#') << ref;
    EXPECT_TRUE(g["repository"].contains(ref.substr(1))) << "no repository entry for " << ref;
  }
  std::vector<std::pair<std::string, std::string>> regexes;
  collect(g, regexes);
  EXPECT_GT(regexes.size(), 10u);
  for (const auto& [regex, scope] : regexes) EXPECT_NO_THROW(std::regex{regex}) << regex;
}

TEST(Grammar, CoversEveryKeywordTheParserKnows) {
  std::set<std::string> words = parser_keywords();
  // The scan found the parser's words (a change in how it writes them must not empty this test).
  for (const char* known : {"indicator", "when", "escalate", "every", "green", "higher"}) EXPECT_TRUE(words.count(known)) << known;
  // Units and frames, as the AST names them.
  for (int unit = 1; unit <= static_cast<int>(ast::Unit::number); ++unit)
    words.insert(std::string(ast::to_string(static_cast<ast::Unit>(unit))));
  for (int frame = 1; frame <= static_cast<int>(ast::Frame::snapshot); ++frame)
    words.insert(std::string(ast::to_string(static_cast<ast::Frame>(frame))));
  std::vector<std::pair<std::string, std::string>> regexes;
  collect(grammar(), regexes);
  for (const std::string& word : words) {
    bool covered = false;
    for (const auto& [regex, scope] : regexes) {
      std::smatch m;
      std::string subject = word + "(";  // functions are matched before a parenthesis
      if (std::regex_search(subject, m, std::regex(regex)) && m.position(0) == 0 &&
          (m.length(0) == static_cast<long>(word.size()) || m.length(1) == static_cast<long>(word.size())))
        covered = true;
    }
    EXPECT_TRUE(covered) << "editors/bandwatch.tmLanguage.json does not colour the parser's keyword '" << word << "'";
  }
}

TEST(Grammar, CompletionOffersEveryReservedWordOfTheParser) {
  const std::vector<std::string_view>& offered = lsp::keywords();
  for (const std::string& word : parser_reserved_words())
    EXPECT_NE(std::find(offered.begin(), offered.end(), word), offered.end())
        << "bandwatch lsp does not offer the parser's keyword '" << word << "' (clients/lsp/features.cpp kKeywords)";
}

TEST(Grammar, VsCodeExtensionUsesTheGrammarAndTheServer) {
  json package = json::parse(read(std::string(BANDWATCH_SOURCE_DIR) + "/editors/vscode/package.json"));
  EXPECT_EQ(package["contributes"]["languages"][0]["id"], "bandwatch");
  EXPECT_EQ(package["contributes"]["languages"][0]["extensions"], json::array({".bw"}));
  EXPECT_EQ(package["contributes"]["grammars"][0]["scopeName"], "source.bandwatch");
  std::string grammar_path = package["contributes"]["grammars"][0]["path"];
  EXPECT_EQ(read(std::string(BANDWATCH_SOURCE_DIR) + "/editors/vscode/" + grammar_path),
            read(std::string(BANDWATCH_SOURCE_DIR) + "/editors/bandwatch.tmLanguage.json"));
  std::string extension = read(std::string(BANDWATCH_SOURCE_DIR) + "/editors/vscode/extension.js");
  EXPECT_NE(extension.find("'lsp'"), std::string::npos);
}

}  // namespace
}  // namespace bandwatch::lsp_test
