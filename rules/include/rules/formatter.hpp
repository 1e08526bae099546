// The canonical layout of a `.bw` file, for `bandwatch fmt`: one way to write every file, so
// rule authors never argue about layout and diffs show only what changed in meaning.
//
// Layout rules (one rule each, no options):
//  - Top-level blocks are separated by exactly one blank line; there are no blank lines inside a
//    block. Indentation is two spaces per level; a single space separates words.
//  - Every block with braces is written on several lines, one property per line, even when the
//    source wrote it on one line (`rule x { when a > 0 severity red }`): a block then always has
//    the same shape, wherever it comes from, and adding a property touches one line. A block with
//    nothing in it is written `{}`. A derived metric, which has no block, stays on one line with
//    its unit after the expression (`metric rate = a / b * 100 unit percent`).
//  - Properties come in a fixed order per block kind; lists whose order means something keep
//    their source order among themselves:
//      metric     title, unit, labels, expect every
//      indicator  title, group, unit, better, frame, round, cohort, expect every, last_year, note,
//                 routes, band sets
//      benchmark  title, entries
//      route      title, cadence
//      rule       title, when, unless, clear when, for, severity, escalations, routes, message
//      extract    title, date_format, expect every, key/label/sample bindings, where filters
//      test       its steps as written
//  - `bands [where ..] [from ..] {` has one band per line; `match(..) {` one arm per line.
//  - Expressions carry only the parentheses precedence needs
//    (or < and < not < comparison/in < + - < * / < unary), with one exception: an `and` inside
//    an `or` keeps its parentheses (`(a and b) or c`), because that is exactly where readers who
//    are not programmers go wrong. Numbers and quantities keep their spelling (`£5.293m`, `95%`);
//    names of units, frames and durations are written in full (`YD` becomes `year_to_date`);
//    strings are re-escaped.
//  - A line longer than 100 columns breaks before the `and`s or `or`s of its outermost chain,
//    all of them, continuation lines indented two levels past the property; a parenthesised chain
//    that still does not fit breaks the same way, one level further in. Nothing else breaks
//    (long strings and label lists stay on their line).
//
// Comments are kept, placed by their line numbers:
//  - a comment on a line of its own goes just before the property, band, step or block that
//    follows it in the source, at that construct's indentation, and moves with it;
//  - a comment after code goes at the end of the printed line of the last construct that
//    started at or before its line (two spaces before the `#`); several such comments for one
//    line are joined on that line;
//  - a comment on a line of its own after the last construct of a block stays at the end of that
//    block when it is indented deeper than the block's first line, and otherwise goes after the
//    block (the AST has no closing-brace positions, so indentation decides; the formatter's own
//    output always satisfies this, which keeps formatting idempotent);
//  - comments after the last block stay at the end of the file, after a blank line.
// Outside blocks, one blank line is kept where the source had blank lines between comments or
// between a comment and the block it comes before (a file's header, a section heading); inside
// blocks blank lines are not kept. Column alignment is not kept.
//
// Contract: for a file that parses (its expressions nest at most ast::kMaxExpressionDepth deep),
// `format(file)` parses to the same tree (`ast::dump` equal) and formatting that again gives the
// same text.
#pragma once

#include <cstddef>
#include <string>

#include "rules/ast.hpp"

namespace bandwatch {

/// The whole file in the canonical layout, ending with a newline (empty for an empty file).
/// Pure and thread-safe; works on any tree the parser produced.
std::string format(const ast::File& file);

/// One expression in canonical form, on one line (match arms are written inline).
std::string format_expression(const ast::Expr& expr);

/// A band's interval as its line writes it after the colour: `>= 95%`, `90% .. 94%`,
/// `>= 90% and < 95%` (empty for a band with no bounds).
std::string format_band_bounds(const ast::Band& band);

/// A quantity as written, its blanks normalised: `95%`, `£5.293m`, `2 years`.
std::string format_quantity(const ast::Quantity& quantity);

}  // namespace bandwatch
