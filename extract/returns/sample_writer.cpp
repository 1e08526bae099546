#include "sample_writer.hpp"

#include "extract/mapping.hpp"

namespace bandwatch::extract::returns {

namespace {
constexpr std::size_t kFlushAt = 1 << 20;
}

SampleWriter::SampleWriter(const SampleSink& sink, Date as_of) : sink_(sink), date_(as_of.iso()) {
  out_.reserve(kFlushAt + 4096);
}

SampleWriter::~SampleWriter() { flush(); }

void SampleWriter::write(std::string_view metric, LabelList labels, double value) {
  out_ += metric;
  out_ += '{';
  bool first = true;
  for (const auto& [name, text] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    append_label_value(out_, text);
    out_ += '"';
  }
  out_ += "} ";
  append_number(out_, value);
  out_ += ' ';
  out_ += date_;
  out_ += '\n';
  ++samples_;
  if (out_.size() >= kFlushAt) flush();
}

void SampleWriter::flush() {
  if (!out_.empty()) sink_(out_);
  out_.clear();
}

}  // namespace bandwatch::extract::returns
