// The event log's form on disk: each event of a transaction as a compact binary record, turned
// into the JSON line the readers see (`events` requests, recovery) only when it is read. Writing
// JSON and compressing it cost the writer thread about a quarter of its work for every event of
// every batch, for lines that are seldom read; a record is its members' bytes and a few varints.
//
// A record: a flags byte (sequence, silenced_by, acknowledgement present), kind, source,
// severity, unit (one byte each), then varints (alert id, sequence, silenced_by, the route
// sequences), the value's 8 bytes, the as-of and since dates (zigzag varints of their day
// numbers), and length-prefixed strings (rule, formatted value, message, labels, routes, and the
// acknowledgement's who, note, review date and time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "protocol/protocol.hpp"
#include "engine/engine.hpp"

namespace bandwatch::daemon {

/// The numbers the serving thread gave an event; its text is written later, off that thread.
struct EventNumbers {
  std::optional<protocol::Acknowledgement> ack;             // an `acknowledged` event
  std::optional<std::uint64_t> sequence;          // none: a silence keeps it off the feed
  std::optional<std::int64_t> silenced_by;
  // One per route (per `unrouted` when none): most events have one or two, kept inline.
  boost::container::small_vector<std::uint64_t, 2> route_sequences;
};

/// The event's kind as the log and the feed name it: "acknowledged" for an acknowledgement.
std::string_view event_kind_name(const engine::Event& event, const EventNumbers& numbers);

/// Appends the record of one event.
void append_event_record(std::string& out, const engine::Event& event, const EventNumbers& numbers);

/// Appends the log's JSON line for one event (without the newline): its route sequences, the
/// silence that held it, and the members its feed messages carry.
void append_event_log_line(std::string& out, const engine::Event& event, const EventNumbers& numbers);

/// Appends the JSON lines of a run of records, one per event, each ending in a newline. False
/// when the records are damaged (`lines` then holds what came before the damage).
bool append_event_record_lines(std::string_view records, std::string& lines);

}  // namespace bandwatch::daemon
