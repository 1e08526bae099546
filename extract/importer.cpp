#include "extract/importer.hpp"

#include <optional>

#include "csv_reader.hpp"
#include "extract/header.hpp"
#include "text.hpp"

namespace bandwatch::extract {
namespace {

constexpr std::size_t kFlushAt = 1 << 20;

class ImportSink : public CsvSink {
 public:
  ImportSink(std::string_view display_name, const std::vector<ExtractSource>& extracts,
             const EvalContext& context, const SampleSink& sink, const ImportReporter& reporter,
             RowGate* gate)
      : display_name_(display_name), extracts_(extracts), context_(context), sink_(sink),
        reporter_(reporter), gate_(gate) {
    out_.reserve(kFlushAt + 4096);
  }

  void on_record(const CsvRecord& record) override {
    if (stopped_) return;
    if (!header_) {
      if (record.blank()) {
        ++summary_.blank_lines;
        return;
      }
      // Excel's "sep=," hint line comes before the header.
      if (trim(record.fields[0]).starts_with("sep=") && record.fields.size() <= 2) return;
      take_header(record);
      return;
    }
    if (record.blank()) {
      ++summary_.blank_lines;
      return;
    }
    ++summary_.rows_read;
    row_errors_.clear();
    const std::vector<std::string_view>* fields = check_shape(record);
    if (!fields) {
      reject(record.line);
      return;
    }
    if (gate_) {
      gate_->check(*fields, row_errors_);
      if (!row_errors_.empty()) {
        report_errors(record.line);
        ++summary_.held_back;
        return;
      }
    }
    std::size_t out_before = out_.size();
    std::size_t samples = 0;
    bool any_imported = false;
    for (CompiledExtract& compiled : compiled_) {
      CompiledExtract::Outcome outcome = compiled.evaluate(*fields, out_, row_errors_);
      any_imported = any_imported || outcome == CompiledExtract::Outcome::imported;
      samples += compiled.samples_written();
    }
    if (!row_errors_.empty()) {
      out_.resize(out_before);
      reject(record.line);
      return;
    }
    if (!any_imported) {
      ++summary_.filtered;
      return;
    }
    ++summary_.imported;
    summary_.samples += samples;
    if (out_.size() >= kFlushAt) flush();
  }

  void on_problem(const CsvProblem& problem) override {
    if (stopped_) return;
    if (!header_) {
      // Nothing can be read without the header.
      report(problem.line, problem.message);
      summary_.failed = true;
      stopped_ = true;
      return;
    }
    ++summary_.rows_read;
    ++summary_.rejected;
    std::string where = problem.column > 0 ? column_label(problem.column - 1) + ": " : "";
    report(problem.line, where + problem.message);
  }

  ImportSummary finish(const CsvReader& reader) {
    flush();
    summary_.blank_lines += reader.blank_lines();
    if (!header_ && !summary_.failed) {
      report(0, "the file is empty: no header row");
      summary_.failed = true;
    }
    summary_.files = 1;
    return summary_;
  }

  bool stopped() const { return stopped_; }

 private:
  void take_header(const CsvRecord& record) {
    std::vector<std::string> names;
    for (std::string_view field : record.fields) names.emplace_back(field);
    header_.emplace(std::move(names));
    header_line_ = record.line;
    // Excel pads rows with empty columns to the widest; only named columns are required.
    named_columns_ = 0;
    for (std::size_t i = 0; i < header_->size(); ++i)
      if (!header_key(header_->header(i)).empty()) named_columns_ = i + 1;
    bool ok = true;
    for (const ExtractSource& source : extracts_) {
      std::vector<Diagnostic> diagnostics;
      std::optional<CompiledExtract> compiled = CompiledExtract::compile(
          *source.decl, source.rules_file, *header_, display_name_, context_, diagnostics);
      for (const Diagnostic& diagnostic : diagnostics)
        if (reporter_.diagnostic) reporter_.diagnostic(diagnostic);
      if (!compiled) {
        ok = false;
        continue;
      }
      compiled_.push_back(std::move(*compiled));
    }
    if (!ok) {
      summary_.failed = true;
      stopped_ = true;
    }
    if (gate_) gate_->bind(*header_);
  }

