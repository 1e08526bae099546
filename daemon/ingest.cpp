#include "ingest.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <limits>

#include "engine/batch.hpp"
#include "frames.hpp"
#include "open_date.hpp"
#include "recovery.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

namespace {

/// An answer with nothing in it yet but the batch's id.
protocol::IngestReply fresh_reply(std::string batch_id) {
  protocol::IngestReply reply;
  reply.batch_id = std::move(batch_id);
  return reply;
}

// Groups evaluated and waiting for the writer: enough to keep both threads busy with a few
// clients; a deeper queue would only hold more evaluated state that a failed commit throws away.
constexpr std::size_t kMaxInFlight = 4;

// A date's close hands its events to the writer in parts of about this many, so the writer
// formats them while the rest are decided: big enough that handing over costs nothing.
constexpr std::size_t kEventsPerPart = 4096;

std::string_view batch_id_of(const std::vector<zmq::message_t>& frames) {
  std::size_t envelope = envelope_size(frames);
  if (envelope == 0 || envelope >= frames.size()) return {};
  return {static_cast<const char*>(frames[envelope].data()), frames[envelope].size()};
}

}  // namespace

struct IngestPipeline::Incoming {
  std::vector<zmq::message_t> frames;
};

struct IngestPipeline::Work {
  std::size_t envelope = 0;
  protocol::IngestReply reply;
  std::string reply_json;  // the answer, once known
  bool apply = false;      // applied to the engine; stored with the group's commit
  int same_as = -1;        // repeat of a batch earlier in the same group
  protocol::IngestHeader header;
  std::string body;
};

struct IngestPipeline::InFlight {
  std::vector<Incoming> group;
  std::vector<Work> work;
  std::size_t samples = 0, events = 0;
  std::shared_ptr<IngestCommit> commit;  // null when nothing of the group is to be written
};

// ---- samples -------------------------------------------------------------------------------

std::size_t apply_body(engine::Engine& engine, const ServerOptions& server_options, std::string_view body, Date as_of,
                       protocol::IngestReply* reply) {
  engine::BatchOptions options;
  options.as_of = as_of;
  if (reply) {
    options.earliest = server_options.earliest_date;
    options.limits = server_options.limits;
  } else {
    // A replay: the batch was taken under the options of its day.
    options.limits.max_line_bytes = options.limits.max_labels = options.limits.max_label_value_bytes =
        std::numeric_limits<std::size_t>::max();
    options.limits.max_reported = 0;
  }
  engine::BatchOutcome outcome = engine::ingest_batch(engine, body, options);
  if (reply) {
    for (engine::LineProblem& problem : outcome.problems)
      (problem.warning ? reply->warnings : reply->rejected)
          .push_back({problem.line, problem.column, std::move(problem.message)});
    reply->unreported = std::move(outcome.unreported);
  }
  return outcome.accepted;
}

