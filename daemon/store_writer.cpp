#include "store_writer.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <memory>
#include <stdexcept>

#include "rules/calendar.hpp"

namespace bandwatch::daemon {

// The payload frames of one commit point into one text, freed when ZeroMQ has let go of the last
// of them: no copy of each message's text, and one allocation for all of them (a commit can
// publish thousands).
struct EventFormatter::FeedText {
  std::string text;
  std::atomic<std::size_t> frames{0};
};

namespace {

void release_frame(void*, void* hint) {
  auto* feed = static_cast<EventFormatter::FeedText*>(hint);
  if (feed->frames.fetch_sub(1, std::memory_order_acq_rel) == 1) delete feed;
}

/// The records' buffer of this thread. Kept between transactions: a fresh buffer for each
/// commit's hundreds of kilobytes would be fresh pages, faulted in and zeroed by the kernel every
/// time. One formatter at a time per thread (the writer's, or the serving thread's own writes).
std::string& reused_records() {
  thread_local std::string records;
  records.clear();
  return records;
}

/// Fills a row's content digest (protocol::content_batch_id of the header it was sent with and its
/// lines). Taken here, not on the serving thread: it is read only when the same batch id comes
/// again, and SHA-256 over every batch was the serving thread's largest single cost after parsing.
void take_digest(BatchRow& row) {
  std::optional<Date> as_of = parse_iso_date(row.as_of);
  if (!as_of || !row.body) throw std::logic_error("batch " + row.batch_id + ": no date or lines to take its digest from");
  row.digest = protocol::content_batch_id(protocol::IngestHeader{*as_of, row.strict, row.closes}, *row.body);
  row.digest_pending = false;
}

}  // namespace

EventFormatter::EventFormatter() : records_(reused_records()) {}

EventFormatter::~EventFormatter() = default;

void EventFormatter::add(const EventWrites& part) {
  // Text, not a JSON tree: this runs for every event of every batch. The log takes each event as
  // a record; its JSON is written only for the feed, once, and copied into each route's message.
  if (part.events.empty()) return keep_numbers(part);
  std::size_t feed = feeds_.size();
  std::string& text = feeds_.emplace_back(std::make_unique<FeedText>())->text;
  text.reserve(part.events.size() * 400);  // a message's usual size; more only reallocates
  for (std::size_t e = 0; e < part.events.size(); ++e) {
    const engine::Event& event = part.events[e];
    const EventNumbers& numbered = part.numbers[e];
    append_event_record(records_, event, numbered);
    ++count_;
    if (!numbered.sequence) continue;  // silenced: logged, not published
    if (!first_) first_ = numbered.sequence;
    last_ = numbered.sequence;
    members_.clear();
    protocol::append_event_json_fields(members_, event, numbered.sequence, event_kind_name(event, numbered),
                                       numbered.ack ? &*numbered.ack : nullptr);
    const std::vector<std::string>& routes = protocol::feed_routes(event.routes);
    std::string_view severity = protocol::topic_severity(event);
    for (std::size_t i = 0; i < routes.size(); ++i) {
      start_copy(feed, routes[i], severity, event.rule);
      text += "{\"route\":";
      protocol::append_json_string(text, routes[i]);
      text += ",\"route_sequence\":";
      protocol::append_json_integer(text, numbered.route_sequences[i]);
      text += ',';
      text += members_;
      text += '}';
      spans_.back().end = text.size();
    }
  }
  keep_numbers(part);
}

void EventFormatter::start_copy(std::size_t feed, std::string_view route, std::string_view severity,
                                std::string_view rule) {
  std::string& text = feeds_[feed]->text;
  // Only the last message can grow: its text is the end of this part's.
  if (!spans_.empty()) {
    const Span& last = spans_.back();
    if (last.feed == feed && last.end == text.size() && last.end - last.topic_end <= protocol::kFeedJoinBytes &&
        protocol::is_topic(std::string_view(text).substr(last.start, last.topic_end - last.start), route, severity, rule)) {
      text += '\n';
      return;
    }
  }
  Span& span = spans_.emplace_back();
  span.feed = feed;
  span.start = text.size();
  protocol::append_topic(text, route, severity, rule);
  span.topic_end = text.size();
  text += ' ';
}

void EventFormatter::keep_numbers(const EventWrites& part) {
  // The parts come in order: each one's numbers are the latest.
  sequence_ = part.sequence;
  for (const auto& [route, sequence] : part.route_sequences) route_sequences_[route] = sequence;
  deleted_acks_.insert(deleted_acks_.end(), part.deleted_acks.begin(), part.deleted_acks.end());
}

void EventFormatter::store_records(Store& store) {
  if (count_ == 0) return;
  store.append_event_block(first_, last_, count_, records_);
  records_.clear();
  first_.reset();
  last_.reset();
  count_ = 0;
}

void EventFormatter::store(Store& store) {
  store_records(store);
  if (sequence_) store.set_meta("sequence", std::to_string(*sequence_));
  for (const auto& [route, sequence] : route_sequences_) store.set_route_sequence(route, sequence);
  for (std::uint64_t alert : deleted_acks_) store.delete_ack(alert);
}

std::vector<Publication> EventFormatter::publications() {
  std::vector<Publication> out;
  if (spans_.empty()) return out;
  out.reserve(spans_.size());
  // The texts are complete (they no longer move): now the frames can point into them.
  std::vector<FeedText*> shared(feeds_.size());
  for (const Span& span : spans_) ++feeds_[span.feed]->frames;
  for (std::size_t f = 0; f < feeds_.size(); ++f)
    shared[f] = feeds_[f]->frames > 0 ? feeds_[f].release() : nullptr;  // a part all silenced has none
  for (const Span& span : spans_) {
    char* text = shared[span.feed]->text.data();
    out.push_back({zmq::message_t(text + span.start, span.end - span.start, release_frame, shared[span.feed])});
  }
  spans_.clear();
  feeds_.clear();  // the released ones are the frames' now
  return out;
}

void write_events(Store& store, const EventWrites& events, std::vector<Publication>& publications) {
  EventFormatter formatter;
  formatter.add(events);
  formatter.store(store);
  std::vector<Publication> made = formatter.publications();
  publications.insert(publications.end(), std::make_move_iterator(made.begin()), std::make_move_iterator(made.end()));
}

// ---- the writer ------------------------------------------------------------------------------

StoreWriter::StoreWriter(Store& store, zmq::context_t& context, std::string wake_endpoint,
                         std::function<void(std::vector<Publication>&)> publish)
    : store_(store), context_(context), publish_(std::move(publish)) {
  thread_ = std::thread([this, endpoint = std::move(wake_endpoint)] { run(endpoint); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    assert(!open_);  // an open transaction would keep the writer waiting for its parts
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
}

void StoreWriter::submit(std::shared_ptr<IngestCommit> commit) {
  {
    std::lock_guard lock(mutex_);
    commit->parts_.push_back(std::move(commit->events));
    commit->events = {};
    commit->sealed_ = true;
    queue_.push_back(std::move(commit));
  }
  work_.notify_all();
}

void StoreWriter::open(std::shared_ptr<IngestCommit> commit) {
  {
    std::lock_guard lock(mutex_);
    assert(!open_);
    commit->sealed_ = false;
    open_ = commit;
    queue_.push_back(std::move(commit));
  }
  work_.notify_all();
}

void StoreWriter::add_events(EventWrites part) {
  {
    std::lock_guard lock(mutex_);
    open_->parts_.push_back(std::move(part));
  }
  work_.notify_all();
}

void StoreWriter::seal(std::vector<BatchRow> batches, EventWrites last) {
  {
    std::lock_guard lock(mutex_);
    open_->batches = std::move(batches);
    open_->parts_.push_back(std::move(last));
    open_->sealed_ = true;
    open_.reset();
  }
  work_.notify_all();
}

void StoreWriter::abandon() {
  {
    std::lock_guard lock(mutex_);
    open_->abandoned_ = open_->sealed_ = true;
    open_.reset();
  }
  work_.notify_all();
}

std::vector<std::shared_ptr<IngestCommit>> StoreWriter::take_finished() {
  std::lock_guard lock(mutex_);
  return std::exchange(finished_, {});
}

void StoreWriter::wait_idle() {
  std::unique_lock lock(mutex_);
  assert(!open_);
  done_.wait(lock, [&] { return queue_.empty() && !writing_; });
}

void StoreWriter::clear_failure() {
  std::lock_guard lock(mutex_);
  failed_ = false;
}

bool StoreWriter::format_parts(IngestCommit& commit, EventFormatter& formatter, bool refuse) {
  bool began = false;
  for (bool sealed = false; !sealed;) {
    std::deque<EventWrites> parts;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return !commit.parts_.empty() || commit.sealed_; });
      parts.swap(commit.parts_);
      sealed = commit.sealed_;  // taken with the parts: nothing comes after a seal
      if (commit.abandoned_) {
        if (began) store_.rollback();
        return false;
      }
    }
    for (EventWrites& part : parts) {
      if (!refuse && !commit.error) {
        try {
          formatter.add(part);
          // While more parts are to come, the records go into the transaction now: SQLite copies
          // them into its pages while the serving thread decides the rest, not all at the commit.
          if (!sealed) {
            if (!began) store_.begin();
            began = true;
            formatter.store_records(store_);
          }
        } catch (const std::exception& error) {  // out of memory building the records
          commit.error = error.what();
        }
      }
      commit.spent.push_back(std::move(part.events));
    }
  }
  if (began && (refuse || commit.error)) store_.rollback();
  if (!began && !refuse && !commit.error) {
    try {
      store_.begin();
    } catch (const std::exception& error) {  // out of memory preparing the statement
      commit.error = error.what();
    }
  }
  return true;
}