  // A row must have every named column and nothing past the header, or its values are not
  // where the header says (a line break or comma outside quotes). Returns the fields to
  // evaluate (padded to the header's width), or nullptr with the reason in row_errors_.
  const std::vector<std::string_view>* check_shape(const CsvRecord& record) {
    const std::size_t fields = record.fields.size();
    if (fields < named_columns_) {
      row_errors_.push_back(RowError{fields, "missing: the row has " + std::to_string(fields) +
                                                 " of the header's " + std::to_string(named_columns_) +
                                                 " columns (a line break outside quotes?)"});
      return nullptr;
    }
    // Past the last named column only Excel's empty padding may follow.
    for (std::size_t i = named_columns_; i < fields; ++i) {
      if (is_blank(record.fields[i])) continue;
      row_errors_.push_back(RowError{i, "a value past the header's " + std::to_string(named_columns_) +
                                            " named columns: \"" + normalised(record.fields[i].substr(0, 40)) +
                                            "\" (a comma outside quotes?)"});
      return nullptr;
    }
    if (fields >= header_->size()) return &record.fields;
    // Only unnamed trailing columns are missing: pad them so column indexes stay valid.
    padded_.assign(record.fields.begin(), record.fields.end());
    padded_.resize(header_->size());
    return &padded_;
  }

  std::string column_label(std::size_t column) const {
    if (header_ && column < header_->size() && !header_key(header_->header(column)).empty())
      return "column \"" + header_->header(column) + "\"";
    return "column " + std::to_string(column + 1) + " (no header)";
  }

  void reject(std::size_t line) {
    ++summary_.rejected;
    report_errors(line);
  }

  void report_errors(std::size_t line) {
    for (const RowError& error : row_errors_) {
      std::string prefix = error.column == static_cast<std::size_t>(-1) ? "" : column_label(error.column) + ": ";
      report(line, prefix + error.reason);
    }
  }

  void report(std::size_t line, const std::string& message) {
    if (!reporter_.row) return;
    std::string text(display_name_);
    if (line > 0) text += ":" + std::to_string(line);
    reporter_.row(text + ": " + message);
  }

  void flush() {
    if (!out_.empty()) sink_(out_);
    out_.clear();
  }

  std::string_view display_name_;
  const std::vector<ExtractSource>& extracts_;
  const EvalContext& context_;
  const SampleSink& sink_;
  const ImportReporter& reporter_;
  RowGate* gate_;
  std::optional<HeaderIndex> header_;
  std::size_t header_line_ = 0;
  std::size_t named_columns_ = 0;
  std::vector<CompiledExtract> compiled_;
  std::vector<RowError> row_errors_;
  std::vector<std::string_view> padded_;
  std::string out_;
  ImportSummary summary_;
  bool stopped_ = false;
};

}  // namespace

ImportSummary& ImportSummary::operator+=(const ImportSummary& other) {
  files += other.files;
  rows_read += other.rows_read;
  imported += other.imported;
  filtered += other.filtered;
  rejected += other.rejected;
  held_back += other.held_back;
  blank_lines += other.blank_lines;
  samples += other.samples;
  failed = failed || other.failed;
  return *this;
}

ImportSummary import_csv(std::FILE* in, std::string_view display_name,
                         const std::vector<ExtractSource>& extracts, const EvalContext& context,
                         const SampleSink& sink, const ImportReporter& reporter, RowGate* gate) {
  ImportSink import(display_name, extracts, context, sink, reporter, gate);
  CsvReader reader(import);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    std::size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
    if (got > 0) reader.feed(std::string_view(buffer.data(), got));
    if (got < buffer.size() || import.stopped()) break;
  }
  if (std::ferror(in)) {
    import.on_problem(CsvProblem{0, 0, "read error", true});
    ImportSummary summary = import.finish(reader);
    summary.failed = true;
    return summary;
  }
  if (!import.stopped()) reader.finish();
  return import.finish(reader);
}

ImportSummary import_csv_text(std::string_view text, std::string_view display_name,
                              const std::vector<ExtractSource>& extracts,
                              const EvalContext& context, const SampleSink& sink,
                              const ImportReporter& reporter, RowGate* gate) {
  ImportSink import(display_name, extracts, context, sink, reporter, gate);
  CsvReader reader(import);
  reader.feed(text);
  if (!import.stopped()) reader.finish();
  return import.finish(reader);
}

std::string describe(const ImportSummary& summary) {
  std::string text = "rows read " + std::to_string(summary.rows_read) + ", imported " +
                     std::to_string(summary.imported) + ", filtered " +
                     std::to_string(summary.filtered) + ", rejected " +
                     std::to_string(summary.rejected);
  if (summary.held_back > 0) text += ", held back " + std::to_string(summary.held_back);
  if (summary.blank_lines > 0)
    text += " (" + std::to_string(summary.blank_lines) + " blank line" +
            (summary.blank_lines == 1 ? "" : "s") + " skipped)";
  text += ", " + std::to_string(summary.samples) + " sample" + (summary.samples == 1 ? "" : "s");
  return text;
}

}  // namespace bandwatch::extract
