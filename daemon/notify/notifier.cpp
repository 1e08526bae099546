#include "notifier.hpp"

#include <pthread.h>

#include <algorithm>
#include <map>

#include "delivery.hpp"
#include "mail_text.hpp"
#include "protocol/protocol.hpp"
#include "teams_card.hpp"

namespace bandwatch::daemon::notify {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

constexpr auto kComposePoll = std::chrono::milliseconds(250);  // how soon a committed block is seen
constexpr std::size_t kBlocksPerTransaction = 64;              // keeps the daemon's writer waiting briefly
constexpr std::size_t kStatusMessages = 20;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

std::string iso_of_ms(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

bool goes_at_once(Change change) { return change == Change::new_red || change == Change::escalated; }

std::string route_link(const std::string& pattern, const std::string& route) {
  std::string link = pattern;
  for (std::size_t at = link.find("{route}"); at != std::string::npos; at = link.find("{route}", at + route.size()))
    link.replace(at, 7, route);
  return link;
}

}  // namespace

Notifier::Notifier(NotifyOptions options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)), routes_(std::make_shared<NotifyRoutes>()) {}

std::unique_ptr<Notifier> Notifier::start(const std::string& directory, SyncMode sync, NotifyOptions options,
                                          std::shared_ptr<spdlog::logger> log, std::string& error) {
  curl_setup();
  std::unique_ptr<Notifier> notifier(new Notifier(std::move(options), std::move(log)));
  notifier->log_reader_ = Store::open(directory, sync, error);
  if (notifier->log_reader_) notifier->composer_outbox_ = Outbox::open(directory, sync, error);
  if (notifier->composer_outbox_) notifier->sender_outbox_ = Outbox::open(directory, sync, error);
  if (!notifier->sender_outbox_) return nullptr;
  notifier->refresh_status(*notifier->sender_outbox_);
  notifier->composer_ = std::thread([raw = notifier.get()] {
    pthread_setname_np(pthread_self(), "bw-notify");
    raw->compose_loop();
  });
  notifier->sender_ = std::thread([raw = notifier.get()] {
    pthread_setname_np(pthread_self(), "bw-send");
    raw->send_loop();
  });
  return notifier;
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  compose_wake_.notify_all();
  send_wake_.notify_all();
  if (composer_.joinable()) composer_.join();
  if (sender_.joinable()) sender_.join();
  for (DigestRequest& request : requests_) request.answer.set_value({{"error", "the daemon is stopping"}});
}

void Notifier::set_routes(NotifyRoutes routes) {
  for (const auto& [name, members] : routes)
    if (!members.emails.empty() && !options_.smtp.configured())
      log_->warn("route {} lists mail members but bandwatchd has no --smtp-url: nothing is mailed to them", name);
  auto shared = std::make_shared<const NotifyRoutes>(std::move(routes));
  {
    std::lock_guard lock(mutex_);
    routes_ = std::move(shared);
    compose_woken_ = true;
  }
  compose_wake_.notify_one();
}

void Notifier::note_closed(Date date) {
  std::lock_guard lock(mutex_);
  if (!closed_ || *closed_ != date) {
    closed_ = date;
    compose_woken_ = true;
    compose_wake_.notify_one();
  }
}

json Notifier::digest_now(const std::string& route, std::chrono::milliseconds wait) {
  std::future<json> answer;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back({route, {}});
    answer = requests_.back().answer.get_future();
    compose_woken_ = true;
  }
  compose_wake_.notify_one();
  if (answer.wait_for(wait) != std::future_status::ready)
    return {{"error", "the notifier did not answer within " + std::to_string(wait.count()) +
                          " ms (it is catching up with the event log); the digest will still be queued"}};
  return answer.get();
}

json Notifier::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

// ---- the composer ----------------------------------------------------------------------------

