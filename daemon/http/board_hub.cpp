#include "board_hub.hpp"

#include <pthread.h>

#include "protocol/client.hpp"
#include "protocol/protocol.hpp"
#include "report/control_source.hpp"

namespace bandwatch::daemon::http {

using nlohmann::json;

namespace {

constexpr std::size_t kKeptPerStream = 2000;  // events a page that reconnects can catch up on

}  // namespace

BoardHub::BoardHub(zmq::context_t& context, std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds min_refresh)
    : context_(context), log_(std::move(log)), min_refresh_(min_refresh) {}

BoardHub::~BoardHub() { stop(); }

void BoardHub::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "bw-board");
    try {
      run();
    } catch (const std::exception& error) {
      if (!stopping_) log_->error("board: stopped following the daemon: {}", error.what());
    }
  });
}

void BoardHub::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  std::deque<std::pair<json, Done>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(requests_);
  }
  for (auto& [request, done] : left) done(std::nullopt, "the daemon is stopping");
}

std::shared_ptr<const BoardView> BoardHub::view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

std::string BoardHub::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

BoardHub::Subscription BoardHub::subscribe(const std::string& key, std::uint64_t after, Listener listener) {
  std::lock_guard lock(mutex_);
  Subscription subscription;
  Stream& stream = streams_[key];
  subscription.current = stream.current;
  if (after > stream.current || after < stream.complete_after) {
    subscription.complete = false;  // from another history, or older than what is kept
  } else {
    for (const auto& event : stream.kept)
      if (event->id > after) subscription.missed.push_back(event);
  }
  subscription.id = next_listener_++;
  listeners_.emplace(subscription.id, std::pair{key, std::move(listener)});
  return subscription;
}

void BoardHub::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

std::size_t BoardHub::subscribers() const {
  std::lock_guard lock(mutex_);
  return listeners_.size();
}

void BoardHub::request(json request, Done done) {
  std::lock_guard lock(mutex_);
  requests_.emplace_back(std::move(request), std::move(done));
}

// ---- the hub's thread -----------------------------------------------------------------------

