// The meeting pack as a real browser renders it: headless Chromium (Debian's `chromium`, which
// tools/install-deps.sh installs) parses the page, lays it out on a desktop and a phone, and
// prints it to PDF. These tests fail, never skip, when Chromium is missing: a pack nobody has
// seen rendered is not tested.
#include <gtest/gtest.h>
#include <png.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "report/chromium.hpp"
#include "report/render.hpp"
#include "fixture.hpp"

namespace bandwatch::report {
namespace {

namespace fs = std::filesystem;

struct Rgb {
  unsigned char r, g, b;
  friend auto operator<=>(const Rgb&, const Rgb&) = default;
};

struct Image {
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgb;  // 3 bytes a pixel, rows top to bottom
  std::map<Rgb, std::size_t> histogram() const {
    std::map<Rgb, std::size_t> counts;
    for (std::size_t i = 0; i + 2 < rgb.size(); i += 3) ++counts[{rgb[i], rgb[i + 1], rgb[i + 2]}];
    return counts;
  }
};

std::optional<Image> read_png(const fs::path& path, std::string& error) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    error = image.message;
    return std::nullopt;
  }
  image.format = PNG_FORMAT_RGB;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr)) {
    error = image.message;
    png_image_free(&image);
    return std::nullopt;
  }
  return out;
}

/// Pixels within a small distance of `colour` (anti-aliasing blends the edges of a badge).
std::size_t pixels_near(const std::map<Rgb, std::size_t>& histogram, Rgb colour, int tolerance = 3) {
  std::size_t n = 0;
  for (const auto& [c, count] : histogram)
    if (std::abs(c.r - colour.r) <= tolerance && std::abs(c.g - colour.g) <= tolerance &&
        std::abs(c.b - colour.b) <= tolerance)
      n += count;
  return n;
}

constexpr Rgb kGreen{0x00, 0x70, 0x3c}, kAmber{0xff, 0xbf, 0x47}, kRed{0xd4, 0x35, 0x1c}, kOverdueRow{0xfb, 0xe4, 0xe0};

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> found = find_chromium();
    ASSERT_TRUE(found) << chromium_missing("the meeting pack's browser tests")
                       << ". tools/install-deps.sh installs it; these tests do not skip.";
    chromium_ = *found;
    char pattern[] = "/tmp/bandwatch-browser-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    page_ = dir_ / "pack.html";
    std::ofstream(page_) << render_html(build_model(testing::stockton_source(), {}).model);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ChromiumRun run(std::vector<std::string> args) {
    args.push_back(file_url(page_.string()));
    ChromiumRun result = run_chromium(chromium_, args, std::chrono::seconds(90));
    EXPECT_TRUE(result.started) << result.error;
    EXPECT_FALSE(result.timed_out) << result.error;
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result;
  }

  Image screenshot(int width, int height, const std::string& name) {
    fs::path png = dir_ / name;
    run({"--window-size=" + std::to_string(width) + "," + std::to_string(height), "--screenshot=" + png.string()});
    std::string error;
    std::optional<Image> image = read_png(png, error);
    EXPECT_TRUE(image) << "screenshot " << png << ": " << error;
    if (const char* keep = std::getenv("BANDWATCH_KEEP_SCREENSHOTS"); keep && *keep)
      fs::copy_file(png, fs::path(keep) / name, fs::copy_options::overwrite_existing);
    return image.value_or(Image{});
  }


 public:
  /// The `spills` list of `page` laid out `width` pixels wide (see spills below).
  std::string spill_check(const std::string& page, int width) {
    fs::path path = dir_ / ("spill-" + std::to_string(width) + ".html");
    std::ofstream(path) << page;
    ChromiumRun result = run_chromium(chromium_, {"--window-size=" + std::to_string(width) + ",1800", "--dump-dom",
                                                  file_url(path.string())},
                                      std::chrono::seconds(90));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::smatch found;
    if (!std::regex_search(result.out, found, std::regex("<pre id=\"spills\">([^<]*)</pre>"))) return "no result";
    return found[1];
  }

 protected:
  std::string chromium_;
  fs::path dir_, page_;
};

TEST_F(Browser, DomHasTheRagTableRowsAndTheAgenda) {
  ChromiumRun result = run({"--dump-dom"});
  const std::string& dom = result.out;
  ASSERT_FALSE(dom.empty()) << result.err;
  EXPECT_TRUE(dom.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">")) << dom.substr(0, 200);
  // Every indicator with a value is a row of its group's table, band by word and by class.
  std::regex row("<tr class=\"rag-row band-row-(green|amber|red|unbanded|small_cohort)\" data-indicator=\"([a-z_]+)\">");
  std::map<std::string, std::string> bands;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), row); it != std::sregex_iterator(); ++it)
    bands[(*it)[2]] = (*it)[1];
  EXPECT_EQ(bands, (std::map<std::string, std::string>{{"single_assessment_timeliness", "green"},
                                                       {"cic_health", "amber"},
                                                       {"care_leavers_eet", "red"},
                                                       {"placements_budget", "unbanded"}}));
  EXPECT_NE(dom.find("<td data-label=\"Band\"><span class=\"band band-red\">Red</span></td>"), std::string::npos);
  EXPECT_NE(dom.find("<caption>Table 1: Assessment of need is completed in a timely manner</caption>"), std::string::npos);
  // The sparklines are SVG the browser parsed as such.
  EXPECT_NE(dom.find("<svg class=\"spark\""), std::string::npos);
  EXPECT_NE(dom.find("<polyline"), std::string::npos);
  // The overdue review is flagged in its row.
  std::smatch overdue;
  ASSERT_TRUE(std::regex_search(dom, overdue, std::regex("<tr class=\"alert-open overdue\"[^>]*>.*?</tr>")));
  EXPECT_NE(overdue.str().find("Review overdue"), std::string::npos);
  EXPECT_NE(overdue.str().find("23/09/2016"), std::string::npos);
  // Nothing was fetched and no script ran: the DOM is the page as written.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
}

