// Acknowledgements for an offline meeting pack, from a JSON file, so a pack made from files
// shows who owns each alert the way the daemon's would:
//
//     [{"rule": "vacancies_rising", "by": "Jane Humphreys", "note": "Recruitment campaign",
//       "review": "2016-09-23", "at": "2016-09-02"},
//      {"rule": "cp_plan_over_two_years", "labels": {"child": "C1001"}, "by": "...", ...}]
//
// The fields are those of the daemon's `ack` command, with the alert named by its rule and
// labels instead of its id.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/model.hpp"

namespace bandwatch::report {

/// Gives each open alert of `source` the acknowledgement naming its rule and a subset of its
/// labels (the last one given wins). An acknowledgement dated (`at`) before the alert's latest
/// escalation is not applied: an escalation clears it, as the daemon does, because a red alert
/// needs a fresh look. Unmatched and cleared acknowledgements are described in `warnings`.
/// False with `error` set when `list` is not of the shape above.
bool apply_acknowledgements(const nlohmann::json& list, Source& source, std::vector<std::string>& warnings,
                            std::string& error);

}  // namespace bandwatch::report
