#include "event_sequencer.hpp"

#include <algorithm>
#include <iterator>

namespace bandwatch::daemon {

using nlohmann::json;

engine::Event event_from_alert(const engine::Alert& alert, Date as_of) {
  engine::Event event;
  event.alert_id = alert.id;
  event.source = alert.source;
  event.rule = alert.rule;
  event.labels = alert.labels;
  event.severity = alert.severity;
  event.value = alert.value;
  event.unit = alert.unit;
  event.formatted_value = alert.formatted_value;
  event.message = alert.message;
  event.routes = alert.routes;
  event.as_of = as_of;
  event.since = alert.since;
  return event;
}

EventSequencer::EventSequencer(zmq::context_t& context, const Silences& silences, Acknowledgements& acks)
    : silences_(silences), acks_(acks), publish_(context, zmq::socket_type::pub) {}

void EventSequencer::open_feed() {
  std::lock_guard lock(publish_mutex_);
  feed_open_ = true;
}

void EventSequencer::close_feed() {
  std::lock_guard lock(publish_mutex_);
  feed_open_ = false;
  publish_.close();
}

void EventSequencer::restore(std::uint64_t sequence, std::map<std::string, std::uint64_t> route_sequences) {
  sequence_ = sequence;
  route_sequences_.clear();
  for (auto& [route, number] : route_sequences) route_sequences_[route] = number;
  dirty_routes_.clear();
  recorded_ = {};
}

void EventSequencer::record(engine::Event event, const protocol::Acknowledgement* ack) {
  number(event, ack);
  recorded_.events.push_back(std::move(event));
}

void EventSequencer::record(std::vector<engine::Event>&& events, engine::Engine& engine) {
  std::size_t needed = recorded_.numbers.size() + events.size();
  if (recorded_.numbers.capacity() < needed) recorded_.numbers.reserve(std::max(needed, 2 * recorded_.numbers.capacity()));
  for (const engine::Event& event : events) number(event, nullptr);
  if (recorded_.events.empty()) {
    recorded_.events = std::move(events);  // the usual case: the group's first batch with events
  } else {
    recorded_.events.insert(recorded_.events.end(), std::make_move_iterator(events.begin()),
                            std::make_move_iterator(events.end()));
    // Only the list's storage goes back: the moved-from events own no memory, and as spares the
    // engine would refill them first, allocating every string again.
    events.clear();
    engine.recycle(std::move(events));
  }
}

void EventSequencer::number(const engine::Event& event, const protocol::Acknowledgement* ack) {
  EventNumbers& numbered = recorded_.numbers.emplace_back();
  if (const Silence* silence = silences_.holding(event)) {
    numbered.silenced_by = silence->id;
  } else {
    numbered.sequence = ++sequence_;
    for (const std::string& route : protocol::feed_routes(event.routes)) {
      auto found = route_sequences_.find(route);
      if (found == route_sequences_.end()) found = route_sequences_.emplace(route, 0).first;
      numbered.route_sequences.push_back(++found->second);
      if (std::find(dirty_routes_.begin(), dirty_routes_.end(), route) == dirty_routes_.end())
        dirty_routes_.push_back(route);  // a handful of routes: a list beats a set
    }
  }
  // A red alert needs a fresh look: escalation clears the acknowledgement, as resolution does.
  if (!ack && event.alert_id != 0 &&
      (event.kind == engine::EventKind::escalated || event.kind == engine::EventKind::resolved) &&
      acks_.erase(event.alert_id))
    recorded_.deleted_acks.push_back(event.alert_id);
  if (ack) numbered.ack = *ack;
}

EventWrites EventSequencer::take_writes() {
  EventWrites writes = std::move(recorded_);
  recorded_ = {};
  writes.sequence = sequence_;
  std::sort(dirty_routes_.begin(), dirty_routes_.end());
  dirty_routes_.erase(std::unique(dirty_routes_.begin(), dirty_routes_.end()), dirty_routes_.end());
  for (const std::string& route : dirty_routes_) writes.route_sequences.emplace_back(route, route_sequences_[route]);
  dirty_routes_.clear();
  return writes;
}

std::uint64_t EventSequencer::route_sequence(std::string_view route) const {
  auto found = route_sequences_.find(route);
  return found == route_sequences_.end() ? 0 : found->second;
}

void EventSequencer::publish(std::vector<Publication>& publications) {
  std::lock_guard lock(publish_mutex_);
  if (!feed_open_) return;  // not bound yet (startup): the event log keeps them
  for (Publication& publication : publications) publish_.send(publication.message, zmq::send_flags::none);
}

void EventSequencer::publish(std::string_view topic, std::string_view payload) {
  std::string message = protocol::feed_message(topic, payload);
  std::lock_guard lock(publish_mutex_);
  if (!feed_open_) return;
  publish_.send(zmq::buffer(message), zmq::send_flags::none);
}

void EventSequencer::heartbeat() {
  json routes = json::object();
  for (const auto& [route, sequence] : route_sequences_) routes[route] = sequence;
  std::string payload = protocol::dump_json(json{{"sequence", sequence_}, {"routes", routes}});
  publish(protocol::kHeartbeatTopic, payload);
}

}  // namespace bandwatch::daemon
