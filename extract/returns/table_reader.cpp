#include "table_reader.hpp"

#include <algorithm>
#include <charconv>

#include "../csv_reader.hpp"
#include "../text.hpp"
#include "extract/dates.hpp"
#include "extract/header.hpp"

namespace bandwatch::extract::returns {
namespace {

constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string code_list(const std::vector<std::string_view>& codes) {
  std::string out;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i == 8 && codes.size() > 10) {
      out += ", ... (" + std::to_string(codes.size()) + " codes)";
      break;
    }
    out += (i ? ", " : "") + std::string(codes[i]);
  }
  return out;
}

class TableSink : public CsvSink {
 public:
  TableSink(const TableSpec& spec, std::string_view year_label,
            const std::function<void(const CheckedRow&)>& on_row,
            const std::function<void(std::size_t, const std::string&)>& on_problem)
      : spec_(spec), year_label_(year_label), on_row_(on_row), on_problem_(on_problem) {
    row_.cells.resize(spec.columns.size());
    row_.dates.resize(spec.columns.size());
    texts_.resize(spec.columns.size());
  }

  void on_record(const CsvRecord& record) override {
    if (stopped_ || record.blank()) return;
    if (!header_taken_) {
      take_header(record);
      return;
    }
    row_.line = record.line;
    row_.errors.clear();
    if (record.fields.size() < named_columns_) {
      on_problem_(record.line, "missing: the row has " + std::to_string(record.fields.size()) + " of the header's " +
                                   std::to_string(named_columns_) + " columns (a line break outside quotes?)");
      ++bad_shape_;
      return;
    }
    for (std::size_t i = named_columns_; i < record.fields.size(); ++i) {
      if (is_blank(record.fields[i])) continue;
      on_problem_(record.line, "column " + std::to_string(i + 1) + " (no header): a value past the header's " +
                                   std::to_string(named_columns_) + " named columns: \"" +
                                   normalised(record.fields[i].substr(0, 40)) + "\" (a comma outside quotes?)");
      ++bad_shape_;
      return;
    }
    for (std::size_t c = 0; c < spec_.columns.size(); ++c) check_cell(c, record);
    on_row_(row_);
  }

  void on_problem(const CsvProblem& problem) override {
    if (stopped_) return;
    on_problem_(problem.line, problem.message);
    if (!header_taken_ || problem.fatal) stopped_ = true;
    ++bad_shape_;
  }

  bool ok() const { return header_taken_ && !missing_columns_; }
  bool stopped() const { return stopped_; }
  void finish() {
    if (!header_taken_ && !stopped_) on_problem_(0, "the file is empty: no header row");
  }

