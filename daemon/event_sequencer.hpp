// Event sequencing: every event the daemon records gets its number (the global sequence and each
// of its routes' sequences) unless a silence holds it off the feed, in the order it was recorded;
// the numbered events wait here for the next transaction (take_writes). And the alert feed: the
// PUB socket, the messages of each commit, heartbeats. Internal to bandwatchd.
//
// Thread safety: the serving thread records and numbers; publish() may also be called from the
// store writer's thread (each commit's events, right after it): the socket is shared under a lock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "engine/engine.hpp"
#include "protocol/protocol.hpp"
#include "silences.hpp"
#include "store_writer.hpp"

namespace bandwatch::daemon {

/// The acknowledgements of open alerts, by alert id.
using Acknowledgements = std::map<engine::AlertId, protocol::Acknowledgement>;

/// An event about an open alert at `as_of` (its kind left to the caller): for acknowledgements,
/// and for alerts resolved because their rule went.
engine::Event event_from_alert(const engine::Alert& alert, Date as_of);

class EventSequencer {
 public:
  /// `silences` decide what is held off the feed; an escalation or resolution recorded here ends
  /// its alert's entry in `acks` (a red alert needs a fresh look).
  EventSequencer(zmq::context_t& context, const Silences& silences, Acknowledgements& acks);

  /// The PUB socket, for the server to set up and bind; then open_feed().
  zmq::socket_t& socket() { return publish_; }
  /// From now on publish() sends (before: events are only logged, as at startup).
  void open_feed();
  void close_feed();

  /// The numbers as stored, after a restart; forgets what was recorded and not taken.
  void restore(std::uint64_t sequence, std::map<std::string, std::uint64_t> route_sequences);

  /// Numbers `event` and keeps it for the next transaction; `ack` makes it an `acknowledged` event.
  void record(engine::Event event, const protocol::Acknowledgement* ack);
  /// Numbers a batch's events and keeps them; the list's spare storage goes back to `engine`.
  void record(std::vector<engine::Event>&& events, engine::Engine& engine);
  /// The events recorded since the last call, with the numbers to store.
  EventWrites take_writes();

  /// Sends (and empties) the frames of `publications`.
  void publish(std::vector<Publication>& publications);
  void publish(std::string_view topic, std::string_view payload);
  /// The last numbers, on the feed: a subscriber that lost the end of a burst sees the gap.
  void heartbeat();

  std::uint64_t sequence() const { return sequence_; }
  /// A route's last sequence number (0 before its first event).
  std::uint64_t route_sequence(std::string_view route) const;

 private:
  void number(const engine::Event& event, const protocol::Acknowledgement* ack);

  const Silences& silences_;
  Acknowledgements& acks_;
  zmq::socket_t publish_;
  std::mutex publish_mutex_;  // publish_ is shared with the writer's thread
  bool feed_open_ = false;
  std::uint64_t sequence_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> route_sequences_;
  std::vector<std::string> dirty_routes_;
  EventWrites recorded_;  // events recorded for the next transaction
};

}  // namespace bandwatch::daemon