bool IngestPipeline::validate_strict(std::string_view body, Date as_of, std::vector<protocol::LineError>& rejected) {
  // The engine cannot take samples back, so a strict batch is tried on a second engine with the
  // same program first. Its store only grows with strict batches; start it afresh now and then.
  if (state_.validator && state_.validator->series_count() > 200'000) state_.validator.reset();
  if (!state_.validator) {
    state_.validator = std::make_unique<engine::Engine>();
    state_.validator->load(state_.program.rules.files);
  }
  std::swap(state_.engine, *state_.validator);
  try {
    protocol::IngestReply reply;
    apply_body(state_.engine, state_.options, body, as_of, &reply);
    rejected = std::move(reply.rejected);
  } catch (...) {
    std::swap(state_.engine, *state_.validator);
    throw;
  }
  std::swap(state_.engine, *state_.validator);
  return rejected.empty();
}

// ---- the pipeline ----------------------------------------------------------------------------

IngestPipeline::IngestPipeline(ServerState& state, zmq::context_t& context)
    : state_(state), ingest_(context, zmq::socket_type::router), wake_(context, zmq::socket_type::pair) {
  std::string wake_endpoint = "inproc://bandwatchd-writer-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  wake_.set(zmq::sockopt::linger, 0);
  wake_.bind(wake_endpoint);
  writer_ = std::make_unique<StoreWriter>(*state_.store, context, wake_endpoint,
                                          [this](std::vector<Publication>& publications) {
                                            // Committed is committed: the events stay in the log,
                                            // and the next heartbeat shows subscribers the gap.
                                            try {
                                              state_.events.publish(publications);
                                            } catch (const std::exception& error) {
                                              state_.log->error("publish: {} event message(s) are stored but could "
                                                                "not be sent: {}",
                                                                publications.size(), error.what());
                                            }
                                          });
}

IngestPipeline::~IngestPipeline() = default;

bool IngestPipeline::has_room() const { return in_flight_.size() < kMaxInFlight; }

void IngestPipeline::on_ingest() {
  std::size_t bytes = 0;
  while (waiting_.size() < state_.options.max_group && bytes < state_.options.max_batch_bytes) {
    Incoming incoming;
    if (!receive_message(ingest_, incoming.frames)) break;
    requests_->count(incoming.frames.back());
    for (const zmq::message_t& frame : incoming.frames) bytes += frame.size();
    waiting_.push_back(std::move(incoming));
  }
  dispatch();
}

void IngestPipeline::dispatch() {
  while (!waiting_.empty() && in_flight_.size() < kMaxInFlight && !state_.failed) {
    // With the writer idle, evaluate half of what waits now and the other half while the first
    // half is written; with the writer busy, everything that waits.
    std::size_t take = in_flight_.empty() ? (waiting_.size() + 1) / 2 : waiting_.size();
    take = std::min(take, state_.options.max_group);
    std::vector<Incoming> group;
    for (std::size_t i = 0; i < take; ++i) {
      group.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
    // A repeat of a batch the writer still has gets that batch's stored answer: wait for it.
    bool repeats_in_flight = false;
    for (const Incoming& incoming : group) {
      std::string_view id = batch_id_of(incoming.frames);
      for (const InFlight& flight : in_flight_)
        for (const Work& w : flight.work)
          repeats_in_flight |= w.apply && !id.empty() && w.reply.batch_id == id;
    }
    if (repeats_in_flight) settle();
    process_group(std::move(group));
  }
}

void IngestPipeline::process_group(std::vector<Incoming> group) {
  InFlight flight;
  std::vector<Work>& work = flight.work;
  work.resize(group.size());
  std::size_t event_count = 0;
  std::map<std::string, std::size_t, std::less<>> applied_ids;
  std::size_t applied = 0, samples = 0;
  // Opened with the writer at the group's first close, whose events it formats as they come.
  std::shared_ptr<IngestCommit> open_commit;
  auto close_date = [&](Date date, protocol::IngestReply& reply) {
    reply.closed.push_back(date.iso());
    if (!open_commit) {
      open_commit = std::make_shared<IngestCommit>();
      writer_->open(open_commit);
    }
    event_count += close_streaming(date, &reply.notes);
  };

  auto refuse = [&](Work& w, std::string message) {
    w.reply.ok = false;
    w.reply.error = std::move(message);
    w.reply_json = protocol::encode_ingest_reply(w.reply);
  };

  try {
    for (std::size_t i = 0; i < group.size(); ++i) {
      std::vector<zmq::message_t>& frames = group[i].frames;
      Work& w = work[i];
      w.envelope = envelope_size(frames);
      if (w.envelope == 0) {
        w.envelope = 1;  // answer the identity; the client sent no REQ delimiter
        refuse(w, "malformed request: no empty delimiter frame before [batch-id, header, samples...] "
                  "(use a REQ socket)");
        state_.log->warn("ingest: malformed request without a delimiter ({} frames)", frames.size());
        continue;
      }
      std::size_t parts = frames.size() - w.envelope;
      if (parts < 2) {
        refuse(w, "malformed request: expected [batch-id, header, samples...], got " +
                      std::to_string(parts) + " frame(s)");
        state_.log->warn("ingest: malformed request with {} frame(s)", parts);
        continue;
      }
      std::string_view id(static_cast<const char*>(frames[w.envelope].data()), frames[w.envelope].size());
      if (!protocol::valid_batch_id(id)) {
        refuse(w, "malformed request: the batch id must be 1 to " + std::to_string(protocol::kMaxBatchIdBytes) +
                      " printable characters without spaces");
        state_.log->warn("ingest: malformed batch id ({} bytes)", id.size());
        continue;
      }
      if (id.starts_with(protocol::kCloseBatchPrefix)) {
        refuse(w, "malformed request: batch ids starting with '" + std::string(protocol::kCloseBatchPrefix) +
                      "' are the daemon's own (its record of a date closed)");
        continue;
      }
      w.reply.batch_id = std::string(id);
      std::string error;
      std::optional<protocol::IngestHeader> header = protocol::decode_ingest_header(
          std::string_view(static_cast<const char*>(frames[w.envelope + 1].data()), frames[w.envelope + 1].size()),
          error);
      if (!header) {
        refuse(w, "malformed request: " + error);
        state_.log->warn("ingest: batch {}: {}", w.reply.batch_id, error);
        continue;
      }
      w.header = *header;
      std::size_t body_bytes = 0;
      for (std::size_t f = w.envelope + 2; f < frames.size(); ++f) body_bytes += frames[f].size();
      if (body_bytes > state_.options.max_batch_bytes) {
        refuse(w, "a batch of " + std::to_string(body_bytes) + " bytes is over the limit of " +
                      std::to_string(state_.options.max_batch_bytes) +
                      " (--max-batch-bytes): split it (a date's batches add up until it closes)");
        state_.log->warn("ingest: batch {} refused: {} bytes over the limit", w.reply.batch_id, body_bytes);
        continue;
      }
      // The lines, whole: frames hold whole lines, joined with a newline where one is missing.
      w.body.reserve(body_bytes + frames.size());
      for (std::size_t f = w.envelope + 2; f < frames.size(); ++f) {
        w.body.append(static_cast<const char*>(frames[f].data()), frames[f].size());
        if (!w.body.empty() && w.body.back() != '\n' && f + 1 < frames.size()) w.body.push_back('\n');
      }
      // An id names one content: a different batch under a used id is refused, never dropped as a
      // repeat (a client reusing ids would lose it without knowing). The content's digest is
      // taken here only for an id seen before; the writer takes it for the store, off this thread.
      auto refuse_reused = [&] {
        refuse(w, "batch id '" + w.reply.batch_id + "' was used before for different content: nothing of this "
                  "batch was applied; give each batch its own id (bandwatch send derives it from the content)");
        state_.log->warn("ingest: batch {} refused: its id was used before for different content", w.reply.batch_id);
      };
      if (auto earlier = applied_ids.find(id); earlier != applied_ids.end()) {
        const Work& first = work[earlier->second];
        if (first.body != w.body || first.header != w.header) {
          refuse_reused();
          continue;
        }
        w.same_as = static_cast<int>(earlier->second);
        continue;
      }
      std::optional<std::string> stored = state_.reader->batch_reply(id);
      if (StoreStatus read = state_.reader->take_status(); !read.ok()) throw std::runtime_error(read.error);
      if (stored) {
        std::optional<BatchRow> applied = state_.reader->batch_by_id(id);
        if (applied && applied->withdrawn) {
          json audit = json::parse(*applied->withdrawn, nullptr, false);
          refuse(w, "batch '" + w.reply.batch_id + "' was withdrawn" +
                        (audit.is_object() ? " by " + audit.value("by", std::string("?")) + " (" +
                                                 audit.value("reason", std::string()) + ")"
                                           : std::string()) +
                        ": nothing of it was applied again; correct the data (a corrected file is a new batch)");
          state_.log->warn("ingest: batch {} refused: it was withdrawn", w.reply.batch_id);
          continue;
        }
        std::optional<std::string> digest = state_.reader->batch_digest(id);
        if (StoreStatus read = state_.reader->take_status(); !read.ok()) throw std::runtime_error(read.error);
        if (digest && *digest != protocol::content_batch_id(w.header, w.body)) {
          refuse_reused();
          continue;
        }
        json answer = json::parse(*stored, nullptr, false);
        if (!answer.is_object()) {
          protocol::IngestReply repeat;
          repeat.batch_id = std::string(id);
          repeat.ok = true;
          answer = to_json(repeat);
        }
        answer["duplicate"] = true;
        w.reply_json = protocol::dump_json(answer);
        state_.log->debug("ingest: batch {} is a repeat: not applied again", w.reply.batch_id);
        continue;
      }
      if (std::optional<std::string> why = date_refusal(state_, w.header.as_of)) {
        refuse(w, *why);
        state_.log->warn("ingest: batch {} refused: {}", w.reply.batch_id, w.reply.error);
        continue;
      }
      if (std::optional<std::string> why = engine::batch_size_problem(w.body, state_.options.limits)) {
        refuse(w, *why);
        state_.log->warn("ingest: batch {} refused: {}", w.reply.batch_id, w.reply.error);
        continue;
      }
      if (w.header.strict) {
        std::vector<protocol::LineError> rejected;
        if (!validate_strict(w.body, w.header.as_of, rejected)) {
          w.reply.rejected = std::move(rejected);
          refuse(w, "strict batch with " + std::to_string(w.reply.rejected.size()) +
                        " bad line(s): nothing of it was applied");
          state_.log->info("ingest: strict batch {} refused: {} bad line(s)", w.reply.batch_id,
                     w.reply.rejected.size());
          continue;
        }
      }
      // Events are numbered now, batch by batch, in the order they are applied, and written with
      // the group. A batch for a later date first closes the open one.
      OpenDate& open = state_.open;
      if (open.date && w.header.as_of > *open.date) close_date(*open.date, w.reply);
      w.reply.accepted = apply_body(state_.engine, state_.options, w.body, w.header.as_of, &w.reply);
      if (open.date != w.header.as_of) open.batches = 0;
      open.date = w.header.as_of;
      ++open.batches;
      open.since = std::chrono::steady_clock::now();
      if (w.header.close) {
        close_date(w.header.as_of, w.reply);
      } else {
        w.reply.open = w.header.as_of;
      }
      w.reply.ok = true;
      w.reply_json = protocol::encode_ingest_reply(w.reply);
      w.apply = true;
      applied_ids.emplace(w.reply.batch_id, i);
      ++applied;
      samples += w.reply.accepted;
    }

    // A close comes with the batch that asked for it, which is applied after it.
    if (open_commit && applied == 0) throw std::logic_error("a date closed without a batch applied");
    if (applied > 0) {
      std::vector<BatchRow> rows;
      std::string now = protocol::utc_now_iso();
      for (Work& w : work) {
        if (!w.apply) continue;
        BatchRow row;
        row.batch_id = w.reply.batch_id;
        row.as_of = w.header.as_of.iso();
        row.strict = w.header.strict;
        row.closes = w.header.close;
        row.samples = static_cast<std::int64_t>(w.reply.accepted);
        row.body = std::move(w.body);
        row.reply = w.reply_json;
        row.received_at = now;
        row.digest_pending = true;
        rows.push_back(std::move(row));
      }
      if (open_commit) {
        writer_->seal(std::move(rows), state_.events.take_writes());
        flight.commit = std::exchange(open_commit, nullptr);
      } else {
        auto commit = std::make_shared<IngestCommit>();
        commit->batches = std::move(rows);
        commit->events = state_.events.take_writes();
        flight.commit = commit;
        writer_->submit(std::move(commit));
      }
    }
  } catch (const std::exception& error) {
    if (open_commit) writer_->abandon();  // nothing of it stored; the engine is rebuilt below
    // Anything unforeseen: nothing of the group is written, so nothing of it may stay in the
    // engine either (after_store_failure rebuilds it from the store).
    std::string message = std::string("the daemon could not apply the batch (") + error.what() +
                          "): nothing of it was applied; send it again";
    for (std::size_t i = 0; i < work.size(); ++i) {
      Work& w = work[i];
      if (w.reply_json.empty() || w.apply || w.same_as >= 0) {
        w.reply = fresh_reply(w.reply.batch_id);
        refuse(w, message);
      }
      if (w.envelope == 0) w.envelope = envelope_size(group[i].frames);
      if (w.envelope == 0) w.envelope = 1;
      send_reply(ingest_, group[i].frames, w.envelope, w.reply_json);
    }
    settle();
    after_store_failure(state_, error.what());
    return;
  }
  flight.group = std::move(group);
  flight.samples = samples;
  flight.events = event_count;
  if (flight.commit) in_flight_.push_back(std::move(flight));
  else finish_group(flight);  // refusals and repeats only: nothing to wait for
}

void IngestPipeline::on_written() {
  zmq::message_t wake;
  while (wake_.recv(wake, zmq::recv_flags::dontwait)) {
  }
  std::optional<std::string> failure;
  auto finish = [&](const std::vector<std::shared_ptr<IngestCommit>>& finished) {
    for (const auto& commit : finished) {
      // The writer finishes commits in the order they were submitted.
      InFlight& flight = in_flight_.front();
      if (commit->error && !failure) failure = commit->error;
      finish_group(flight);
      in_flight_.pop_front();
    }
  };
  finish(writer_->take_finished());
  if (failure) {
    // Everything queued behind the failure comes back refused; then the engine is rebuilt.
    writer_->wait_idle();
    finish(writer_->take_finished());
    writer_->clear_failure();
    after_store_failure(state_, *failure);
  }
}

void IngestPipeline::finish_group(InFlight& flight) {
  std::vector<Work>& work = flight.work;
  IngestCommit* commit = flight.commit.get();
  if (commit && commit->error) {
    std::string message = "the daemon could not store the batch (" + *commit->error +
                          "): nothing of it was applied; send it again";
    for (Work& w : work)
      if (w.apply || w.same_as >= 0) {
        w.reply = fresh_reply(w.reply.batch_id);
        w.reply.error = message;
        w.reply_json = protocol::encode_ingest_reply(w.reply);
        w.apply = false;
        w.same_as = -1;
      }
  } else if (commit) {
    if (!state_.store_failure.is_null())
      state_.log->info("state store writes again (it failed at {}): batches are taken", state_.store_failure["at"].get<std::string>());
    state_.store_failure = nullptr;
    state_.progress.last_batch_seq = commit->last_batch_seq;
    const BatchRow& row = commit->batches.back();
    if (!row.batch_id.starts_with(protocol::kCloseBatchPrefix))  // a close's record is no batch received
      state_.progress.last_batch = {{"id", row.batch_id}, {"as_of", row.as_of}, {"samples", row.samples},
                                    {"received_at", row.received_at}};
  }
  for (std::size_t i = 0; i < work.size(); ++i) {
    Work& w = work[i];
    if (w.same_as >= 0) {
      json answer = json::parse(work[static_cast<std::size_t>(w.same_as)].reply_json);
      answer["duplicate"] = true;
      w.reply_json = protocol::dump_json(answer);
    }
    send_reply(ingest_, flight.group[i].frames, w.envelope, w.reply_json);
    if (w.apply && !w.reply.rejected.empty())
      state_.log->info("ingest: batch {} ({}): {} sample(s) applied, {} line(s) rejected", w.reply.batch_id,
                 w.header.as_of.iso(), w.reply.accepted, w.reply.rejected.size());
  }
  if (!commit) return;
  for (std::vector<engine::Event>& spent : commit->spent) state_.engine.recycle(std::move(spent));
  commit->spent.clear();
  if (commit->error) return;
  state_.log->debug("ingest: {} batch(es), {} sample(s), {} event(s) committed", commit->batches.size(),
              flight.samples, flight.events);
  state_.progress.samples_since_checkpoint += flight.samples;
}

std::size_t IngestPipeline::close_streaming(Date date, std::vector<std::string>* notes) {
  return close_in_engine(state_, date, notes, kEventsPerPart, [&](std::vector<engine::Event>&& part) {
    state_.events.record(std::move(part), state_.engine);
    writer_->add_events(state_.events.take_writes());
  });
}

json IngestPipeline::close_open_date(const std::string& reason) {
  if (!state_.open.date) {
    std::optional<Date> closed = state_.engine.last_as_of();
    return {{"error", "no date is open" + (closed ? " (the last closed is " + closed->iso() + ")" : std::string())}};
  }
  settle();  // the answer tells this close's own commit
  Date date = *state_.open.date;
  std::size_t batches = state_.open.batches;
  std::uint64_t before = state_.events.sequence();
  // The close is recorded as a batch of its own without samples: a restart replays it (recovery.hpp).
  BatchRow row;
  row.batch_id = std::string(protocol::kCloseBatchPrefix) + date.iso();
  row.as_of = date.iso();
  row.body = std::string();
  row.closes = true;
  row.received_at = protocol::utc_now_iso();
  row.reply = protocol::dump_json(
      json{{"batch", row.batch_id}, {"status", "ok"}, {"closed", {date.iso()}}, {"reason", reason}});
  auto commit = std::make_shared<IngestCommit>();
  writer_->open(commit);
  std::vector<std::string> notes;
  std::size_t event_count = 0;
  try {
    event_count = close_streaming(date, &notes);
  } catch (const std::exception& error) {  // out of memory: the engine may be half way through
    writer_->abandon();
    after_store_failure(state_, error.what());
    return {{"error", "cannot close " + date.iso() + ": " + error.what()}};
  }
  std::vector<BatchRow> rows;
  rows.push_back(std::move(row));
  writer_->seal(std::move(rows), state_.events.take_writes());
  InFlight flight;
  flight.commit = commit;
  flight.events = event_count;
  in_flight_.push_back(std::move(flight));
  settle();  // on a failed commit this rebuilds the engine from the store
  if (commit->error)
    return {{"error", "cannot close " + date.iso() + ": the state store failed: " + *commit->error}};
  state_.log->info("{} closed ({}): {} batch(es), {} event(s)", date.iso(), reason, batches, event_count);
  return {{"ok", true},
          {"closed", date.iso()},
          {"batches", batches},
          {"events", event_count},
          {"notes", notes},
          {"sequence", state_.events.sequence() != before ? json(state_.events.sequence()) : json(nullptr)}};
}

void IngestPipeline::settle() {
  if (in_flight_.empty()) return;
  writer_->wait_idle();
  on_written();
}

}  // namespace bandwatch::daemon
