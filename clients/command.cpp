#include "command.hpp"

#include <cstdio>

namespace bandwatch::cli {

void print_diagnostics(const std::vector<Diagnostic>& diagnostics,
                       const std::map<std::string, std::string>& sources) {
  for (const Diagnostic& diagnostic : diagnostics) {
    auto source = sources.find(diagnostic.file);
    std::string text = render(diagnostic, source == sources.end() ? std::string_view{} : source->second);
    std::fputs(text.c_str(), stderr);
  }
}

}  // namespace bandwatch::cli
