#include "csv_reader.hpp"

#include <csv.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>

namespace bandwatch::extract {
namespace {

// Line breaks inside a (quoted) field: LF, CRLF and a lone CR each count once.
std::size_t count_line_breaks(const char* text, std::size_t size) {
  if (size == 0 || (!std::memchr(text, '\n', size) && !std::memchr(text, '\r', size))) return 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (text[i] == '\n') {
      ++count;
    } else if (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n')) {
      ++count;
    }
  }
  return count;
}

constexpr unsigned char kOptions = CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL;

// UTF-16 text without a byte order mark: the ASCII letters of a header come with a NUL byte
// each, all on the odd bytes (little-endian) or all on the even ones (big-endian). Judged on the
// first bytes; a lone NUL elsewhere is a record's problem (refuse_nul), not the file's.
bool looks_like_utf16(std::string_view start) {
  if (start.size() < 2) return false;
  std::size_t zero[2] = {0, 0};
  for (std::size_t i = 0; i < start.size(); ++i)
    if (start[i] == '\0') ++zero[i % 2];
  std::size_t pairs = start.size() / 2;
  return (zero[1] * 2 >= pairs && zero[0] == 0) || (zero[0] * 2 >= pairs && zero[1] == 0);
}

}  // namespace

bool CsvRecord::blank() const {
  for (std::string_view field : fields)
    for (char c : field)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

CsvReader::CsvReader(CsvSink& sink) : sink_(sink), parser_(new csv_parser) {
  if (csv_init(parser_, kOptions) != 0) {
    delete parser_;
    throw std::bad_alloc();
  }
  // Records are built field by field; a larger block means fewer reallocations on long fields.
  csv_set_blk_size(parser_, 4096);
}

CsvReader::~CsvReader() {
  csv_free(parser_);
  delete parser_;
}

void CsvReader::reset_parser() {
  csv_free(parser_);
  csv_init(parser_, kOptions);
  csv_set_blk_size(parser_, 4096);
}

void CsvReader::on_field(void* data, std::size_t size, void* self_ptr) {
  auto& self = *static_cast<CsvReader*>(self_ptr);
  const char* text = data ? static_cast<const char*>(data) : "";
  if (!self.record_open_) {
    self.record_open_ = true;
    self.record_line_ = self.line_;
  }
  self.spans_.emplace_back(self.arena_.size(), size);
  self.arena_.append(text, size);
  // (libcsv's `quoted` flag cannot say whether this field was quoted: csv_parse keeps its own
  // copy while it runs. Lines without quotes rarely come here: they take the fast path.)
  self.line_ += count_line_breaks(text, size);
  self.last_was_cr_ = false;
}

void CsvReader::on_row_end(int terminator, void* self_ptr) {
  auto& self = *static_cast<CsvReader*>(self_ptr);
  bool had_fields = self.record_open_;
  if (had_fields) self.deliver();
  if (terminator == '\r') {
    ++self.line_;
    if (!had_fields) ++self.blank_lines_;
    self.last_was_cr_ = true;
  } else if (terminator == '\n') {
    // With CSV_REPALL_NL libcsv reports the LF of a CRLF as an empty row of its own.
    if (!self.last_was_cr_ || had_fields) {
      ++self.line_;
      if (!had_fields) ++self.blank_lines_;
    }
    self.last_was_cr_ = false;
  }
}

void CsvReader::deliver() {
  record_.fields.clear();
  for (auto [offset, size] : spans_) record_.fields.emplace_back(arena_.data() + offset, size);
  record_.line = record_line_;
  if (record_bytes() > kMaxRecordBytes) report_long(record_.line);  // it came in one piece
  else if (!refuse_nul(record_.fields, record_.line)) sink_.on_record(record_);
  spans_.clear();
  arena_.clear();
  record_open_ = false;
}

bool CsvReader::refuse_nul(const std::vector<std::string_view>& fields, std::size_t line) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!std::memchr(fields[i].data(), '\0', fields[i].size())) continue;
    sink_.on_problem(CsvProblem{line, i + 1,
                                "a NUL byte: this is not text (a binary or damaged file, or UTF-16?); the "
                                "record is not imported",
                                false});
    return true;
  }
  return false;
}

std::size_t CsvReader::record_bytes() const { return arena_.size() + spans_.size() + parser_->entry_pos; }