void Notifier::compose_loop() {
  for (;;) {
    std::shared_ptr<const NotifyRoutes> routes;
    std::optional<Date> closed;
    std::deque<DigestRequest> requests;
    {
      std::unique_lock lock(mutex_);
      compose_wake_.wait_for(lock, kComposePoll, [&] { return stop_.load() || compose_woken_; });
      if (stop_) return;
      compose_woken_ = false;
      routes = routes_;
      closed = closed_;  // read before the log: every event of a date up to it is in the log
      requests.swap(requests_);
    }
    try {
      catch_up(*routes);
      // A digest asked for takes what has gathered before a cadence digest could: one mail, not two.
      for (DigestRequest& request : requests) request.answer.set_value(digest(request.route, *routes, closed));
      digests_due(*routes, closed);
    } catch (const std::exception& error) {  // out of memory; the cursor has not moved past what failed
      log_->error("notifications: {}", error.what());
      for (DigestRequest& request : requests)
        try {
          request.answer.set_value({{"error", std::string("the notifier failed: ") + error.what()}});
        } catch (const std::future_error&) {
        }
    }
  }
}

void Notifier::catch_up(const NotifyRoutes& routes) {
  Outbox& outbox = *composer_outbox_;
  if (routes.empty()) {
    // Nobody to tell: follow nothing. When members are listed again, they hear of what happens
    // from then on, not of everything since the last time.
    if (!cursor_cleared_) {
      outbox.begin();
      outbox.set_cursor(std::nullopt);
      if (StoreStatus status = outbox.commit(); status.ok()) cursor_cleared_ = true;
      else log_->error("notifications: {}", status.error);
    }
    return;
  }
  cursor_cleared_ = false;
  std::optional<std::int64_t> cursor = outbox.cursor();
  if (StoreStatus read = outbox.take_status(); !read.ok()) {
    log_->error("notifications: cannot read the cursor: {}", read.error);
    return;
  }
  if (!cursor) {
    std::int64_t last = log_reader_->last_event_block();
    if (StoreStatus read = log_reader_->take_status(); !read.ok()) return log_->error("notifications: {}", read.error);
    outbox.begin();
    outbox.set_cursor(last);
    if (StoreStatus status = outbox.commit(); !status.ok()) return log_->error("notifications: {}", status.error);
    log_->info("notifications: following the event log from block {} for {} route(s) with members", last,
               routes.size());
    return;
  }
  std::int64_t last = log_reader_->last_event_block();
  if (StoreStatus read = log_reader_->take_status(); !read.ok()) return log_->error("notifications: {}", read.error);
  if (last < *cursor) {  // the log is not the one the cursor was in (a restored backup): follow it from its end
    outbox.begin();
    outbox.set_cursor(last);
    if (StoreStatus status = outbox.commit(); !status.ok()) log_->error("notifications: {}", status.error);
    return;
  }
  if (last == *cursor) return;
  bool failed = false, open = false;
  std::size_t in_transaction = 0;
  log_reader_->for_each_event_block_after(*cursor, [&](const EventBlock& block) {
    if (failed || stop_) return;
    if (!open) outbox.begin();
    open = true;
    queue_block(block, routes);
    outbox.set_cursor(block.id);
    if (++in_transaction == kBlocksPerTransaction) {
      // A failure rolls back the blocks since the last commit: the cursor stays before them.
      StoreStatus status = outbox.commit();
      if (!status.ok()) log_->error("notifications: cannot queue the events of block {}: {}", block.id, status.error);
      failed = !status.ok();
      open = false;
      in_transaction = 0;
    }
  });
  if (open)
    if (StoreStatus status = outbox.commit(); !status.ok()) log_->error("notifications: {}", status.error);
  if (StoreStatus read = log_reader_->take_status(); !read.ok())
    log_->error("notifications: cannot read the event log: {}", read.error);
  refresh_status(outbox);
  {
    std::lock_guard lock(mutex_);
    send_woken_ = true;
  }
  send_wake_.notify_one();
}

