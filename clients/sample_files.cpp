// Reading and replaying sample files (see sample_files.hpp). Files are read whole and parsed in
// place; each line becomes a compact record pointing into the buffer, so a year of extracts
// replays without a copy per sample.
#include "clients/sample_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <tuple>

#include "engine/batch.hpp"
#include "engine/sample_line.hpp"

namespace bandwatch::cli {

namespace {

bool slurp(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace

bool SampleFiles::read(const engine::Engine& engine, const std::vector<std::string>& paths,
                       std::optional<Date> default_date, std::string& error) {
  engine::ParsedSample parsed;
  std::string parse_error;
  for (const std::string& path : paths) {
    std::uint16_t f = static_cast<std::uint16_t>(paths_.size());
    paths_.push_back(path);
    std::string& text = buffers_.emplace_back();
    bool ok = path == "-" ? static_cast<bool>(std::getline(std::cin, text, '\0')) || !text.empty() : slurp(path, text);
    if (!ok && path != "-") {
      error = path + ": cannot read file";
      return false;
    }
    std::string_view all = text;
    std::uint32_t line_no = 0;
    std::string_view last_metric;
    std::uint32_t last_metric_id = 0;
    bool last_metric_ok = false;
    for (std::size_t at = 0; at < all.size();) {
      const char* nl = static_cast<const char*>(std::memchr(all.data() + at, '\n', all.size() - at));
      std::size_t end = nl ? static_cast<std::size_t>(nl - all.data()) : all.size();
      std::string_view line = all.substr(at, end - at);
      at = end + 1;
      ++line_no;
      if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // BOM
      std::size_t column = 0;
      engine::LineKind kind = engine::parse_sample_line(line, parsed, parse_error, column);
      if (kind == engine::LineKind::blank) continue;
      auto fail = [&](std::size_t col, std::string message) { errors_.push_back({f, line_no, col, std::move(message)}); };
      if (kind == engine::LineKind::error) {
        fail(column, parse_error);
        continue;
      }
      if (parsed.metric != last_metric || !last_metric_ok) {
        std::optional<engine::Engine::MetricId> id = engine.metric_id(parsed.metric);
        last_metric = parsed.metric;
        last_metric_ok = id.has_value();
        if (id) {
          last_metric_id = *id;
          metric_names_.emplace(*id, std::string(parsed.metric));
        }
      }
      if (!last_metric_ok) {
        fail(1, engine::describe_ingest(engine, parsed.metric, parsed.labels, parsed.value, parsed.date.value_or(Date{}),
                                        {engine::IngestStatus::unknown_metric}));
        continue;
      }
      std::optional<Date> date = parsed.date ? parsed.date : default_date;
      if (!date) {
        fail(line.size() + 1, "missing as-of date (write it after the value, or pass --as-of)");
        continue;
      }
      Record r{last_metric_id, *date, parsed.value, static_cast<std::uint32_t>(labels_.size()),
               static_cast<std::uint16_t>(parsed.labels.size()), f, line_no};
      for (engine::LabelView l : parsed.labels) {
        if (!parsed.scratch_.empty() && l.value.data() >= parsed.scratch_.data() &&
            l.value.data() < parsed.scratch_.data() + parsed.scratch_.size())
          l.value = unescaped_.emplace_back(l.value);
        labels_.push_back(l);
      }
      records_.push_back(r);
    }
  }
  auto by_date = [](const Record& a, const Record& b) { return a.date < b.date; };
  if (!std::is_sorted(records_.begin(), records_.end(), by_date))
    std::stable_sort(records_.begin(), records_.end(), by_date);
  return true;
}

bool SampleFiles::replay(engine::Engine& engine, const std::function<void(const engine::Evaluation&)>& visit,
                         std::string& error, std::optional<Date> until) {
  for (std::size_t i = 0; i < records_.size();) {
    std::size_t j = i;
    Date date = records_[i].date;
    if (until && *until < date) break;
    std::uint16_t file = records_[i].file;
    engine.begin_batch();  // each file's lines of a date are one batch, as `send` makes them
    for (; j < records_.size() && records_[j].date == date; ++j) {
      const Record& r = records_[j];
      if (r.file != file) {
        file = r.file;
        engine.begin_batch();
      }
      std::span<const engine::LabelView> labels(labels_.data() + r.label_begin, r.label_count);
      engine::IngestResult result = engine.ingest(r.metric, labels, r.value, r.date);
      if (result.accepted()) ++ingested_;
      if (result.status != engine::IngestStatus::ok)
        errors_.push_back({r.file, r.line, 1,
                           engine::describe_ingest(engine, metric_names_[r.metric], labels, r.value, r.date, result),
                           result.accepted()});
    }
    engine::Evaluation evaluation = engine.evaluate(date);
    i = j;
    if (!evaluation.ok) {
      error = evaluation.error;
      return false;
    }
    visit(evaluation);
  }
  return true;
}

std::vector<SampleLineError> SampleFiles::errors() const {
  std::vector<Error> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Error& a, const Error& b) { return std::tie(a.file, a.line) < std::tie(b.file, b.line); });
  std::vector<SampleLineError> out;
  for (const Error& e : sorted) out.push_back({paths_[e.file], e.line, e.column, e.message, e.warning});
  return out;
}

}  // namespace bandwatch::cli