void StoreWriter::run(std::string wake_endpoint) {
  pthread_setname_np(pthread_self(), "bw-writer");  // for top -H and the benchmark's CPU split
  zmq::socket_t wake(context_, zmq::socket_type::pair);
  wake.set(zmq::sockopt::linger, 0);
  wake.connect(wake_endpoint);
  for (;;) {
    std::shared_ptr<IngestCommit> commit;
    bool refuse = false;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_, and everything written
      commit = queue_.front();
      queue_.pop_front();
      writing_ = true;
      refuse = failed_;
    }
    EventFormatter formatter;
    if (!format_parts(*commit, formatter, refuse)) {
      {
        std::lock_guard lock(mutex_);
        writing_ = false;
      }
      done_.notify_all();
      continue;
    }
    if (refuse) {
      commit->error = "not written: an earlier transaction failed";
    } else if (!commit->error) {
      try {  // in the transaction format_parts began
        for (BatchRow& row : commit->batches) {
          if (row.digest_pending) take_digest(row);
          commit->last_batch_seq = store_.insert_batch(row);
        }
        formatter.store(store_);
        if (StoreStatus status = store_.commit(); !status.ok()) commit->error = status.error;
      } catch (const std::exception& error) {  // out of memory
        store_.rollback();
        commit->error = error.what();
      }
    }
    std::vector<Publication> publications;
    if (!commit->error) publications = formatter.publications();
    if (!publish_) commit->publications = std::move(publications);
    {
      std::lock_guard lock(mutex_);
      if (commit->error) failed_ = true;
      finished_.push_back(commit);
    }
    // Reported before it is published: the serving thread answers the batches (they are
    // durable) while the events go out. wait_idle() still waits for the sending.
    // A wake-up lost to a full pipe is harmless: the serving thread takes every finished commit
    // whenever it wakes, and that many unread wake-ups mean it will.
    (void)wake.send(zmq::message_t(), zmq::send_flags::dontwait);
    // Committed is committed: a send that fails leaves the events in the log, and the
    // subscribers' next heartbeat shows them the gap (they take a snapshot).
    if (!publications.empty()) publish_(publications);
    publications.clear();  // the frames are sent; their text goes with the last one
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
    }
    done_.notify_all();
  }
}

}  // namespace bandwatch::daemon
