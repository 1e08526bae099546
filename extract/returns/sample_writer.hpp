// Writing sample lines for the built-in returns: `metric{label="v",...} value yyyy-mm-dd`, each
// label value escaped as the importer escapes it, in 1 MiB blocks to a SampleSink. Internal.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "extract/importer.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::extract::returns {

class SampleWriter {
 public:
  SampleWriter(const SampleSink& sink, Date as_of);
  ~SampleWriter();  // flushes

  using LabelList = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  /// One sample of `metric` with `labels` (in the order given).
  void write(std::string_view metric, LabelList labels, double value);

  void flush();
  std::size_t samples() const { return samples_; }

 private:
  const SampleSink& sink_;
  std::string date_;
  std::string out_;
  std::size_t samples_ = 0;
};

}  // namespace bandwatch::extract::returns
