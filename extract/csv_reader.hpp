// Streaming CSV records through libcsv (RFC 4180: quoted fields with commas, quotes and line
// breaks), with the physical line each record starts on, a UTF-8 byte order mark skipped, CRLF,
// LF or CR line ends, and malformed quoting reported rather than silently merged into a field.
// What is not text is refused, not imported: a UTF-16 file (with or without a byte order mark),
// a record holding a NUL byte, a record over kMaxRecordBytes.
// Lines without a quote character take a fast path that splits them on commas directly, with
// libcsv's trimming; every line with a quote, and every record spanning lines, goes to libcsv.
// Internal to extract/ (the importer's); its tests reach it directly.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

struct csv_parser;

namespace bandwatch::extract {

/// One record: its fields (views valid only during the callback) and the 1-based physical line
/// of the file it starts on.
struct CsvRecord {
  std::vector<std::string_view> fields;
  std::size_t line = 0;
  /// True when every field is blank (a blank line, or Excel's ",,,," rows).
  bool blank() const;
};

/// What went wrong with one record or the file: "line" is where the record starts.
struct CsvProblem {
  std::size_t line = 0;
  std::size_t column = 0;  // 1-based field number where it went wrong; 0 = not about a field
  std::string message;
  bool fatal = false;  // the rest of the file cannot be read (unclosed quote, UTF-16, I/O)
};

/// Receives records and problems in file order.
class CsvSink {
 public:
  virtual ~CsvSink() = default;
  virtual void on_record(const CsvRecord& record) = 0;
  virtual void on_problem(const CsvProblem& problem) = 0;
};

/// Reads CSV incrementally: feed bytes in chunks of any size, then finish(). Memory stays bounded
/// by kMaxRecordBytes. Not thread-safe; one reader per file.
class CsvReader {
 public:
  /// The longest record read (1 MiB: an Annex A row is under 1 KB). A longer one is reported and
  /// skipped to the end of its line, so neither memory nor the messages grow with it.
  static constexpr std::size_t kMaxRecordBytes = 1 << 20;

  explicit CsvReader(CsvSink& sink);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  void feed(std::string_view bytes);
  /// Ends the input: delivers the last record, or a fatal problem for an unclosed quote.
  void finish();

  /// Reads a whole stream in 1 MiB chunks (feed + finish); false on a read error (reported).
  bool read_stream(std::FILE* in);

  /// Empty lines (nothing, or only spaces, between line ends) seen so far: skipped, not records.
  std::size_t blank_lines() const { return blank_lines_; }

 private:
  static void on_field(void* data, std::size_t size, void* self);
  static void on_row_end(int terminator, void* self);
  // Bytes held before anything is parsed: enough to tell a byte order mark or UTF-16.
  static constexpr std::size_t kStartBytes = 64;
  void begin();
  void parse(std::string_view bytes);
  // A whole line with no quote in it, split directly: most lines of an export, and several times
  // faster than libcsv's byte-at-a-time state machine. False: give the line to libcsv.
  bool parse_plain_line(std::string_view line);
  void parse_with_libcsv(std::string_view bytes);
  void forget_cr_unless_lf(std::string_view next);
  void deliver();
  // True (after reporting the record) when a field holds a NUL byte: binary, damaged or UTF-16.
  bool refuse_nul(const std::vector<std::string_view>& fields, std::size_t line);
  // The bytes of the record being read: its fields so far, their separators, the field in hand.
  std::size_t record_bytes() const;
  void report_long(std::size_t line);
  // Reports the record being read as too long and drops it; returns the bytes after its line.
  std::string_view refuse_long(std::string_view rest);
  // Reports a record with bad quoting, drops it and returns the bytes after its line.
  std::string_view recover(std::string_view rest);
  std::string_view skip_to_line_end(std::string_view rest);
  void reset_parser();

  CsvSink& sink_;
  csv_parser* parser_;
  std::string arena_;                                   // the current record's fields, back to back
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // offset and size in arena_
  CsvRecord record_;
  std::size_t line_ = 1;          // the physical line the parser has reached
  std::size_t record_line_ = 1;   // where the current record began
  bool record_open_ = false;      // a field of the current record has been seen
  bool last_was_cr_ = false;      // the last terminator was CR: a following LF is the same line end
  bool at_start_ = true;          // kStartBytes not fed yet: check for a byte order mark, UTF-16
  bool failed_ = false;           // a fatal problem was reported: ignore the rest
  std::size_t blank_lines_ = 0;
  bool skipping_ = false;         // dropping the rest of a line with bad quoting
  std::string pending_start_;     // the first bytes, held until begin() can judge them
};

}  // namespace bandwatch::extract
