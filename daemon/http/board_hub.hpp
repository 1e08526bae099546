// The live board's view of the daemon, kept on a thread of its own (`bw-board`): it follows the
// alert feed (a SUB socket on the PUB socket's in-process endpoint) and reads the daemon's state
// through the control socket's in-process endpoint with the very requests `bandwatch report
// --control` and `bandwatch ack` send. So the board is a client of the daemon like any other: it
// never touches the engine or the store, and the serving thread answers it between batches as it
// answers every client.
//
// Each event on the feed is numbered (the global sequence, and its route's sequence); the hub
// keeps the last events of each route (and of all routes) and hands them to the page streams
// (server-sent events) only after it has read the state again, so a page that fetches the state
// on an event sees at least that event. A page opened at route sequence N asks for the events
// after N: from the kept events when they reach back that far, otherwise it is told to read the
// state again (the clone pattern, as `bandwatch watch` does after a gap).
//
// Thread safety: view(), subscribe(), unsubscribe() and request() may be called from any thread;
// listeners and request callbacks are called on the hub's thread and must only hand work on
// (e.g. post it to an io_context).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <zmq.hpp>

#include "report/model.hpp"

namespace bandwatch::daemon::http {

/// The in-process endpoints bandwatchd binds beside its own when the board is on.
inline constexpr const char* kBoardControlEndpoint = "inproc://bandwatchd-board-control";
inline constexpr const char* kBoardFeedEndpoint = "inproc://bandwatchd-board-feed";

/// One event as a page stream sends it: its number in the stream (the route's sequence, or the
/// global sequence on the stream of every route) and the feed's JSON.
struct FeedEvent {
  std::uint64_t id = 0;
  std::string json;
};

/// What the pages are drawn from: the meeting pack's Source, read after the feed reached
/// `sequences` (so it reflects at least every event up to them).
struct BoardView {
  report::Source source;
  std::map<std::string, std::uint64_t> sequences;  // "" -> the global sequence; route -> its own
  std::string read_at;                             // UTC, when it was read
  std::uint64_t sequence(const std::string& key) const {
    auto it = sequences.find(key);
    return it == sequences.end() ? 0 : it->second;
  }
};

class BoardHub {
 public:
  BoardHub(zmq::context_t& context, std::shared_ptr<spdlog::logger> log,
           std::chrono::milliseconds min_refresh = std::chrono::milliseconds(250));
  ~BoardHub();
  BoardHub(const BoardHub&) = delete;
  BoardHub& operator=(const BoardHub&) = delete;

  /// Connects to the in-process endpoints (bound already) and starts the thread.
  void start();
  void stop();

  /// The latest view, or nullptr before the first read (or `error` says why it failed).
  std::shared_ptr<const BoardView> view() const;
  std::string error() const;

  using Listener = std::function<void(const std::shared_ptr<const FeedEvent>&)>;
  struct Subscription {
    std::uint64_t id = 0;
    bool complete = true;  // false: the kept events do not reach back to `after`: read the state again
    std::vector<std::shared_ptr<const FeedEvent>> missed;  // the kept events after `after`, in order
    std::uint64_t current = 0;  // the stream's last number
  };
  /// Follows the stream `key` (a route, or "" for every route) from after number `after`.
  Subscription subscribe(const std::string& key, std::uint64_t after, Listener listener);
  void unsubscribe(std::uint64_t id);
  std::size_t subscribers() const;

  /// Sends a control request (ack, silence) from the hub's thread; `done` gets the answer or the
  /// error. The state is read again after it.
  using Done = std::function<void(std::optional<nlohmann::json> answer, std::string error)>;
  void request(nlohmann::json request, Done done);

 private:
  struct Stream {
    std::deque<std::shared_ptr<const FeedEvent>> kept;
    std::uint64_t complete_after = 0;  // every event after this number is in `kept`
    std::uint64_t current = 0;
  };
  struct Pending {
    std::string key;
    std::shared_ptr<const FeedEvent> event;
  };

  void run();
  void on_feed(std::string_view topic, std::string_view payload);
  void on_heartbeat(const nlohmann::json& beat);
  void advance(const std::string& key, std::uint64_t number, std::shared_ptr<const FeedEvent> event);
  bool refresh();

  zmq::context_t& context_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds min_refresh_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  // The hub thread's own: what the feed has told (numbers) and the events not yet handed on.
  std::map<std::string, std::uint64_t> seen_;
  std::vector<Pending> pending_;
  bool dirty_ = true;
  bool beat_seen_ = false;  // the first read waits for the first heartbeat's numbers

  mutable std::mutex mutex_;  // guards what follows
  std::shared_ptr<const BoardView> view_;
  std::string error_;
  std::map<std::string, Stream> streams_;
  std::map<std::uint64_t, std::pair<std::string, Listener>> listeners_;
  std::uint64_t next_listener_ = 1;
  std::deque<std::pair<nlohmann::json, Done>> requests_;
};

}  // namespace bandwatch::daemon::http