void CsvReader::report_long(std::size_t line) {
  sink_.on_problem(CsvProblem{line, 0,
                              "a record of more than " + std::to_string(kMaxRecordBytes >> 20) +
                                  " MiB: not a list this reads; skipped to the end of its line",
                              false});
}

std::string_view CsvReader::refuse_long(std::string_view rest) {
  report_long(record_open_ ? record_line_ : line_);
  line_ += count_line_breaks(reinterpret_cast<const char*>(parser_->entry_buf), parser_->entry_pos);
  spans_.clear();
  arena_.clear();
  arena_.shrink_to_fit();
  record_open_ = false;
  last_was_cr_ = false;
  reset_parser();
  skipping_ = true;
  return skip_to_line_end(rest);
}

std::string_view CsvReader::recover(std::string_view rest) {
  // The record with bad quoting is dropped and reported; reading resumes on the next line.
  std::size_t start = record_open_ ? record_line_ : line_;
  std::size_t column = spans_.size() + 1;
  line_ += count_line_breaks(reinterpret_cast<const char*>(parser_->entry_buf), parser_->entry_pos);
  sink_.on_problem(CsvProblem{start, column,
                              "malformed quoting (a quote inside an unquoted field, or text after "
                              "a closing quote); the record is not imported",
                              false});
  spans_.clear();
  arena_.clear();
  record_open_ = false;
  last_was_cr_ = false;
  reset_parser();
  skipping_ = true;
  return skip_to_line_end(rest);
}

std::string_view CsvReader::skip_to_line_end(std::string_view rest) {
  std::size_t end = rest.find_first_of("\r\n");
  if (end == std::string_view::npos) return {};  // still skipping in the next chunk
  skipping_ = false;
  ++line_;
  if (rest[end] == '\r') {
    if (end + 1 < rest.size() && rest[end + 1] == '\n') {
      last_was_cr_ = false;
      return rest.substr(end + 2);
    }
    last_was_cr_ = true;  // an LF next (perhaps in the next chunk) ends the same line
    return rest.substr(end + 1);
  }
  last_was_cr_ = false;
  return rest.substr(end + 1);
}

void CsvReader::feed(std::string_view bytes) {
  if (failed_) return;
  if (at_start_) {
    pending_start_.append(bytes);
    if (pending_start_.size() < kStartBytes) return;
    begin();
    return;
  }
  parse(bytes);
}

void CsvReader::begin() {
  // The first bytes decide what the file is, the same way however it is fed.
  at_start_ = false;
  std::string start;
  start.swap(pending_start_);
  std::string_view view = start;
  if (view.starts_with("\xEF\xBB\xBF")) {
    view.remove_prefix(3);
  } else if (view.starts_with("\xFF\xFE") || view.starts_with("\xFE\xFF")) {
    failed_ = true;
    sink_.on_problem(CsvProblem{1, 0, "the file is UTF-16; save it as \"CSV UTF-8\"", true});
    return;
  } else if (looks_like_utf16(view.substr(0, kStartBytes))) {
    failed_ = true;
    sink_.on_problem(CsvProblem{
        1, 0, "the file is UTF-16 without a byte order mark (a NUL byte beside each letter); save it as \"CSV UTF-8\"",
        true});
    return;
  }
  parse(view);
}

void CsvReader::parse(std::string_view bytes) {
  while (!bytes.empty() && !failed_) {
    forget_cr_unless_lf(bytes);
    if (skipping_) {
      bytes = skip_to_line_end(bytes);
      continue;
    }
    const void* newline = std::memchr(bytes.data(), '\n', bytes.size());
    if (!newline) {
      // Part of a line (the rest comes in the next chunk), or a file with CR line ends only.
      parse_with_libcsv(bytes);
      return;
    }
    std::size_t end = static_cast<const char*>(newline) - bytes.data() + 1;
    std::string_view line = bytes.substr(0, end);
    bytes.remove_prefix(end);
    if (!parse_plain_line(line)) parse_with_libcsv(line);
  }
}

void CsvReader::forget_cr_unless_lf(std::string_view next) {
  // A CR is one line end and a following LF part of it only if the LF comes straight after.
  if (last_was_cr_ && !next.empty() && next.front() != '\n') last_was_cr_ = false;
}

