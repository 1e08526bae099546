// What the commands that talk to bandwatchd share: the rendering of alerts and events as text,
// and sending sample text as batches (`bandwatch send` and `bandwatch import --to`): planned
// (grouped by as-of date), sent (Lazy Pirate, one acknowledged request per batch), printed.
//
// Thread safety: free functions; each call uses its own ZeroMQ context and sockets.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "protocol/client.hpp"
#include "protocol/protocol.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::cli {

/// `{team="Hunts 1", worker="W0412"}` from a labels object; empty for no labels.
std::string format_labels(const nlohmann::json& labels);

/// One line for an open alert of a snapshot (with "detail" fields when present), printable()
/// (label values and messages come from the data).
std::string format_alert_line(const nlohmann::json& alert);

/// One line for a published event: "2020-02-04  #12  fired  amber  rule{labels} = value
/// "message"  -> routes  (alert 7)", #12 being the event's sequence number; printable().
std::string format_event_line(const nlohmann::json& event);

/// A piece of sample text and where it came from, for error messages.
struct SampleSource {
  std::string name;  // file name ("-" or "<stdin>" for standard input)
  std::string text;
};

/// One batch: the lines of one as-of date, and where each came from.
struct Batch {
  struct Origin {
    std::size_t source = 0;  // index in the sources
    std::size_t line = 0;    // 1-based line in it
  };
  Date as_of;
  std::string body;             // the lines, each ending in '\n'
  std::vector<Origin> origins;  // per line of body
};

/// Bounds on one batch as `send` and `import --to` make it: a date with more lines is sent as
/// several batches (a date's batches add up until it closes), each well inside bandwatchd's
/// --max-batch-lines and --max-batch-bytes defaults, so no one batch keeps the daemon busy long.
inline constexpr std::size_t kDefaultBatchLines = 50'000;
inline constexpr std::size_t kMaxBatchBytes = 8u << 20;

/// The sample lines of `sources` grouped into batches per as-of date, in date order, a date's
/// lines split into batches of at most `max_lines` lines and kMaxBatchBytes bytes. Lines
/// with a date go to that date's batch, lines without one to `as_of`; a line that cannot be read
/// goes with the line before it (so the daemon names it). Only the dates are read: the daemon is
/// the one judge of a sample. nullopt with `error` set when lines have no date to go with (a
/// usage error: --as-of is missing).
std::optional<std::vector<Batch>> plan_batches(const std::vector<SampleSource>& sources, std::optional<Date> as_of,
                                               std::size_t max_lines, std::string& error);

/// A line the daemon refused (or took with a warning), placed in its file.
struct RejectedLine {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
};

/// The daemon's answer to one batch.
struct BatchAnswer {
  const Batch* batch = nullptr;
  std::string id;  // content-derived: "sha256:<hex>"
  protocol::IngestReply reply;
  std::vector<RejectedLine> rejected;
  std::vector<RejectedLine> warnings;  // taken, with a doubt
};

struct SendTarget {
  std::string endpoint;
  protocol::ClientSecurity security;
  ConnectionOptions connection;
  bool strict = false;
  bool close = false;  // the last batch closes its date
};

/// How sending went: every batch answered (`status` ok), or the first batch without a valid
/// answer (`status` no_reply or refused, `error` in words, `unanswered` its date).
struct SendOutcome {
  protocol::RequestStatus status = protocol::RequestStatus::ok;
  std::string error;
  std::size_t answered = 0;
  std::size_t applied = 0;  // answered `ok` (refused batches are answered, not applied)
  std::optional<Date> unanswered;
};

/// Sends `batches` in order, each one acknowledged request with a content-derived id (sending
/// the same text again is harmless); calls `on_answer` for each answer and `on_retry` before
/// each resend. Stops at the first batch without an answer.
SendOutcome send_batches(const std::vector<Batch>& batches, const std::vector<SampleSource>& sources,
                         const SendTarget& target, const std::function<void(const BatchAnswer&)>& on_answer,
                         const std::function<void(int attempt)>& on_retry);

struct SendOptions {
  std::string endpoint;
  ConnectionOptions connection;
  CurveOptions curve;
  std::optional<Date> as_of;  // for lines without a date
  bool strict = false;
  bool close = false;         // close the last date once sent: its alerts are decided now
  bool json = false;          // one JSON object per batch on stdout
  bool quiet = false;         // no progress lines (errors are still printed)
  std::size_t batch_lines = kDefaultBatchLines;  // most lines in one batch
};

/// plan_batches, send_batches, and each answer printed: progress to stdout (or one JSON object
/// per batch), each rejected line to stderr as `file:line:col: error: ...` and each doubted one
/// as `... warning: ...`; the date left open, if any. Returns the exit status: kExitOk;
/// kExitWarnings when lines were rejected or doubted (the good ones applied); kExitFailed when a
/// batch was refused; kExitUsage; kExitNoReply.
int send_samples(const Command& command, const std::vector<SampleSource>& sources, const SendOptions& options);

}  // namespace bandwatch::cli
