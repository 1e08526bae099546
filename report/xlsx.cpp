// The meeting pack as an Excel workbook through libxlsxwriter: the RAG tables as real cells, so
// the meeting's spreadsheet users can sort, filter and chart them. Values are numbers with their
// unit's format (a percent as a fraction under "0.0%", as Excel keeps them), dates are dates, and
// each band is a fill of the HTML pack's colours with its word in the cell (colour alone is lost
// on a grey printer and on colour-blind readers).
#include <xlsxwriter.h>

#include <map>
#include <memory>

#include "report/render.hpp"

namespace bandwatch::report {
namespace {

// The pack's GOV.UK colours (report/html.cpp).
constexpr lxw_color_t kGreen = 0x00703C;
constexpr lxw_color_t kAmber = 0xFFBF47;
constexpr lxw_color_t kRed = 0xD4351C;
constexpr lxw_color_t kWhite = 0xFFFFFF;
constexpr lxw_color_t kBlack = 0x0B0C0C;
constexpr lxw_color_t kHeader = 0xF3F2F1;

/// Decimal places of a value as the pack prints it ("96.6%" -> 1, "22" -> 0).
int decimals_of(std::string_view text) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return 0;
  int n = 0;
  for (std::size_t i = dot + 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) ++n;
  return n;
}

class Workbook {
 public:
  explicit Workbook(const std::string& path) : book_(workbook_new(path.c_str())) {
    if (!book_) return;
    bold_ = add([](lxw_format* f) { format_set_bold(f); });
    title_ = add([](lxw_format* f) {
      format_set_bold(f);
      format_set_font_size(f, 14);
    });
    header_ = add([](lxw_format* f) {
      format_set_bold(f);
      format_set_bg_color(f, kHeader);
      format_set_border(f, LXW_BORDER_THIN);
      format_set_text_wrap(f);
    });
    text_ = add([](lxw_format* f) {
      format_set_border(f, LXW_BORDER_THIN);
      format_set_text_wrap(f);
      format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    });
    date_ = add([](lxw_format* f) {
      format_set_num_format(f, "dd/mm/yyyy");
      format_set_border(f, LXW_BORDER_THIN);
      format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    });
    fills_[static_cast<int>(ast::Colour::green)] = fill(kGreen, kWhite);
    fills_[static_cast<int>(ast::Colour::amber)] = fill(kAmber, kBlack);
    fills_[static_cast<int>(ast::Colour::red)] = fill(kRed, kWhite);
  }

  bool ok() const { return book_ != nullptr; }
  lxw_workbook* book() { return book_; }

  /// The number format of a value in `unit` shown with `decimals` places.
  lxw_format* number(ast::Unit unit, int decimals) {
    std::string places = decimals > 0 ? "." + std::string(static_cast<std::size_t>(decimals), '0') : "";
    std::string pattern;
    switch (unit) {
      case ast::Unit::percent: pattern = "0" + places + "%"; break;
      case ast::Unit::gbp: pattern = "\"£\"#,##0"; break;
      default: pattern = "#,##0" + places; break;
    }
    auto [it, added] = numbers_.try_emplace(pattern, nullptr);
    if (added) {
      it->second = add([&](lxw_format* f) {
        format_set_num_format(f, it->first.c_str());
        format_set_border(f, LXW_BORDER_THIN);
        format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
      });
    }
    return it->second;
  }

  lxw_format* band(Band band) {
    switch (band) {
      case Band::green: return fills_[static_cast<int>(ast::Colour::green)];
      case Band::amber: return fills_[static_cast<int>(ast::Colour::amber)];
      case Band::red: return fills_[static_cast<int>(ast::Colour::red)];
      case Band::unbanded: case Band::small_cohort: break;
    }
    return text_;
  }
  lxw_format* colour(ast::Colour colour) { return fills_[static_cast<int>(colour)]; }