bool CsvReader::parse_plain_line(std::string_view line) {
  // Only at a record boundary, and only a line libcsv would read the same way: no quote (so no
  // quoted commas or line breaks) and no CR but the one before the LF.
  if (record_open_ || parser_->pstate != 0) return false;
  std::string_view text = line.substr(0, line.size() - 1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  bool lf_of_crlf = last_was_cr_ && line.size() == 1;
  if (std::memchr(text.data(), '"', text.size()) || std::memchr(text.data(), '\r', text.size()))
    return false;
  if (text.size() > kMaxRecordBytes) {
    report_long(line_++);
    last_was_cr_ = false;
    return true;
  }
  // Split on commas and trim spaces and tabs around each field, as libcsv does unquoted.
  record_.fields.clear();
  const char* data = text.data();
  bool blank = true;
  auto add_field = [&](std::size_t from, std::size_t to) {
    while (from < to && (data[from] == ' ' || data[from] == '\t')) ++from;
    while (to > from && (data[to - 1] == ' ' || data[to - 1] == '\t')) --to;
    blank = blank && from == to;
    record_.fields.emplace_back(data + from, to - from);
  };
  std::size_t from = 0, i = 0;
  // Eight bytes at a time: the bytes of `word ^ commas` that are zero are the commas.
  constexpr std::uint64_t kCommas = 0x2C2C2C2C2C2C2C2CULL, kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  for (; std::endian::native == std::endian::little && i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    std::uint64_t x = word ^ kCommas;
    std::uint64_t zero = ~(((x & kLow7) + kLow7) | x | kLow7);  // high bit of each zero byte
    while (zero) {
      std::size_t at = i + static_cast<std::size_t>(__builtin_ctzll(zero)) / 8;
      add_field(from, at);
      from = at + 1;
      zero &= zero - 1;
    }
  }
  for (; i < text.size(); ++i) {
    if (data[i] != ',') continue;
    add_field(from, i);
    from = i + 1;
  }
  add_field(from, text.size());
  last_was_cr_ = false;
  if (lf_of_crlf) return true;  // the CR ended the line in the previous chunk
  if (blank && record_.fields.size() == 1) {
    ++line_;
    ++blank_lines_;
    return true;
  }
  record_.line = line_;
  ++line_;
  if (!refuse_nul(record_.fields, record_.line)) sink_.on_record(record_);
  return true;
}

void CsvReader::parse_with_libcsv(std::string_view bytes) {
  while (!bytes.empty() && !failed_) {
    forget_cr_unless_lf(bytes);
    if (skipping_) {
      bytes = skip_to_line_end(bytes);
      continue;
    }
    // Stop after each CR so that what follows it decides whether it was a CRLF.
    std::size_t cr = bytes.find('\r');
    std::string_view piece = cr == std::string_view::npos ? bytes : bytes.substr(0, cr + 1);
    std::size_t used = csv_parse(parser_, piece.data(), piece.size(), on_field, on_row_end, this);
    if (used == piece.size()) {
      bytes.remove_prefix(piece.size());
      if (record_open_ || parser_->pstate != 0)
        if (record_bytes() > kMaxRecordBytes) bytes = refuse_long(bytes);
      continue;
    }
    if (csv_error(parser_) == CSV_EPARSE) {
      bytes = recover(bytes.substr(used));
      continue;
    }
    failed_ = true;
    sink_.on_problem(CsvProblem{line_, 0, "out of memory reading a record", true});
  }
}

void CsvReader::finish() {
  if (failed_) return;
  if (at_start_) {
    begin();  // a file shorter than the bytes that decide what it is
    if (failed_) return;
  }
  std::size_t start = record_open_ ? record_line_ : line_;
  if (csv_fini(parser_, on_field, on_row_end, this) != 0) {
    std::size_t lines = 1 + count_line_breaks(reinterpret_cast<const char*>(parser_->entry_buf),
                                              parser_->entry_pos);
    failed_ = true;
    sink_.on_problem(CsvProblem{
        start, spans_.size() + 1,
        "a quoted field opens here and is never closed: the " + std::to_string(lines) +
            " line(s) from here to the end of the file are not imported",
        true});
    return;
  }
  if (record_open_) deliver();
}

bool CsvReader::read_stream(std::FILE* in) {
  std::vector<char> buffer(1 << 20);
  for (;;) {
    std::size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
    if (got > 0) feed(std::string_view(buffer.data(), got));
    if (got < buffer.size()) break;
  }
  if (std::ferror(in)) {
    failed_ = true;
    sink_.on_problem(CsvProblem{line_, 0, std::string("read error: ") + std::strerror(errno), true});
    return false;
  }
  finish();
  return true;
}

}  // namespace bandwatch::extract
