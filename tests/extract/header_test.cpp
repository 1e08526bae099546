#include "extract/header.hpp"

#include <gtest/gtest.h>

namespace bandwatch::extract {
namespace {

std::string find(const HeaderIndex& index, std::string_view name) {
  std::string error;
  std::optional<HeaderMatch> match = index.find(name, error);
  if (!match) return "error: " + error;
  return std::to_string(match->index) + (match->exact ? "" : " loose");
}

const HeaderIndex kList8({"Child Unique ID", "Gender", "Age of Child (Years)",
                          "Child\xE2\x80\x99s Category of Need", "Date of last statutory visit",
                          "Date of latest statutory review", "ALLOCATED  TEAM", "", ""});

TEST(Header, CaseSpacesPunctuationAndCurlyQuotesDoNotMatter) {
  EXPECT_EQ(find(kList8, "Child Unique ID"), "0");
  EXPECT_EQ(find(kList8, "child_unique_id"), "0");
  EXPECT_EQ(find(kList8, "Allocated Team"), "6");
  EXPECT_EQ(find(kList8, "Child's Category of Need"), "3");
}

TEST(Header, DriftedNamesMatchLoosely) {
  EXPECT_EQ(find(kList8, "Age"), "2 loose");
  EXPECT_EQ(find(kList8, "Age of Child"), "2 loose");
  EXPECT_EQ(find(HeaderIndex({"Age"}), "Age of Child (Years)"), "0 loose");
}

TEST(Header, AlternativesAreTriedInOrder) {
  EXPECT_EQ(find(kList8, "Social Worker|Allocated Team"), "6");
  EXPECT_EQ(find(kList8, "Gender|Allocated Team"), "1");
}

TEST(Header, AmbiguousAndMissingColumnsAreErrors) {
  EXPECT_EQ(find(kList8, "Date of"),
            "error: column \"Date of\" matches several columns: \"Date of last statutory visit\", "
            "\"Date of latest statutory review\"");
  EXPECT_EQ(find(HeaderIndex({"a", "b"}), "Allocated Worker"),
            "error: column \"Allocated Worker\" is not in the file; its columns are: \"a\", \"b\"");
  EXPECT_EQ(kList8.describe().find("\"\""), std::string::npos);  // blank headers are not listed
}

}  // namespace
}  // namespace bandwatch::extract
