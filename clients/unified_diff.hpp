// Internal to clients/: a unified diff of two texts, as `diff -u` prints it, for
// `bandwatch fmt --check` to show what formatting would change.
#pragma once

#include <string>
#include <string_view>

namespace bandwatch::cli {

/// The lines that differ between `before` and `after` with `context` unchanged lines around each
/// change, under `--- before_name` and `+++ after_name` headers; empty when the texts are equal.
/// A last line without a newline is marked "\ No newline at end of file", as diff does. Uses
/// Myers' O(ND) algorithm, so a small change to a long file is cheap.
std::string unified_diff(std::string_view before, std::string_view after, std::string_view before_name,
                         std::string_view after_name, int context = 3);

}  // namespace bandwatch::cli
