// The pack for spreadsheets: the RAG tables as CSV, and as an Excel workbook whose cells are
// real numbers and dates with their formats and whose bands are fills (read back from the .xlsx:
// a zip of XML parts, opened with `unzip -p`).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <string>

#include "report/render.hpp"
#include "fixture.hpp"

namespace bandwatch::report {
namespace {

using testing::stockton_source;

ReportModel model() { return build_model(stockton_source(), {}).model; }

TEST(Csv, RagTablesOneRowPerSeriesNumbersAsNumbers) {
  EXPECT_EQ(render_csv(model()),
            "group,indicator,title,labels,frame,target,value,unit,value_text,date,band,trend,last_year,note\r\n"
            "Table 1: Assessment of need is completed in a timely manner,single_assessment_timeliness,"
            "Timeliness of Single Assessments,,YD,Green: >= 95%; Amber: 90% - 94%; Red: <= 89%,96.6,percent,96.6%,"
            "2016-09-30,green,improving,98.8%,\r\n"
            "Table 1: Assessment of need is completed in a timely manner,cic_health,Health of CiC,,RY,"
            "Green: >= 90%; Amber: 80% - 89%; Red: <= 79%,80,percent,80%,2016-09-30,amber,none,,\r\n"
            "Table 5: Care leavers are supported into suitable housing & employment or training,care_leavers_eet,"
            "Number / proportion of care leavers in EET (16-21 year olds),,Q,Green: >= 55%; Amber: 50% - 54%; "
            "Red: <= 49%,43.5,percent,43.5%,2016-09-30,red,declining,51.6%,\r\n"
            "Other indicators,placements_budget,Children's homes placements: outturn,,,Green: <= £5.293m; "
            "Red: > £5.6m,7711000,gbp,£7.711m,2016-09-30,unbanded,none,,\r\n");
}

TEST(Csv, QuotesWhatNeedsQuoting) {
  ReportModel m = model();
  m.groups[0].rows[0].title = "Visits, \"in time\"";
  std::string csv = render_csv(m);
  EXPECT_NE(csv.find(",\"Visits, \"\"in time\"\"\","), std::string::npos) << csv;
}

// The text of one part of the workbook.
std::string part(const std::string& xlsx, const std::string& name) {
  std::string command = "unzip -p '" + xlsx + "' '" + name + "'";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string text;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, got);
  ::pclose(pipe);
  return text;
}

struct Cell {
  std::string style, type, value;
};

class Workbook {
 public:
  explicit Workbook(const std::string& path) {
    std::string sheet = part(path, "xl/worksheets/sheet1.xml");
    std::regex cell(R"re(<c r="([A-Z]+[0-9]+)"(?: s="([0-9]+)")?(?: t="([a-z]+)")?(?:/>|>(?:<v>([^<]*)</v>)?</c>))re");
    for (std::sregex_iterator it(sheet.begin(), sheet.end(), cell), end; it != end; ++it)
      cells_[(*it)[1]] = Cell{(*it)[2], (*it)[3], (*it)[4]};
    std::string shared = part(path, "xl/sharedStrings.xml");
    std::regex item(R"re(<si><t(?: [^>]*)?>([^<]*)</t></si>)re");
    for (std::sregex_iterator it(shared.begin(), shared.end(), item), end; it != end; ++it) strings_.push_back((*it)[1]);
    std::string styles = part(path, "xl/styles.xml");
    std::string fills = styles.substr(styles.find("<fills"), styles.find("</fills>") - styles.find("<fills"));
    std::regex fill(R"re(<fill>(.*?)</fill>)re");
    for (std::sregex_iterator it(fills.begin(), fills.end(), fill), end; it != end; ++it) {
      std::smatch colour;
      std::string body = (*it)[1];
      fills_.push_back(std::regex_search(body, colour, std::regex(R"re(fgColor rgb="FF([0-9A-F]{6})")re")) ? colour[1].str() : "");
    }
    std::string xfs = styles.substr(styles.find("<cellXfs"), styles.find("</cellXfs>") - styles.find("<cellXfs"));
    std::regex xf(R"re(<xf ([^>]*?)/?>)re");
    for (std::sregex_iterator it(xfs.begin(), xfs.end(), xf), end; it != end; ++it) {
      std::string attributes = (*it)[1];
      std::smatch fill_id, format_id;
      std::regex_search(attributes, fill_id, std::regex(R"re(fillId="([0-9]+)")re"));
      std::regex_search(attributes, format_id, std::regex(R"re(numFmtId="([0-9]+)")re"));
      xf_fill_.push_back(std::stoi(fill_id[1]));
      xf_format_.push_back(std::stoi(format_id[1]));
    }
    std::regex format(R"re(<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"/>)re");
    for (std::sregex_iterator it(styles.begin(), styles.end(), format), end; it != end; ++it)
      formats_[std::stoi((*it)[1])] = (*it)[2];
  }

