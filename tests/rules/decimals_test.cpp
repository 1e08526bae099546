// `decimals N` on an indicator: the places its values are shown with, apart from `round` (the
// places they are judged at). Parsed, formatted back, and checked: more places than `round`
// keeps is an error naming both.
#include <gtest/gtest.h>

#include "rules/checker.hpp"
#include "rules/formatter.hpp"
#include "rules/parser.hpp"

namespace bandwatch {
namespace {

std::vector<std::string> errors_of(const std::string& text) {
  ParseResult parsed = parse(text, "t.bw");
  std::vector<std::string> out;
  for (const Diagnostic& d : parsed.diagnostics)
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  if (!parsed.ok()) return out;
  std::vector<ast::File> files;
  files.push_back(std::move(parsed.file));
  for (const Diagnostic& d : check(files))
    if (d.severity == Severity::error)
      out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  return out;
}

TEST(Decimals, ParsedAndFormattedBack) {
  ParseResult parsed = parse("indicator timeliness { unit percent  bands { green >= 90%  red < 90% }  decimals 0 }\n", "t.bw");
  ASSERT_TRUE(parsed.ok());
  const auto& indicator = std::get<ast::IndicatorDecl>(parsed.file.items.at(0));
  ASSERT_TRUE(indicator.decimals);
  EXPECT_EQ(indicator.decimals->value, 0);
  EXPECT_FALSE(indicator.round);
  EXPECT_NE(format(parsed.file).find("  decimals 0\n"), std::string::npos) << format(parsed.file);
}

TEST(Decimals, FewerThanRoundOrWithoutRoundIsFine) {
  EXPECT_EQ(errors_of("indicator a { unit percent  bands { green >= 90%  red < 90% }  round 2  decimals 1 }\n"
                      "indicator b { unit percent  bands { green >= 90%  red < 90% }  decimals 1 }\n"),
            std::vector<std::string>{});
}

TEST(Decimals, MoreThanRoundIsAnError) {
  EXPECT_EQ(errors_of("indicator a { unit percent  bands { green >= 90%  red < 90% }  round 0  decimals 1 }\n"),
            (std::vector<std::string>{
                "1:73: `decimals 1` shows more decimal places than `round 0` keeps: the value is shown as it is "
                "classified, so the extra places would always be 0; write `decimals 0` or less, or `round 1`"}));
  EXPECT_EQ(errors_of("indicator a { unit percent  bands { green >= 90%  red < 90% }  decimals 7 }\n"),
            (std::vector<std::string>{"1:64: `decimals` is the number of decimal places shown, at most 6, not 7"}));
}

}  // namespace
}  // namespace bandwatch