  lxw_format* bold_ = nullptr;
  lxw_format* title_ = nullptr;
  lxw_format* header_ = nullptr;
  lxw_format* text_ = nullptr;
  lxw_format* date_ = nullptr;

  lxw_error close() {
    lxw_workbook* book = book_;
    book_ = nullptr;
    return workbook_close(book);
  }
  ~Workbook() {
    if (book_) workbook_close(book_);
  }

 private:
  template <typename Setup>
  lxw_format* add(Setup setup) {
    lxw_format* format = workbook_add_format(book_);
    setup(format);
    return format;
  }
  lxw_format* fill(lxw_color_t background, lxw_color_t font) {
    return add([&](lxw_format* f) {
      format_set_bg_color(f, background);
      format_set_font_color(f, font);
      format_set_bold(f);
      format_set_border(f, LXW_BORDER_THIN);
      format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    });
  }

  lxw_workbook* book_;
  lxw_format* fills_[3] = {};
  std::map<std::string, lxw_format*> numbers_;
};

lxw_datetime excel_date(Date date) {
  return lxw_datetime{date.year(), static_cast<int>(date.month()), static_cast<int>(date.day()), 0, 0, 0};
}

void write_date(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t col, Date date, lxw_format* format) {
  lxw_datetime value = excel_date(date);
  worksheet_write_datetime(sheet, row, col, &value, format);
}

void rag_sheet(Workbook& book, const ReportModel& model) {
  lxw_worksheet* sheet = workbook_add_worksheet(book.book(), "RAG");
  const char* headers[] = {"Performance measure", "For", "Frame", "Target bands", "Value", "Date",
                           "Band", "Short trend", "Last year", "Note"};
  const double widths[] = {48, 30, 7, 26, 11, 12, 13, 16, 11, 30};
  for (lxw_col_t c = 0; c < std::size(widths); ++c) worksheet_set_column(sheet, c, c, widths[c], nullptr);
  lxw_row_t row = 0;
  worksheet_write_string(sheet, row++, 0, model.title.c_str(), book.title_);
  worksheet_write_string(sheet, row, 0, "Data as at", book.bold_);
  write_date(sheet, row++, 1, model.as_of, nullptr);
  ++row;
  for (const RagGroup& group : model.groups) {
    worksheet_write_string(sheet, row++, 0, group.title.c_str(), book.bold_);
    for (lxw_col_t c = 0; c < std::size(headers); ++c) worksheet_write_string(sheet, row, c, headers[c], book.header_);
    for (std::size_t b = 0; b < group.benchmarks.size(); ++b) {
      auto col = static_cast<lxw_col_t>(std::size(headers) + b);
      worksheet_set_column(sheet, col, col, 14, nullptr);
      worksheet_write_string(sheet, row, col, group.benchmarks[b].title.c_str(), book.header_);
    }
    ++row;
    for (const RagRow& r : group.rows) {
      std::string target;
      for (const std::string& line : target_lines(r.target)) target += (target.empty() ? "" : "\n") + line;
      worksheet_write_string(sheet, row, 0, r.title.c_str(), book.text_);
      worksheet_write_string(sheet, row, 1, labels_text(r.labels).c_str(), book.text_);
      worksheet_write_string(sheet, row, 2, std::string(frame_code(r.frame)).c_str(), book.text_);
      worksheet_write_string(sheet, row, 3, target.c_str(), book.text_);
      if (r.has_value) {
        // Excel keeps a percent as a fraction: 96.6% is 0.966 shown with "0.0%".
        double value = r.unit == ast::Unit::percent ? r.value / 100 : r.value;
        worksheet_write_number(sheet, row, 4, value, book.number(r.unit, decimals_of(r.value_text)));
        write_date(sheet, row, 5, r.date, book.date_);
        worksheet_write_string(sheet, row, 6, std::string(band_label(r.band)).c_str(), book.band(r.band));
        worksheet_write_string(sheet, row, 7, r.trend == Trend::none ? "" : trend_text(r.trend, r.better).c_str(),
                               book.text_);
      } else {
        worksheet_write_string(sheet, row, 4, "", book.text_);
        worksheet_write_string(sheet, row, 5, "", book.text_);
        worksheet_write_string(sheet, row, 6, "no data", book.text_);
        worksheet_write_string(sheet, row, 7, "", book.text_);
      }
      worksheet_write_string(sheet, row, 8, r.last_year.c_str(), book.text_);
      worksheet_write_string(sheet, row, 9, r.note.c_str(), book.text_);
      // Benchmarks after the columns every pack has, as numbers in the indicator's format.
      for (std::size_t b = 0; b < group.benchmarks.size() && b < r.benchmarks.size(); ++b) {
        const BenchmarkCell& cell = r.benchmarks[b];
        auto col = static_cast<lxw_col_t>(std::size(headers) + b);
        if (!cell.has_value) {
          worksheet_write_string(sheet, row, col, "", book.text_);
          continue;
        }
        double value = r.unit == ast::Unit::percent ? cell.value / 100 : cell.value;
        worksheet_write_number(sheet, row, col, value, book.number(r.unit, decimals_of(cell.text)));
      }
      ++row;
    }
    ++row;
  }
  worksheet_freeze_panes(sheet, 3, 1);
}

void agenda_sheet(Workbook& book, const ReportModel& model) {
  lxw_worksheet* sheet = workbook_add_worksheet(book.book(), "Agenda");
  const char* headers[] = {"Forum", "Item", "Alert", "For", "Severity", "Value", "Open since", "Changed on",
                           "Age (days)", "Acknowledged by", "Note", "Review by"};
  const double widths[] = {34, 10, 40, 30, 10, 11, 12, 12, 10, 18, 36, 12};
  for (lxw_col_t c = 0; c < std::size(widths); ++c) worksheet_set_column(sheet, c, c, widths[c], nullptr);
  for (lxw_col_t c = 0; c < std::size(headers); ++c) worksheet_write_string(sheet, 0, c, headers[c], book.header_);
  lxw_row_t row = 1;
  for (const RouteReport& route : model.routes) {
    for (const AgendaItem& item : route.items) {
      worksheet_write_string(sheet, row, 0, route.title.c_str(), book.text_);
      worksheet_write_string(sheet, row, 1, std::string(to_string(item.kind)).c_str(), book.text_);
      worksheet_write_string(sheet, row, 2, item.title.c_str(), book.text_);
      worksheet_write_string(sheet, row, 3, labels_text(item.labels).c_str(), book.text_);
      worksheet_write_string(sheet, row, 4, std::string(colour_label(item.severity)).c_str(), book.colour(item.severity));
      worksheet_write_string(sheet, row, 5, item.value_text.c_str(), book.text_);
      write_date(sheet, row, 6, item.since, book.date_);
      if (item.changed_on) write_date(sheet, row, 7, *item.changed_on, book.date_);
      worksheet_write_number(sheet, row, 8, item.age_days, book.number(ast::Unit::count, 0));
      if (item.acknowledgement) {
        worksheet_write_string(sheet, row, 9, item.acknowledgement->who.c_str(), book.text_);
        worksheet_write_string(sheet, row, 10, item.acknowledgement->note.c_str(), book.text_);
        if (item.acknowledgement->review) write_date(sheet, row, 11, *item.acknowledgement->review, book.date_);
      }
      ++row;
    }
  }
  worksheet_freeze_panes(sheet, 1, 0);
  if (row > 1) worksheet_autofilter(sheet, 0, 0, row - 1, std::size(headers) - 1);
}

}  // namespace

std::string write_xlsx(const ReportModel& model, const std::string& path) {
  Workbook book(path);
  if (!book.ok()) return "cannot write " + path;
  rag_sheet(book, model);
  agenda_sheet(book, model);
  lxw_error error = book.close();
  if (error != LXW_NO_ERROR) return "cannot write " + path + ": " + lxw_strerror(error);
  return {};
}

}  // namespace bandwatch::report