void BoardHub::run() {
  zmq::socket_t feed(context_, zmq::socket_type::sub);
  feed.set(zmq::sockopt::linger, 0);
  feed.set(zmq::sockopt::rcvhwm, 0);  // in-process: never drop; the daemon's PUB limit still holds
  feed.set(zmq::sockopt::subscribe, "");
  feed.connect(kBoardFeedEndpoint);
  // In-process: no message is lost, so no retry (an ack sent twice would be acknowledged twice).
  protocol::LazyPirateClient control(context_, kBoardControlEndpoint, {}, std::chrono::seconds(60), 0);
  report::ControlSourceReader reader;
  auto ask = [&](const json& request, std::string& error) { return protocol::control_request(control, request, error); };
  auto last_refresh = std::chrono::steady_clock::now() - min_refresh_;

  while (!stopping_) {
    zmq::pollitem_t items[] = {{feed.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(50));
    // Everything the feed holds now, then one read of the state for all of it.
    for (int taken = 0; taken < 10000; ++taken) {
      zmq::message_t frame;
      if (!feed.recv(frame, zmq::recv_flags::dontwait)) break;
      auto message = protocol::split_feed_frame(frame);
      if (message) on_feed(message->topic, message->payload);
    }

    std::deque<std::pair<json, Done>> requests;
    {
      std::lock_guard lock(mutex_);
      requests.swap(requests_);
    }
    for (auto& [request, done] : requests) {
      std::string error;
      std::optional<json> answer = ask(request, error);
      done(std::move(answer), std::move(error));
      dirty_ = true;
    }

    if (!dirty_ || !beat_seen_ || std::chrono::steady_clock::now() - last_refresh < min_refresh_) continue;
    // Read the state after the numbers the feed has reached, then hand on the events it reflects.
    std::map<std::string, std::uint64_t> sequences = seen_;
    std::vector<Pending> pending;
    pending.swap(pending_);
    std::string error;
    std::optional<report::Source> source = reader.read(ask, error);
    last_refresh = std::chrono::steady_clock::now();
    dirty_ = false;
    std::lock_guard lock(mutex_);
    if (!source) {
      if (error_ != error) log_->warn("board: cannot read the daemon's state: {}", error);
      error_ = error;
      dirty_ = true;
      // Not handed on before a read that reflects them: kept for the next attempt.
      pending.insert(pending.end(), std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
      pending_ = std::move(pending);
      continue;
    } else {
      auto view = std::make_shared<BoardView>();
      view->source = std::move(*source);
      view->sequences = std::move(sequences);
      view->read_at = protocol::utc_now_iso();
      view_ = std::move(view);
      error_.clear();
    }
    for (Pending& item : pending) {
      Stream& stream = streams_[item.key];
      if (item.event->id <= stream.current) continue;  // already handed on (a copy per route)
      stream.current = item.event->id;
      stream.kept.push_back(item.event);
      if (stream.kept.size() > kKeptPerStream) {
        stream.complete_after = stream.kept.front()->id;
        stream.kept.pop_front();
      }
      for (const auto& [id, listener] : listeners_)
        if (listener.first == item.key) listener.second(item.event);
    }
    // Numbers reached through a gap (a heartbeat ahead of the events seen): the kept events
    // no longer run on without a hole, so a page behind them reads the state again.
    for (const auto& [key, number] : view_ ? view_->sequences : std::map<std::string, std::uint64_t>{}) {
      Stream& stream = streams_[key];
      if (number > stream.current) {
        stream.kept.clear();
        stream.complete_after = stream.current = number;
      }
    }
  }
}

void BoardHub::advance(const std::string& key, std::uint64_t number, std::shared_ptr<const FeedEvent> event) {
  std::uint64_t& seen = seen_[key];
  if (number <= seen) return;  // the same event on another route's topic
  seen = number;
  pending_.push_back({key, std::move(event)});
  dirty_ = true;
}

void BoardHub::on_feed(std::string_view topic, std::string_view payload) {
  if (topic == protocol::kHeartbeatTopic) {
    json beat = json::parse(payload, nullptr, false);
    if (beat.is_object()) on_heartbeat(beat);
    return;
  }
  if (topic.starts_with(protocol::kProbeTopicPrefix)) return;
  protocol::for_each_feed_event(payload, [&](std::string_view line) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_object() || !event["sequence"].is_number_unsigned()) return;
    std::uint64_t sequence = event["sequence"].get<std::uint64_t>();
    advance("", sequence, std::make_shared<FeedEvent>(FeedEvent{sequence, std::string(line)}));
    std::string route = event.value("route", std::string(topic.substr(0, topic.find('.'))));
    if (event.contains("route_sequence") && event["route_sequence"].is_number_unsigned()) {
      std::uint64_t number = event["route_sequence"].get<std::uint64_t>();
      advance(route, number, std::make_shared<FeedEvent>(FeedEvent{number, std::string(line)}));
    }
  });
}

void BoardHub::on_heartbeat(const json& beat) {
  // Every event up to the heartbeat's numbers was published before it: numbers ahead of what
  // the feed showed are events this hub missed (before it subscribed, or dropped).
  beat_seen_ = true;
  auto ahead = [&](const std::string& key, const json& value) {
    if (!value.is_number_unsigned()) return;
    std::uint64_t number = value.get<std::uint64_t>();
    std::uint64_t& seen = seen_[key];
    if (number > seen) {
      seen = number;
      dirty_ = true;
    }
  };
  ahead("", beat.contains("sequence") ? beat["sequence"] : json());
  if (beat.contains("routes") && beat["routes"].is_object())
    for (const auto& [route, number] : beat["routes"].items()) ahead(route, number);
}

}  // namespace bandwatch::daemon::http