void Notifier::queue_block(const EventBlock& block, const NotifyRoutes& routes) {
  Outbox& outbox = *composer_outbox_;
  // route -> date evaluated -> its red alerts: one message per route and evaluation.
  std::map<std::string, std::map<Date, std::vector<NoticeItem>>> at_once;
  std::size_t start = 0;
  while (start < block.events.size()) {
    std::size_t end = block.events.find('\n', start);
    if (end == std::string::npos) end = block.events.size();
    std::string_view line(block.events.data() + start, end - start);
    start = end + 1;
    json event = json::parse(line.begin(), line.end(), nullptr, false);
    std::optional<NoticeItem> item = notice_item(event);
    if (!item) continue;
    auto event_routes = event.find("routes");
    if (event_routes == event.end() || !event_routes->is_array()) continue;
    for (const json& name : *event_routes) {
      if (!name.is_string() || !routes.count(name.get_ref<const std::string&>())) continue;
      const std::string& route = name.get_ref<const std::string&>();
      if (goes_at_once(item->change)) at_once[route][item->as_of].push_back(*item);
      else outbox.add_digest_item(route, to_json(*item).dump()), gathered_since_check_ = true;
    }
  }
  for (auto& [route, dates] : at_once) {
    const RouteMembers& members = routes.find(route)->second;
    for (auto& [date, items] : dates) {
      Notice notice;
      notice.kind = Notice::Kind::alerts;
      notice.route = route;
      notice.route_title = members.title;
      notice.as_of = date;
      notice.items = std::move(items);
      notice.link = route_link(options_.link, route);
      int queued = queue_notice(notice, members, "alerts:" + route + ":" + std::to_string(notice.items.front().sequence));
      log_->info("notifications: {} red alert(s) of {} for route {}: {} message(s) queued", notice.items.size(),
                 date.iso(), route, queued);
    }
  }
}

int Notifier::queue_notice(const Notice& notice, const RouteMembers& members, const std::string& key_prefix) {
  Outbox& outbox = *composer_outbox_;
  std::string created = protocol::utc_now_iso();
  std::string kind = notice.kind == Notice::Kind::digest ? "digest" : "alerts";
  int queued = 0;
  if (!members.emails.empty() && options_.smtp.configured()) {
    MailText mail = compose_mail(notice);
    std::string key = key_prefix + ":email";
    json payload = mail_payload(mail, options_.smtp.from, members.emails, key);
    queued += outbox.add_message({key, notice.route, "email", kind, mail.subject, protocol::dump_json(payload)}, created);
  }
  for (std::size_t i = 0; i < members.teams.size(); ++i) {
    std::string key = key_prefix + ":teams" + std::to_string(i + 1);
    json payload = webhook_payload(members.teams[i], teams_message(notice));
    queued += outbox.add_message({key, notice.route, "teams", kind, "[" + notice.route_title + "] " + headline(notice),
                                  protocol::dump_json(payload)},
                                 created);
  }
  return queued;
}

int Notifier::queue_digest(const std::string& route, const RouteMembers& members, Date as_of, std::size_t& items) {
  Outbox& outbox = *composer_outbox_;
  Notice notice;
  notice.kind = Notice::Kind::digest;
  notice.route = route;
  notice.route_title = members.title;
  notice.as_of = as_of;
  notice.link = route_link(options_.link, route);
  std::vector<DigestItem> gathered = outbox.digest_items(route);
  for (const DigestItem& stored : gathered)
    if (auto item = notice_item_from_json(json::parse(stored.item, nullptr, false))) {
      notice.items.push_back(std::move(*item));
      if (!notice.from || notice.items.back().as_of < *notice.from) notice.from = notice.items.back().as_of;
      if (notice.items.back().as_of > notice.as_of) notice.as_of = notice.items.back().as_of;
    }
  items = notice.items.size();
  std::int64_t number = outbox.next_digest_number(route);
  int queued = queue_notice(notice, members, "digest:" + route + ":" + std::to_string(number));
  if (!gathered.empty()) outbox.delete_digest_items(route, gathered.back().id);
  outbox.set_period_start(route, notice.as_of.iso());
  return queued;
}

