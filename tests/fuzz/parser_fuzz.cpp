// libFuzzer target for the `.bw` parser and checker: any input must give diagnostics, never a
// crash, hang or sanitizer report. Built only with -DBANDWATCH_FUZZ=ON and clang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/checker.hpp"
#include "rules/formatter.hpp"
#include "rules/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  bandwatch::ParseResult result = bandwatch::parse(source, "fuzz.bw");
  if (result.ok()) {
    bandwatch::check({result.file});
    // What parses must format to something that parses to the same tree.
    std::string formatted = bandwatch::format(result.file);
    bandwatch::ParseResult again = bandwatch::parse(formatted, "formatted.bw");
    if (!again.ok() || bandwatch::ast::dump(again.file) != bandwatch::ast::dump(result.file))
      __builtin_trap();
  }
  return 0;
}
