// The semantic checker: names, labels, units, routes, escalations, derived-metric cycles and band
// coverage of a whole rules program, reported as diagnostics at the offending token.
#pragma once

#include <vector>

#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch {

/// Checks a program made of several files (all of examples/ is one program): names are global
/// across files. Returns errors, warnings (band gaps and overlaps, samples of undeclared
/// metrics) and notes (where a duplicate name was first declared), ordered by file (in the
/// order given) and position, each note right after the diagnostic it explains. Never throws
/// on any tree the parser produces.
///
/// Example:
///   std::vector<ast::File> files = {parse(text, "caseload.bw").file};
///   for (const Diagnostic& d : check(files)) std::cout << render(d, text);
std::vector<Diagnostic> check(const std::vector<ast::File>& files);

}  // namespace bandwatch
