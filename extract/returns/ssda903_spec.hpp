// The SSDA903 return's tables as the DfE's guide lays them out for each collection year (the year
// ending 31 March), 2017 to 2026: columns, which are required, and each code list. Facts taken
// from the DfE's SSDA903 guides and technical specifications (see docs/extracts.md). Internal.
#pragma once

#include <string_view>
#include <vector>

#include "table_reader.hpp"

namespace bandwatch::extract::returns {

inline constexpr int kSsda903FirstYear = 2017;
inline constexpr int kSsda903LastYear = 2026;

/// The tables of the `year` collection (social_worker from 2024). Empty outside the years above.
std::vector<TableSpec> ssda903_tables(int year);

/// Activity codes (OC3 ACTIV) meaning education, employment or training in `year` (F3/P3 became
/// F4/P4 and F5/P5 in 2022).
std::vector<std::string_view> ssda903_eet_codes(int year);

}  // namespace bandwatch::extract::returns
