// The notifier: tells routes' members (mail, Teams) of their alerts, durably, without holding up
// the serving thread. docs/notifications.md is the policy it carries out:
//
//   * a red alert, new or escalated, goes out with the evaluation that raised it: one message
//     per route and evaluation (a close of a date), however many alerts it holds;
//   * amber, eased, resolved, stale and unbanded changes wait for the route's digest, sent when
//     the data reach a `cadence` past the last digest, or on demand (`bandwatch notify`);
//   * what a silence holds off the feed is not sent either.
//
// Two threads, each with its own connections to the state database:
//   - the composer follows the event log (the store's event blocks, after a cursor it keeps in
//     the outbox), and for each block queues its messages and digest items and moves the cursor
//     in one transaction: a block is queued once, even across kill -9. No network here, so a
//     digest on demand is answered at once.
//   - the sender takes due messages from the outbox one at a time, sends (libcurl), and marks
//     each sent, or schedules the next attempt with exponential back-off, or marks it failed when
//     the receiver refused it for good.
// Delivery is at least once: a kill between the relay's acceptance and the mark resends that
// one message on restart, with the same Message-ID (docs/notifications.md says why).
//
// Thread safety: set_routes, note_closed, digest_now and status may be called from any one
// thread (the serving thread); the rest is internal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "../store.hpp"
#include "notice.hpp"
#include "notify_options.hpp"
#include "outbox.hpp"
#include "routes.hpp"

namespace bandwatch::daemon::notify {

class Notifier {
 public:
  /// Opens its connections to DIRECTORY/bandwatch.db and starts both threads; nullptr with
  /// `error` set when the database cannot be opened.
  static std::unique_ptr<Notifier> start(const std::string& directory, SyncMode sync, NotifyOptions options,
                                         std::shared_ptr<spdlog::logger> log, std::string& error);
  ~Notifier();  // stops both threads (a transfer in progress is aborted; its message stays pending)
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// The routes with members in the program now in force (at start and after each reload).
  void set_routes(NotifyRoutes routes);
  /// The last date evaluated (closed): digests fall due by it.
  void note_closed(Date date);
  /// Queues `route`'s digest now, with whatever has gathered (an empty digest says so), and
  /// starts a new digest period. Waits for the composer (no network: milliseconds), at most
  /// `wait`. {"ok":true,"route","items":N,"messages":M} or {"error":...}.
  nlohmann::json digest_now(const std::string& route, std::chrono::milliseconds wait);
  /// The outbox for `status` and the board: counts, the next attempt, the last error, and the
  /// pending, failed and latest sent messages.
  nlohmann::json status() const;

 private:
  Notifier(NotifyOptions options, std::shared_ptr<spdlog::logger> log);
  struct DigestRequest {
    std::string route;
    std::promise<nlohmann::json> answer;
  };

  void compose_loop();
  void send_loop();
  /// Turns the event blocks after the cursor into messages and digest items.
  void catch_up(const NotifyRoutes& routes);
  /// Queues one block's messages and digest items in the open transaction.
  void queue_block(const EventBlock& block, const NotifyRoutes& routes);
  /// Queues `notice`'s messages to `members` in the open transaction; how many were new.
  int queue_notice(const Notice& notice, const RouteMembers& members, const std::string& key_prefix);
  void digests_due(const NotifyRoutes& routes, std::optional<Date> closed);
  nlohmann::json digest(const std::string& route, const NotifyRoutes& routes, std::optional<Date> closed);
  /// Queues the route's digest with its gathered items in the open transaction; messages queued.
  int queue_digest(const std::string& route, const RouteMembers& members, Date as_of, std::size_t& items);
  void refresh_status(Outbox& outbox);
  std::chrono::milliseconds backoff(std::int64_t failed_attempts) const;

  NotifyOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Store> log_reader_;  // the composer's: the event log
  std::unique_ptr<Outbox> composer_outbox_, sender_outbox_;

  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable compose_wake_, send_wake_;
  std::shared_ptr<const NotifyRoutes> routes_;
  std::optional<Date> closed_;
  std::deque<DigestRequest> requests_;
  bool send_woken_ = false;
  bool compose_woken_ = false;
  nlohmann::json status_;
  // The composer's own:
  bool cursor_cleared_ = false;  // without members the cursor is dropped once
  std::optional<Date> checked_closed_;  // the date digests_due last looked at
  bool gathered_since_check_ = true;    // digest items added since

  std::thread composer_, sender_;
};

}  // namespace bandwatch::daemon::notify
