#include "text.hpp"  // internal to extract/

#include <gtest/gtest.h>

namespace bandwatch::extract {
namespace {

TEST(Text, TrimsAsciiSpaceAndNoBreakSpace) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("\xC2\xA0" "x" "\xC2\xA0"), "x");
  EXPECT_TRUE(is_blank(" \t "));
  EXPECT_FALSE(is_blank(" 0 "));
}

TEST(Text, HeaderKeyIgnoresCaseSpacesPunctuationAndCurlyQuotes) {
  EXPECT_EQ(header_key("Child Unique ID"), "childuniqueid");
  EXPECT_EQ(header_key(" child_unique-id "), "childuniqueid");
  EXPECT_EQ(header_key("Child\xE2\x80\x99s Category of Need"), "childscategoryofneed");
  EXPECT_EQ(header_key("Child's Category of Need"), "childscategoryofneed");
}

TEST(Text, NormalisesCurlyQuotesAndRepairsWindows1252) {
  EXPECT_EQ(normalised("Children\xE2\x80\x99s Team"), "Children's Team");
  EXPECT_EQ(normalised("\xE2\x80\x9CQuoted\xE2\x80\x9D"), "\"Quoted\"");
  // Windows-1252: 0x92 is a right single quote, 0xE9 is e-acute.
  EXPECT_EQ(normalised("Children\x92s Team"), "Children's Team");
  EXPECT_EQ(normalised("Ren\xE9"), "Ren\xC3\xA9");
  EXPECT_EQ(normalised("Ren\xC3\xA9"), "Ren\xC3\xA9");  // valid UTF-8 is kept
}

TEST(Text, CodeIsTheTextBeforeTheFirstSeparator) {
  EXPECT_EQ(code_of("a) Yes"), "a");
  EXPECT_EQ(code_of("N1 - Abuse or neglect"), "N1");
  EXPECT_EQ(code_of("E1: Placement order"), "E1");
  EXPECT_EQ(code_of("  C2 "), "C2");
  EXPECT_EQ(code_of("U1 - Foster placement: relative"), "U1");
  EXPECT_EQ(code_of("Non-binary"), "Non-binary");  // a hyphen without spaces is no separator
  EXPECT_EQ(code_of(""), "");
}

TEST(Text, TextEqualIgnoresCaseAndQuoteStyle) {
  EXPECT_TRUE(text_equal("Yes", "yes "));
  EXPECT_TRUE(text_equal("Children\xE2\x80\x99s", "children's"));
  EXPECT_FALSE(text_equal("Yes", "Y"));
}

}  // namespace
}  // namespace bandwatch::extract