void Notifier::digests_due(const NotifyRoutes& routes, std::optional<Date> closed) {
  // Only a new date evaluated, or new changes gathered, can make a digest due.
  if (!closed || (closed == checked_closed_ && !gathered_since_check_)) return;
  checked_closed_ = closed;
  gathered_since_check_ = false;
  Outbox& outbox = *composer_outbox_;
  bool queued_any = false;
  for (const auto& [route, members] : routes) {
    if (!members.cadence || counts_returns(members.cadence->unit)) continue;
    std::optional<Date> earliest;
    for (const DigestItem& stored : outbox.digest_items(route))
      if (auto item = notice_item_from_json(json::parse(stored.item, nullptr, false)))
        if (!earliest || item->as_of < *earliest) earliest = item->as_of;
    if (!earliest) continue;  // a quiet period: nothing to send
    // A digest covers a cadence: from the last digest, or from its first change when that is
    // later (after a quiet spell, the next digest waits a cadence from the change it reports).
    std::optional<std::string> stored = outbox.period_start(route);
    std::optional<Date> last = stored ? parse_iso_date(*stored) : std::nullopt;
    Date start = last && *last > *earliest ? *last : *earliest;
    if (!at_least(start, *closed, *members.cadence)) continue;
    outbox.begin();
    std::size_t items = 0;
    int queued = queue_digest(route, members, *closed, items);
    if (StoreStatus status = outbox.commit(); !status.ok()) {
      log_->error("notifications: cannot queue the digest of route {}: {}", route, status.error);
      continue;
    }
    log_->info("notifications: digest of route {} due by {} ({} from {}): {} item(s), {} message(s) queued", route,
               closed->iso(), to_string(*members.cadence), start.iso(), items, queued);
    queued_any = true;
  }
  if (queued_any) {
    refresh_status(outbox);
    {
      std::lock_guard lock(mutex_);
      send_woken_ = true;
    }
    send_wake_.notify_one();
  }
}

json Notifier::digest(const std::string& route, const NotifyRoutes& routes, std::optional<Date> closed) {
  auto found = routes.find(route);
  if (found == routes.end())
    return {{"error", "route " + route + " has no members to send a digest to (list them with `email` or `teams` in its "
                      "route block)"}};
  const RouteMembers& members = found->second;
  if (members.teams.empty() && !options_.smtp.configured())
    return {{"error", "route " + route + " has only mail members and bandwatchd has no --smtp-url"}};
  Outbox& outbox = *composer_outbox_;
  std::vector<DigestItem> waiting = outbox.digest_items(route);
  if (!closed && waiting.empty()) return {{"error", "no date has been evaluated yet: there is nothing to digest"}};
  outbox.begin();
  std::size_t items = 0;
  int queued = queue_digest(route, members, closed.value_or(Date{}), items);
  if (StoreStatus status = outbox.commit(); !status.ok())
    return {{"error", "cannot queue the digest: " + status.error}};
  log_->info("notifications: digest of route {} on demand: {} item(s), {} message(s) queued", route, items, queued);
  refresh_status(outbox);
  {
    std::lock_guard lock(mutex_);
    send_woken_ = true;
  }
  send_wake_.notify_one();
  return {{"ok", true}, {"route", route}, {"items", items}, {"messages", queued}};
}

// ---- the sender ------------------------------------------------------------------------------

std::chrono::milliseconds Notifier::backoff(std::int64_t failed_attempts) const {
  auto wait = options_.retry_first;
  for (std::int64_t i = 1; i < failed_attempts && wait < options_.retry_max; ++i) wait *= 2;
  return std::min(wait, options_.retry_max);
}

