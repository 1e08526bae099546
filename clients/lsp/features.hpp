// The language features of `bandwatch lsp`, each a pure function of the analysed program and a
// document: diagnostics (the checker's, as `bandwatch check` prints them), hover, completion and
// formatting (the real formatter). The JSON they return is the LSP's shape for each.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "workspace.hpp"

namespace bandwatch::lsp {

using nlohmann::json;

/// textDocument/publishDiagnostics params for `document`: every diagnostic of its file, the notes
/// that explain one as its relatedInformation, and (when a syntax error elsewhere keeps the
/// semantic checks back) one information line saying where.
json diagnostics_for(const Analysis& analysis, const Document& document);

/// textDocument/hover result (null when there is nothing under the position). `values`, when not
/// null, is an engine that has replayed the configured samples: an indicator's and a metric's
/// last values come from it, `values_source` saying what they are ("samples, as of 2020-03-31");
/// when null, a non-empty `values_source` says why there are none.
json hover(const Analysis& analysis, const Document& document, std::size_t line0, std::size_t character,
           const engine::Engine* values, const std::string& values_source);

/// textDocument/completion result: a CompletionList of the names and keywords that fit where
/// the cursor is (labels inside `metric{`, routes after `route`, units after `unit`...).
json completion(const Analysis& analysis, const Document& document, std::size_t line0, std::size_t character);

/// textDocument/formatting result: one edit replacing the text with `bandwatch fmt`'s, none when
/// it is formatted already. False with `error` set when the text does not parse (or the
/// formatter would change its meaning).
bool formatting(const Document& document, json& edits, std::string& error);

/// The words of the language, as completion offers them.
const std::vector<std::string_view>& keywords();

}  // namespace bandwatch::lsp