 private:
  void take_header(const CsvRecord& record) {
    header_taken_ = true;
    std::vector<std::string> names;
    for (std::string_view field : record.fields) names.emplace_back(field);
    HeaderIndex header(std::move(names));
    named_columns_ = 0;
    for (std::size_t i = 0; i < header.size(); ++i)
      if (!header_key(header.header(i)).empty()) named_columns_ = i + 1;
    index_.assign(spec_.columns.size(), kAbsent);
    std::string missing;
    // The returns' column names are fixed by the DfE: matched exactly (case, spaces and
    // punctuation aside), never loosely, or PLACE would find PLACE_PROVIDER.
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < header.size(); ++i) keys.push_back(header_key(header.header(i)));
    for (std::size_t c = 0; c < spec_.columns.size(); ++c) {
      auto found = std::find(keys.begin(), keys.end(), header_key(spec_.columns[c].name));
      if (found != keys.end()) {
        index_[c] = static_cast<std::size_t>(found - keys.begin());
      } else if (spec_.columns[c].required) {
        missing += (missing.empty() ? "" : ", ") + std::string("\"") + std::string(spec_.columns[c].name) + "\"";
      }
    }
    if (!missing.empty()) {
      on_problem_(record.line, "the " + std::string(year_label_) + " " + std::string(spec_.name) +
                                   " table needs column" + (missing.find(',') != std::string::npos ? "s " : " ") +
                                   missing + "; the file has: " + header.describe());
      missing_columns_ = true;
      stopped_ = true;
    }
  }

  void check_cell(std::size_t c, const CsvRecord& record) {
    const ColumnSpec& column = spec_.columns[c];
    row_.dates[c].reset();
    std::string& text = texts_[c];
    text.clear();
    if (index_[c] != kAbsent && index_[c] < record.fields.size()) {
      std::string_view raw = trim(record.fields[index_[c]]);
      if (is_ascii(raw)) text.assign(raw);
      else text = std::string(trim(normalised(raw)));
    }
    if (text.empty()) {
      row_.cells[c] = {};
      if (column.required) row_.errors.push_back("column \"" + std::string(column.name) + "\": blank, expected " + expected(column));
      return;
    }
    switch (column.kind) {
      case FieldKind::text:
        break;
      case FieldKind::date: {
        DateParse parsed = parse_date(text);
        if (parsed.date) row_.dates[c] = parsed.date;
        else row_.errors.push_back("column \"" + std::string(column.name) + "\": " + parsed.reason);
        break;
      }
      case FieldKind::code: {
        text = upper(text);
        if (std::find(column.codes.begin(), column.codes.end(), std::string_view(text)) == column.codes.end())
          row_.errors.push_back("column \"" + std::string(column.name) + "\": \"" + text + "\" is not a code of the " +
                                std::string(year_label_) + " layout (" + code_list(column.codes) + ")");
        break;
      }
      case FieldKind::integer: {
        long value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value < 0)
          row_.errors.push_back("column \"" + std::string(column.name) + "\": not a whole number: \"" + text + "\"");
        break;
      }
    }
    row_.cells[c] = text;
  }

  static std::string expected(const ColumnSpec& column) {
    switch (column.kind) {
      case FieldKind::date: return "a date";
      case FieldKind::code: return "a code";
      case FieldKind::integer: return "a number";
      case FieldKind::text: break;
    }
    return "a value";
  }

  const TableSpec& spec_;
  std::string_view year_label_;
  const std::function<void(const CheckedRow&)>& on_row_;
  const std::function<void(std::size_t, const std::string&)>& on_problem_;
  bool header_taken_ = false;
  bool missing_columns_ = false;
  bool stopped_ = false;
  std::size_t named_columns_ = 0;
  std::size_t bad_shape_ = 0;
  std::vector<std::size_t> index_;
  std::vector<std::string> texts_;  // the cells' storage, reused row after row
  CheckedRow row_;
};

class HeaderSink : public CsvSink {
 public:
  void on_record(const CsvRecord& record) override {
    if (done || record.blank()) return;
    for (std::string_view field : record.fields) header.emplace_back(trim(normalised(field)));
    done = true;
  }
  void on_problem(const CsvProblem&) override { done = true; }
  std::vector<std::string> header;
  bool done = false;
};

}  // namespace

bool read_table(std::FILE* in, const TableSpec& spec, std::string_view year_label,
                const std::function<void(const CheckedRow&)>& on_row,
                const std::function<void(std::size_t, const std::string&)>& on_problem) {
  TableSink sink(spec, year_label, on_row, on_problem);
  CsvReader reader(sink);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    std::size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
    if (got > 0) reader.feed(std::string_view(buffer.data(), got));
    if (got < buffer.size() || sink.stopped()) break;
  }
  if (std::ferror(in)) {
    on_problem(0, "read error");
    return false;
  }
  if (!sink.stopped()) reader.finish();
  sink.finish();
  return sink.ok();
}

bool read_table_text(std::string_view text, const TableSpec& spec, std::string_view year_label,
                     const std::function<void(const CheckedRow&)>& on_row,
                     const std::function<void(std::size_t, const std::string&)>& on_problem) {
  TableSink sink(spec, year_label, on_row, on_problem);
  CsvReader reader(sink);
  reader.feed(text);
  if (!sink.stopped()) reader.finish();
  sink.finish();
  return sink.ok();
}

std::vector<std::string> read_header(std::FILE* in) {
  HeaderSink sink;
  CsvReader reader(sink);
  char buffer[4096];
  while (!sink.done) {
    std::size_t got = std::fread(buffer, 1, sizeof buffer, in);
    if (got > 0) reader.feed(std::string_view(buffer, got));
    if (got < sizeof buffer) break;
  }
  if (!sink.done) reader.finish();
  return sink.header;
}

std::vector<std::string> read_header_text(std::string_view text) {
  HeaderSink sink;
  CsvReader reader(sink);
  reader.feed(text.substr(0, std::min<std::size_t>(text.size(), 1 << 16)));
  if (!sink.done) reader.finish();
  return sink.header;
}

}  // namespace bandwatch::extract::returns