void Notifier::send_loop() {
  Outbox& outbox = *sender_outbox_;
  while (!stop_) {
    std::optional<OutboxRow> row = outbox.next_due(now_ms());
    if (StoreStatus read = outbox.take_status(); !read.ok()) {
      log_->error("notifications: cannot read the outbox: {}", read.error);
      row.reset();
    }
    if (!row) {
      std::optional<std::int64_t> next = outbox.next_attempt_ms();
      (void)outbox.take_status();
      auto wait = std::chrono::milliseconds(next ? std::max<std::int64_t>(*next - now_ms(), 0) : 60'000);
      std::unique_lock lock(mutex_);
      send_wake_.wait_for(lock, std::min(wait, std::chrono::milliseconds(60'000)),
                          [&] { return stop_.load() || send_woken_; });
      send_woken_ = false;
      continue;
    }
    json payload = json::parse(row->payload, nullptr, false);
    Attempt attempt;
    if (!payload.is_object()) attempt = {false, true, "the stored message is unreadable"};
    else if (row->channel == "email")
      attempt = options_.smtp.configured() ? send_mail(options_.smtp, payload, stop_)
                                           : Attempt{false, false, "bandwatchd has no --smtp-url"};
    else attempt = post_webhook(payload, stop_);
    if (stop_ && !attempt.ok) break;  // aborted: it stays pending, as it was
    outbox.begin();
    if (attempt.ok) {
      outbox.mark_sent(row->id, protocol::utc_now_iso());
      log_->info("notifications: sent {} {} of route {}: {}", row->kind, row->channel, row->route, row->summary);
    } else if (attempt.permanent) {
      outbox.mark_failed(row->id, attempt.error);
      log_->error("notifications: {} of route {} refused for good, not tried again: {}", row->channel, row->route,
                  attempt.error);
    } else {
      auto wait = backoff(row->attempts + 1);
      outbox.mark_retry(row->id, now_ms() + wait.count(), attempt.error);
      log_->warn("notifications: cannot send {} of route {} (attempt {}): {}; trying again in {} ms", row->channel,
                 row->route, row->attempts + 1, attempt.error, wait.count());
    }
    if (StoreStatus status = outbox.commit(); !status.ok()) {
      // Sent but not marked: it would go again. Wait before touching the store again.
      log_->error("notifications: cannot record the outcome of message {}: {}", row->id, status.error);
      std::unique_lock lock(mutex_);
      send_wake_.wait_for(lock, std::chrono::seconds(5), [&] { return stop_.load(); });
    }
    refresh_status(outbox);
  }
}

// ---- status ----------------------------------------------------------------------------------

void Notifier::refresh_status(Outbox& outbox) {
  OutboxCounts counts = outbox.counts();
  std::vector<OutboxRow> rows = outbox.notable(kStatusMessages);
  std::optional<std::int64_t> next = outbox.next_attempt_ms();
  if (StoreStatus read = outbox.take_status(); !read.ok()) {
    log_->error("notifications: cannot read the outbox: {}", read.error);
    return;
  }
  json messages = json::array();
  std::string last_error;
  for (const OutboxRow& row : rows) {
    messages.push_back({{"id", row.id},
                        {"route", row.route},
                        {"channel", row.channel},
                        {"kind", row.kind},
                        {"summary", row.summary},
                        {"state", row.state},
                        {"attempts", row.attempts},
                        {"last_error", row.last_error},
                        {"created_at", row.created_at},
                        {"sent_at", row.sent_at.empty() ? json(nullptr) : json(row.sent_at)},
                        {"next_attempt", row.state == "pending" ? json(iso_of_ms(row.next_attempt_ms)) : json(nullptr)}});
    if (row.state != "sent" && !row.last_error.empty()) last_error = row.last_error;
  }
  json status = {{"smtp", options_.smtp.configured() ? json(options_.smtp.url) : json(nullptr)},
                 {"pending", counts.pending},
                 {"sent", counts.sent},
                 {"failed", counts.failed},
                 {"digest_items", counts.digest_items},
                 {"next_attempt", next ? json(iso_of_ms(*next)) : json(nullptr)},
                 {"last_error", last_error.empty() ? json(nullptr) : json(last_error)},
                 {"messages", messages}};
  std::lock_guard lock(mutex_);
  std::size_t routes = routes_ ? routes_->size() : 0;
  status["routes"] = routes;
  status_ = std::move(status);
}

}  // namespace bandwatch::daemon::notify
