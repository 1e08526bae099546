// The daemon's answer to the control command `report`: what the meeting pack needs that the
// snapshot and the event log do not carry (routes, indicator facts, current values, history).
// Both ends live here so they agree: the daemon calls report_state_json on its engine, and
// `bandwatch report --control` reads the reply with read_report_state.
//
//     {"command":"report"} ->
//     {"as_of":"2016-09-30"|null, "dates":["2016-09-16","2016-09-30",...],
//      "routes":[{"name","title","cadence":{"amount":14,"unit":"days"}|null}],
//      "titles":{"rule or indicator":"title"},
//      "resolved_messages":["rule or indicator with its own `resolved message`"],
//      "indicators":[{"name","title","group","unit","better","frame","last_year","note"}],
//      "series":[{"indicator","labels":{..},"value" (as classified),"raw_value","formatted_value",
//                 "previous_formatted_value","band","trend","date","target","round":N|null,
//                 "history":[["2016-06-30",94.1],...]}],
//      "benchmarks":[{"name","title","values":[{"indicator","value","formatted_value","from"}]}]}
//
// History is the engine's bounded series history of the indicator's metric (a derived metric
// has none kept: its series carry the latest value only). `dates` are the as-of dates of the
// data held (the latest hundred), standing in for the evaluations.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/engine_source.hpp"  // RuleTexts
#include "report/model.hpp"
#include "engine/engine.hpp"
#include "rules/ast.hpp"

namespace bandwatch::report {

/// The reply to `report` for a daemon running `engine` with the rule files `files`. Copies the
/// engine's state (export_state) to read the history: meant for a meeting pack now and then, not
/// for a loop.
nlohmann::json report_state_json(const engine::Engine& engine, const std::vector<ast::File>& files);

/// Fills routes, indicators, series, as_of and evaluations of `source` from a `report` reply,
/// and `texts` from its titles and resolved messages. False with `error` set when the reply is
/// not of that shape.
bool read_report_state(const nlohmann::json& reply, Source& source, RuleTexts& texts, std::string& error);

}  // namespace bandwatch::report