  /// "number 0.966" or "text Green".
  std::string content(const std::string& at) const {
    const Cell& c = cells_.at(at);
    if (c.type == "s") return "text " + strings_.at(std::stoul(c.value));
    return "number " + c.value;
  }
  /// The cell's fill colour (RRGGBB), empty for none.
  std::string fill(const std::string& at) const {
    const Cell& c = cells_.at(at);
    if (c.style.empty()) return "";
    return fills_.at(xf_fill_.at(std::stoul(c.style)));
  }
  /// The cell's number format code ("0.0%"); built-in formats by id ("14").
  std::string format(const std::string& at) const {
    const Cell& c = cells_.at(at);
    if (c.style.empty()) return "";
    int id = xf_format_.at(std::stoul(c.style));
    auto found = formats_.find(id);
    return found == formats_.end() ? std::to_string(id) : found->second;
  }

 private:
  std::map<std::string, Cell> cells_;
  std::vector<std::string> strings_;
  std::vector<std::string> fills_;
  std::vector<int> xf_fill_, xf_format_;
  std::map<int, std::string> formats_;
};

TEST(Xlsx, RagTablesAreRealCellsWithFormatsAndBandFills) {
  std::string path = (std::filesystem::temp_directory_path() / "bandwatch_report_test.xlsx").string();
  ASSERT_EQ(write_xlsx(model(), path), "");
  Workbook book(path);
  // Row 4: the first group's title; row 5 its headers; rows 6 and 7 its indicators.
  EXPECT_EQ(book.content("A4"), "text Table 1: Assessment of need is completed in a timely manner");
  EXPECT_EQ(book.content("E5"), "text Value");
  EXPECT_EQ(book.content("A6"), "text Timeliness of Single Assessments");
  EXPECT_EQ(book.content("E6"), "number 0.966");  // 96.6% as Excel keeps a percent
  EXPECT_EQ(book.format("E6"), "0.0%");
  EXPECT_EQ(book.content("F6"), "number 42643");  // 30/09/2016 as an Excel date
  EXPECT_EQ(book.format("F6"), "dd/mm/yyyy");
  EXPECT_EQ(book.content("G6"), "text Green");
  EXPECT_EQ(book.fill("G6"), "00703C");
  EXPECT_EQ(book.content("E7"), "number 0.8");
  EXPECT_EQ(book.format("E7"), "0%");
  EXPECT_EQ(book.content("G7"), "text Amber");
  EXPECT_EQ(book.fill("G7"), "FFBF47");
  // Row 8 is blank; the second group from row 9.
  EXPECT_EQ(book.content("E11"), "number 0.435");
  EXPECT_EQ(book.content("G11"), "text Red");
  EXPECT_EQ(book.fill("G11"), "D4351C");
  // Money in pounds, with its sign in the format; a value in no band has no fill.
  EXPECT_EQ(book.content("E15"), "number 7711000");
  EXPECT_EQ(book.format("E15"), "&quot;£&quot;#,##0");
  EXPECT_EQ(book.content("G15"), "text Unbanded");
  EXPECT_EQ(book.fill("G15"), "");
  std::filesystem::remove(path);
}

TEST(Xlsx, AnUnwritablePathIsAnError) {
  EXPECT_EQ(write_xlsx(model(), "/nonexistent/dir/pack.xlsx").substr(0, 38), "cannot write /nonexistent/dir/pack.xls");
}

}  // namespace
}  // namespace bandwatch::report
