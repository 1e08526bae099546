// Which metric drives an expression: it is evaluated once per series of that metric, and every
// other metric it reads is joined to those series by their shared labels. One rule, for the
// checker (which refuses what cannot be joined) and the engine's compiler (which builds the join).
#pragma once

#include <cstddef>

namespace bandwatch {

/// Of the `count` metrics an expression reads, in reading order, the index of its driver: the
/// one with the most labels (`labels(i)` the label count of the i-th), the first of them on a tie.
/// `count` when it reads none.
template <typename LabelCount>
std::size_t choose_driver(std::size_t count, LabelCount&& labels) {
  std::size_t driver = count;
  for (std::size_t i = 0; i < count; ++i)
    if (driver == count || labels(i) > labels(driver)) driver = i;
  return driver;
}

}  // namespace bandwatch