TEST_F(Browser, DesktopScreenshotShowsTheRagColours) {
  Image image = screenshot(1280, 2200, "desktop.png");
  ASSERT_EQ(image.width, 1280u);
  ASSERT_EQ(image.height, 2200u);
  std::map<Rgb, std::size_t> histogram = image.histogram();
  // A band badge is about 60 x 20 pixels; each colour appears in several.
  EXPECT_GT(pixels_near(histogram, kGreen), 1500u);
  EXPECT_GT(pixels_near(histogram, kAmber), 1500u);
  EXPECT_GT(pixels_near(histogram, kRed), 1500u);
  // The row of the overdue review is shaded.
  EXPECT_GT(pixels_near(histogram, kOverdueRow, 1), 5000u);
  // Mostly white paper.
  EXPECT_GT(pixels_near(histogram, {255, 255, 255}, 0), image.width * image.height / 2);
}

TEST_F(Browser, PhoneScreenshotStacksTheTables) {
  Image image = screenshot(390, 1600, "phone.png");
  ASSERT_EQ(image.width, 390u);
  ASSERT_EQ(image.height, 1600u);
  std::map<Rgb, std::size_t> histogram = image.histogram();
  EXPECT_GT(pixels_near(histogram, kGreen), 500u);
  EXPECT_GT(pixels_near(histogram, kAmber), 500u);
  EXPECT_GT(pixels_near(histogram, kRed), 500u);
  // Stacked into cards, nothing runs off the right edge: the last columns are white page
  // margin (body padding), never ink.
  std::size_t ink = 0;
  for (unsigned y = 0; y < image.height; ++y)
    for (unsigned x = image.width - 4; x < image.width; ++x) {
      const unsigned char* p = &image.rgb[(std::size_t(y) * image.width + x) * 3];
      if (p[0] != 255 || p[1] != 255 || p[2] != 255) ++ink;
    }
  EXPECT_EQ(ink, 0u);
}

/// What a browser lays out past the edge of its cell on a page `width` pixels wide: each cell
/// of the agenda and RAG tables whose content is wider than the cell ("text of the cell"), found
/// by a script added to a copy of the page (the pack itself runs none) and read from the DOM.
std::string spills(Browser& test, const std::string& html, int width) {
  std::string page = html;
  std::size_t end = page.rfind("</body>");
  page.insert(end, "<pre id=\"spills\"></pre><script>var out=[];"
                   "document.querySelectorAll('table td, table th').forEach(function(c){"
                   "if(c.scrollWidth>c.clientWidth+1)out.push(c.textContent.trim());});"
                   "document.getElementById('spills').textContent='['+out.join('|')+']';</script>");
  return test.spill_check(page, width);
}

TEST_F(Browser, NothingSpillsOutOfItsCell) {
  // The hardest page the pack makes: three benchmark columns, a small cohort's badge, band lines
  // with two limits, a four-digit age.
  Source source = testing::stockton_source();
  source.series[1].target = "green >= 95%, amber > 90.5% and < 94.5%, red <= 90.5%";
  source.series[3].band = Band::small_cohort;
  source.benchmarks = {
      {"england", "England average", {{"single_assessment_timeliness", 83, "83%", std::nullopt}, {"care_leavers_eet", 53, "53%", std::nullopt}}},
      {"neighbours", "Statistical neighbours", {{"single_assessment_timeliness", 85.2, "85.2%", std::nullopt}}},
      {"eastern", "Eastern region", {{"care_leavers_eet", 49.9, "49.9%", std::nullopt}}},
  };
  source.alerts[2].since = testing::ymd(2009, 9, 1);  // open for 2,586 days
  std::string html = render_html(build_model(source, {}).model);
  ASSERT_NE(html.find("Small cohort</span>"), std::string::npos);
  ASSERT_NE(html.find("2586 days"), std::string::npos);
  for (int width : {1280, 1024, 800}) EXPECT_EQ(spills(*this, html, width), "[]") << "at " << width << " px";
}

TEST_F(Browser, PrintsToA4Pdf) {
  fs::path pdf = dir_ / "pack.pdf";
  std::string error = print_pdf(page_.string(), pdf.string());
  ASSERT_EQ(error, "");
  std::ifstream in(pdf, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::string text = bytes.str();
  EXPECT_TRUE(text.starts_with("%PDF-"));
  // A4 is 595 x 842 points.
  std::smatch box;
  ASSERT_TRUE(std::regex_search(text, box, std::regex("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]")));
  EXPECT_NEAR(std::stod(box[1]), 595.3, 1.0);
  EXPECT_NEAR(std::stod(box[2]), 841.9, 1.0);
}

TEST(Chromium, MissingBrowserIsAClearError) {
  const char* old = std::getenv("BANDWATCH_CHROMIUM");
  std::string saved = old ? old : "";
  ::setenv("BANDWATCH_CHROMIUM", "/nonexistent/chromium", 1);
  EXPECT_EQ(find_chromium(), std::nullopt);
  std::string error = print_pdf("/tmp/none.html", "/tmp/none.pdf");
  EXPECT_NE(error.find("install the Debian package `chromium`"), std::string::npos) << error;
  if (old) ::setenv("BANDWATCH_CHROMIUM", saved.c_str(), 1);
  else ::unsetenv("BANDWATCH_CHROMIUM");
}

}  // namespace
}  // namespace bandwatch::report
