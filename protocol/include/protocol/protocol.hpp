// The wire protocol between bandwatchd and its clients: message framing, topics, and the JSON
// shapes, in one place so both sides agree. Every socket carries JSON (nlohmann-json) except the
// sample lines themselves, which travel as text.
//
// Ingest (daemon ROUTER, client REQ; after the REQ envelope):
//     request  [batch-id] [header] [samples]...
//         batch-id  1..128 printable ASCII characters; `bandwatch send` uses "sha256:<hex>" of the
//                   header and the samples, so the same content always has the same id
//         header    {"v":1, "as_of":"2020-02-04", "strict":false, "close":true?}; a key given twice
//                   or not known is refused. A date's batches add up until the date is closed:
//                   by "close":true, by the first batch of a later date, by the control command
//                   `close`, or by --close-after seconds without a batch for it (docs/daemon.md)
//         samples   zero or more frames of sample lines (engine/sample_line.hpp), '\n'-separated;
//                   each frame holds whole lines; lines are numbered from 1 across the frames
//     reply    [json]  IngestReply: {"batch":id, "status":"ok"|"error", "duplicate":bool,
//                   "accepted":N, "rejected":[{"line":L,"column":C,"message":".."}],
//                   "warnings":[same]?, "unreported":{"reason":N}?, "closed":["date"]?,
//                   "open":"date"?, "notes":["rule{labels}: not decided ..."]?, "error":".."}
//         "ok" means durable (committed to SQLite) and applied; rejected lines of a non-strict
//         batch are listed with an "ok" (the good lines were applied); a strict batch with a bad
//         line, a malformed or oversized request, or a date before the last evaluated one is
//         answered "error" and nothing of it is applied. A repeated batch id is answered with
//         the first answer and "duplicate":true, and not applied again.
//
// Alerts (daemon PUB): each message is ONE frame, "<topic> <payload>" (split_feed_message):
//     "route.severity.rule <events>"  an event with several routes is published once per route,
//         each copy carrying the same "sequence" and its route's "route_sequence"; an event with
//         no route goes to the route "unrouted". Severity in the topic is amber, red (or unbanded
//         for kind unbanded). <events> is one or more event JSON objects, one per line ('\n'
//         between them; JSON text holds no raw newline), in order: consecutive events of one
//         topic travel together, up to kFeedJoinBytes (for_each_feed_event). See
//         append_event_json_fields for the fields. Subscribe to "route." for a route, to
//         "route.red." for its red events, to "route.red.rule " (the space) for one rule.
//     "$heartbeat {"sequence":N, "routes":{"route":N,...}}"  every heartbeat interval, so a
//         subscriber that lost the last events of a burst sees the gap without waiting for more.
//     "$probe.<token> {}"  on request (control `probe`), so a subscriber can tell when its
//         subscription is live before it takes its snapshot.
//
// Control (daemon ROUTER, client REQ): request [json], reply [json]. Every request is an object
// with "command"; every failure is answered {"error": "..."}.
//     {"command":"snapshot", "route":R?, "detail":bool?}
//         -> {"sequence":N, "alerts":[{"id","rule","labels","severity","since","value",
//             "acknowledgement"}]}; with "route", only that route's alerts and its route
//             sequence; with "detail", each alert also has "message", "formatted_value",
//             "routes", "source", "silenced" (the silence or null)
//     {"command":"ack", "alert":ID, "by":S, "note":S, "review":"YYYY-MM-DD"?}
//         -> {"ok":true, "sequence":N|null, "acknowledgement":{...}}
//     {"command":"silence", "matchers":{"rule"|"route"|"severity"|"alert"|label: value},
//      "until":"YYYY-MM-DD", "by":S, "note":S}          -> {"ok":true, "silence":{...}}
//     {"command":"unsilence", "id":N}                    -> {"ok":true}
//     {"command":"silences"}                             -> {"silences":[{...}]}
//     {"command":"reload"}  -> {"ok":true|false, "errors":["file:line:col: error: .."],
//                                "warnings":[..], "rule_files":N, "rules":N, "indicators":N}
//     {"command":"status"}  -> {"rules","indicators","rule_files","series","open_alerts",
//                                "silenced_alerts","acknowledged","silences","sequence",
//                                "batches","last_batch","last_as_of","uptime_seconds",
//                                "last_reload","curve","notifications"}; "notifications" is the
//                                outbox (docs/notifications.md: counts, next attempt, last
//                                error, the messages not yet sent)
//     {"command":"events", "from":N, "limit":M} -> {"sequence":N, "events":[event json...]}
//     {"command":"probe", "topic":"$probe.<token>"} -> {"ok":true}
//     {"command":"close", "date":"YYYY-MM-DD"?} -> {"ok":true, "closed":"date", "events":N,
//                              "sequence":N}: decides the open date now (the date, when given,
//                              must be the open one)
//     {"command":"notify", "route":R, "digest":true} -> {"ok":true, "route":R, "items":N,
//                              "messages":M}: R's digest queued now for its members
//     {"command":"withdraw", "batch":ID | "date":"YYYY-MM-DD", "by":S, "reason":S}
//         -> {"ok":true, "withdrawn":[{"batch","as_of","samples"}], "replayed":N, "resolved":N,
//             "reopened":N, "changed":N, "last_closed", "open_date"}: the batch (or every batch
//             of the date, its close included) undone; the alerts that change are published
//             with the withdrawal in their message
//     {"command":"report"}  -> routes, indicators, their values and history, for the meeting
//                              pack (the shape is in report/daemon_state.hpp)
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::protocol {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxBatchIdBytes = 128;
/// Batch ids the daemon gives its own record of a date closed without a batch ("close:2020-02-04").
inline constexpr std::string_view kCloseBatchPrefix = "close:";
inline constexpr std::size_t kMaxHeaderBytes = 4096;
inline constexpr std::string_view kUnroutedRoute = "unrouted";

/// The feeds an alert or event goes to: its routes, or "unrouted" when it has none.
const std::vector<std::string>& feed_routes(const std::vector<std::string>& routes);
inline constexpr std::string_view kHeartbeatTopic = "$heartbeat";
inline constexpr std::string_view kProbeTopicPrefix = "$probe.";
/// Consecutive events of one topic are joined into one feed message until its events pass this
/// many bytes: a close publishes tens of thousands of events, and ZeroMQ's cost is per message.
inline constexpr std::size_t kFeedJoinBytes = 8192;

/// A feed message: its topic, and what follows the space after it.
struct FeedMessage {
  std::string_view topic;
  std::string_view payload;
};
/// Splits a feed frame at its first space; nullopt when it has none (not a feed message).
std::optional<FeedMessage> split_feed_message(std::string_view frame);
/// "<topic> <payload>", a message of one event or a heartbeat or probe.
std::string feed_message(std::string_view topic, std::string_view payload);
/// Calls `each(std::string_view event_json)` for each event line of an event message's payload.
template <class Each>
void for_each_feed_event(std::string_view payload, Each&& each) {
  while (!payload.empty()) {
    std::size_t end = payload.find('\n');
    std::string_view line = payload.substr(0, end);
    if (!line.empty()) each(line);
    if (end == std::string_view::npos) break;
    payload.remove_prefix(end + 1);
  }
}

// Default endpoints: loopback only, so a fresh install exposes nothing.
inline constexpr std::string_view kDefaultIngest = "tcp://127.0.0.1:7610";
inline constexpr std::string_view kDefaultPublish = "tcp://127.0.0.1:7611";
inline constexpr std::string_view kDefaultControl = "tcp://127.0.0.1:7612";

// ---- ingest --------------------------------------------------------------------------------

struct IngestHeader {
  Date as_of;
  bool strict = false;
  bool close = false;  // close the date once this batch is applied: its alerts are decided now
  friend bool operator==(const IngestHeader&, const IngestHeader&) = default;
};

std::string encode_ingest_header(const IngestHeader& header);
/// nullopt with `error` set when `text` is not a valid header.
std::optional<IngestHeader> decode_ingest_header(std::string_view text, std::string& error);

/// True when `id` is 1..kMaxBatchIdBytes printable ASCII characters without spaces.
bool valid_batch_id(std::string_view id);

/// The content-derived id `bandwatch send` gives a batch: "sha256:" + hex of header and body.
/// Throws std::runtime_error only when OpenSSL cannot hash (out of memory), as an allocation would.
std::string content_batch_id(const IngestHeader& header, std::string_view body);

struct LineError {
  std::size_t line = 0;    // 1-based within the batch
  std::size_t column = 0;  // 1-based byte column; 0 when the whole line is meant
  std::string message;
};

struct IngestReply {
  std::string batch_id;
  bool ok = false;         // durable and applied (or a repeat of one that was)
  bool duplicate = false;
  std::size_t accepted = 0;
  std::vector<LineError> rejected;
  std::vector<LineError> warnings;  // accepted lines with a doubt the sender must read
  std::map<std::string, std::size_t> unreported;  // problems beyond the first ones, by reason
  std::vector<std::string> closed;  // dates this batch closed (an earlier open date, its own)
  std::vector<std::string> notes;   // what those closes could not decide, and why
  std::optional<Date> open;         // its date, when it stays open for more batches
  std::string error;       // why a batch was refused, when !ok
};

nlohmann::json to_json(const IngestReply& reply);
std::string encode_ingest_reply(const IngestReply& reply);
std::optional<IngestReply> decode_ingest_reply(std::string_view text, std::string& error);

// ---- alerts and events ---------------------------------------------------------------------

/// An acknowledgement of an alert: kept with it until it resolves or escalates.
struct Acknowledgement {
  std::string by;
  std::string note;
  std::optional<Date> review;
  std::string at;  // wall clock, UTC, ISO 8601
};
nlohmann::json to_json(const Acknowledgement& ack);
std::optional<Acknowledgement> acknowledgement_from_json(const nlohmann::json& json);

/// "amber"/"red", or "unbanded" for kind unbanded: the severity part of a topic.
std::string_view topic_severity(const engine::Event& event);
/// Appends "route.severity.rule" to `out`.
void append_topic(std::string& out, std::string_view route, std::string_view severity, std::string_view rule);
/// Whether `topic` is append_topic's for these parts, without writing it out (the writer asks it
/// for every event it joins to a message).
bool is_topic(std::string_view topic, std::string_view route, std::string_view severity, std::string_view rule);

/// Order for --min-severity: unbanded 0, amber 1, red 2; nullopt for an unknown name.
std::optional<int> severity_rank(std::string_view severity);

nlohmann::json labels_json(const engine::Labels& labels);

/// A value as JSON: an integer when whole (22, not 22.0), null when not finite.
nlohmann::json json_number(double value);

/// The members of an event's JSON as stored and published, without the braces (the feed's copy
/// puts "route" and "route_sequence" in front, the log's "route_sequences"): "acknowledgement"
/// (when `ack` is given), "alert_id", "as_of", "formatted_value", "kind", "labels", "message",
/// "routes", "rule", "sequence" (null when silenced), "severity", "since", "source", "unit",
/// "value", in the order nlohmann's dump() sorts them. `kind` (a fixed name, written unescaped)
/// overrides the event's own (for "acknowledged"). Written straight to text: the daemon's hot
/// path, where building a JSON tree per event costs more than the evaluation.
void append_event_json_fields(std::string& out, const engine::Event& event, std::optional<std::uint64_t> sequence,
                              std::string_view kind, const Acknowledgement* ack = nullptr);

/// One event as a JSON object, as the daemon stores and publishes it and `bandwatch eval` prints
/// it: the members of append_event_json_fields, with the event's own kind. `sequence` is null for
/// an event that was not published with a number (silenced, or evaluated offline by `eval`).
void append_event_json(std::string& out, const engine::Event& event, std::optional<std::uint64_t> sequence);

/// An open alert as the control command `snapshot` lists it and `bandwatch eval` prints it:
/// "id", "rule", "labels", "severity", "since", "value", "acknowledgement" (`ack`, or null); with
/// `detail`, also "message", "formatted_value", "unit", "routes", "source" and "silenced"
/// (`silenced`: the silence holding it, or null).
nlohmann::json alert_json(const engine::Alert& alert, const Acknowledgement* ack, bool detail,
                          const nlohmann::json& silenced = nullptr);

/// Appends `text` as a JSON string (quoted, escaped) to `out`.
void append_json_string(std::string& out, std::string_view text);
/// Appends a number as json_number writes it (integer when whole, null when not finite).
void append_json_number(std::string& out, double value);
/// Appends an integer as JSON (sequence numbers, ids).
void append_json_integer(std::string& out, std::uint64_t value);
void append_json_integer(std::string& out, std::int64_t value);

/// value.dump(), with bytes that are not UTF-8 replaced (U+FFFD) instead of throwing.
std::string dump_json(const nlohmann::json& value);

/// Parses "2020-02-04" from a JSON string; nullopt for anything else.
std::optional<Date> json_date(const nlohmann::json& value);

/// Wall-clock now as "2024-05-01T09:30:00Z".
std::string utc_now_iso();

}  // namespace bandwatch::protocol
