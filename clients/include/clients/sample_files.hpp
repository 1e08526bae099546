// Sample files for the offline commands (`bandwatch eval`, `bandwatch report`): read whole,
// parsed with the engine's sample line parser, resolved against the loaded program, sorted by
// as-of date, then replayed through the engine one evaluation per distinct date. Bad lines are
// collected with their position, never dropped silently.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::cli {

struct SampleLineError {
  std::string file;
  std::uint32_t line = 0;
  std::size_t column = 0;
  std::string message;
  bool warning = false;  // accepted, with a doubt the user must read
};

class SampleFiles {
 public:
  /// Reads and parses every line of `paths` ("-" is standard input). Lines without a date take
  /// `default_date`. A line naming an unknown metric, or without a date, is an error. Returns
  /// false, with `error` set, only when a file cannot be read.
  bool read(const engine::Engine& engine, const std::vector<std::string>& paths,
            std::optional<Date> default_date, std::string& error);

  /// Ingests and evaluates each distinct date in order (within a date, file order), calling
  /// `visit` after each evaluation. A sample the engine refuses is added to errors(). Returns
  /// false, with `error` set, when the engine refuses an evaluation. With `until`, stops before
  /// the first date after it (`bandwatch explain --at`).
  bool replay(engine::Engine& engine, const std::function<void(const engine::Evaluation&)>& visit,
              std::string& error, std::optional<Date> until = std::nullopt);

  /// Bad lines so far, in file and line order.
  std::vector<SampleLineError> errors() const;
  std::size_t samples() const { return records_.size(); }
  std::size_t ingested() const { return ingested_; }

 private:
  struct Record {
    std::uint32_t metric;
    Date date;
    double value;
    std::uint32_t label_begin;
    std::uint16_t label_count;
    std::uint16_t file;
    std::uint32_t line;
  };
  std::map<std::uint32_t, std::string> metric_names_;  // for explaining refusals
  struct Error {
    std::uint16_t file;
    std::uint32_t line;
    std::size_t column;
    std::string message;
    bool warning = false;
  };

  std::vector<std::string> paths_;
  std::deque<std::string> buffers_;       // file contents: the label views point into them
  std::deque<std::string> unescaped_;     // label values that had escapes (stable addresses)
  std::vector<engine::LabelView> labels_;
  std::vector<Record> records_;
  std::vector<Error> errors_;
  std::size_t ingested_ = 0;
};

}  // namespace bandwatch::cli
