#include "daemon/store_writer.hpp"

namespace bandwatch::daemon {

void write_events(Store& store, const EventWrites& events) {
  if (events.count > 0)
    store.append_event_block(events.first_sequence, events.last_sequence, events.count, events.lines);
  store.set_meta("sequence", std::to_string(events.sequence));
  for (const auto& [route, sequence] : events.route_sequences) store.set_route_sequence(route, sequence);
  for (std::uint64_t alert : events.deleted_acks) store.delete_ack(alert);
}

StoreWriter::StoreWriter(Store& store, zmq::context_t& context, std::string wake_endpoint)
    : store_(store), context_(context) {
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

bool StoreWriter::idle() {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !writing_;
}

void StoreWriter::clear_failure() {
  std::lock_guard lock(mutex_);
  failed_ = false;
}

void StoreWriter::run(std::string wake_endpoint) {
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
        write_events(store_, commit->events);
        store_.commit();
      } catch (const std::exception& error) {
        store_.rollback();
        commit->error = error.what();
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
