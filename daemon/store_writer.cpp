#include "store_writer.hpp"

#include <pthread.h>

#include <atomic>
#include <memory>

namespace bandwatch::daemon {

namespace {

// The payload frames of one commit point into one text, freed when ZeroMQ has let go of the last
// of them: no copy of each message's text, and one allocation for all of them (a commit can
// publish thousands).
struct FeedText {
  std::string text;
  std::atomic<std::size_t> frames{0};
};

void release_frame(void*, void* hint) {
  auto* feed = static_cast<FeedText*>(hint);
  if (feed->frames.fetch_sub(1, std::memory_order_acq_rel) == 1) delete feed;
}

}  // namespace

void write_events(Store& store, const EventWrites& events, std::vector<Publication>& publications) {
  // Text, not a JSON tree: this runs for every event of every batch. The log takes each event as
  // a record; its JSON is written only for the feed, once, and copied into each route's message.
  // Kept between calls (one writer thread): a fresh buffer for each commit's hundreds of kilobytes
  // would be fresh pages, faulted in and zeroed by the kernel every time.
  thread_local std::string records, members;
  records.clear();
  auto feed = std::make_unique<FeedText>();
  feed->text.reserve(events.events.size() * 400);  // a message's usual size; more only reallocates
  struct Span {
    std::size_t topic, payload, end;  // offsets in feed->text
  };
  std::vector<Span> spans;
  std::optional<std::uint64_t> first, last;
  for (std::size_t e = 0; e < events.events.size(); ++e) {
    const engine::Event& event = events.events[e];
    const EventNumbers& numbered = events.numbers[e];
    append_event_record(records, event, numbered);
    if (!numbered.sequence) continue;  // silenced: logged, not published
    if (!first) first = numbered.sequence;
    last = numbered.sequence;
    members.clear();
    protocol::append_event_json_fields(members, event, numbered.sequence, event_kind_name(event, numbered),
                             numbered.ack ? &*numbered.ack : nullptr);
    const std::vector<std::string>& routes = protocol::feed_routes(event.routes);
    std::string_view severity = protocol::topic_severity(event);
    std::string& text = feed->text;
    for (std::size_t i = 0; i < routes.size(); ++i) {
      Span& span = spans.emplace_back();
      span.topic = text.size();
      protocol::append_topic(text, routes[i], severity, event.rule);
      span.payload = text.size();
      text += "{\"route\":";
      protocol::append_json_string(text, routes[i]);
      text += ",\"route_sequence\":";
      protocol::append_json_integer(text, numbered.route_sequences[i]);
      text += ',';
      text += members;
      text += '}';
      span.end = text.size();
    }
  }
  if (!events.events.empty()) store.append_event_block(first, last, events.events.size(), records);
  store.set_meta("sequence", std::to_string(events.sequence));
  for (const auto& [route, sequence] : events.route_sequences) store.set_route_sequence(route, sequence);
  for (std::uint64_t alert : events.deleted_acks) store.delete_ack(alert);
  if (spans.empty()) return;
  // The text is complete (it no longer moves): now the frames can point into it.
  FeedText* shared = feed.release();
  shared->frames = spans.size();
  char* text = shared->text.data();
  for (const Span& span : spans)
    publications.push_back({zmq::message_t(text + span.topic, span.payload - span.topic),  // copied: a few bytes
                            zmq::message_t(text + span.payload, span.end - span.payload, release_frame, shared)});
}

StoreWriter::StoreWriter(Store& store, zmq::context_t& context, std::string wake_endpoint,
                         std::function<void(std::vector<Publication>&)> publish)
    : store_(store), context_(context), publish_(std::move(publish)) {
  thread_ = std::thread([this, endpoint = std::move(wake_endpoint)] { run(endpoint); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void StoreWriter::submit(std::shared_ptr<IngestCommit> commit) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(commit));
  }
  work_.notify_one();
}

std::vector<std::shared_ptr<IngestCommit>> StoreWriter::take_finished() {
  std::lock_guard lock(mutex_);
  return std::exchange(finished_, {});
}

void StoreWriter::wait_idle() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return queue_.empty() && !writing_; });
}

void StoreWriter::clear_failure() {
  std::lock_guard lock(mutex_);
  failed_ = false;
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
    if (refuse) {
      commit->error = "not written: an earlier transaction failed";
    } else {
      try {
        store_.begin();
        for (const BatchRow& row : commit->batches) commit->last_batch_seq = store_.insert_batch(row);
        commit->publications.reserve(commit->events.events.size());
        write_events(store_, commit->events, commit->publications);
        if (StoreStatus status = store_.commit(); !status.ok()) commit->error = status.error;
      } catch (const std::exception& error) {  // out of memory building the records
        store_.rollback();
        commit->error = error.what();
      }
      if (commit->error) commit->publications.clear();
      if (!commit->error && publish_) {
        // Committed is committed: a send that fails leaves the events in the log, and the
        // subscribers' next heartbeat shows them the gap (they take a snapshot).
        try {
          publish_(commit->publications);
        } catch (const std::exception& error) {
          commit->publish_error = error.what();
        }
        commit->publications.clear();  // the frames are sent; their text goes with the last one
      }
    }
    {
      std::lock_guard lock(mutex_);
      if (commit->error) failed_ = true;
      finished_.push_back(std::move(commit));
      writing_ = false;
    }
    done_.notify_all();
    // A wake-up lost to a full pipe is harmless: the serving thread takes every finished commit
    // whenever it wakes, and that many unread wake-ups mean it will.
    (void)wake.send(zmq::message_t(), zmq::send_flags::dontwait);
  }
}

}  // namespace bandwatch::daemon
