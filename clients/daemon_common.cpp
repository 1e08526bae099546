#include "daemon_common.hpp"

#include <cstdio>
#include <map>

#include "engine/sample_line.hpp"

namespace bandwatch::cli {

using nlohmann::json;

std::string format_labels(const json& labels) {
  if (!labels.is_object() || labels.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels.items()) {
    if (!first) out += ", ";
    first = false;
    out += name + "=\"" + (value.is_string() ? value.get<std::string>() : value.dump()) + "\"";
  }
  return out + "}";
}

namespace {

std::string text_of(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return {};
  return found->is_string() ? found->get<std::string>() : found->dump();
}

std::string ack_text(const json& ack) {
  if (!ack.is_object()) return {};
  std::string out = "acknowledged by " + text_of(ack, "by");
  std::string note = text_of(ack, "note");
  if (!note.empty()) out += ": " + note;
  std::string review = text_of(ack, "review");
  if (!review.empty()) out += " (review " + review + ")";
  return out;
}

std::string routes_text(const json& routes) {
  if (!routes.is_array() || routes.empty()) return {};
  std::string out = "-> ";
  for (std::size_t i = 0; i < routes.size(); ++i)
    out += (i ? ", " : "") + (routes[i].is_string() ? routes[i].get<std::string>() : routes[i].dump());
  return out;
}

}  // namespace

std::string format_alert_line(const json& alert) {
  std::string value = text_of(alert, "formatted_value");
  if (value.empty()) value = text_of(alert, "value");
  std::string severity = text_of(alert, "severity");
  if (severity.size() < 5) severity += std::string(5 - severity.size(), ' ');
  std::string line = "open         " + severity + "  alert " + text_of(alert, "id") + "  " +
         text_of(alert, "rule") + format_labels(alert.value("labels", json::object())) + " = " + value +
         "  since " + text_of(alert, "since");
  std::string message = text_of(alert, "message");
  if (!message.empty()) line += "  \"" + message + "\"";
  if (alert.contains("routes")) {
    std::string routes = routes_text(alert["routes"]);
    if (!routes.empty()) line += "  " + routes;
  }
  if (auto ack = alert.find("acknowledgement"); ack != alert.end() && ack->is_object())
    line += "  [" + ack_text(*ack) + "]";
  if (auto silence = alert.find("silenced"); silence != alert.end() && silence->is_object())
    line += "  [silenced until " + text_of(*silence, "until") + " by " + text_of(*silence, "by") + "]";
  return printable(line);
}

std::string format_event_line(const json& event) {
  std::string kind = text_of(event, "kind");
  std::string line = text_of(event, "as_of") + "  #" + text_of(event, "sequence") + "  " + kind;
  if (kind.size() < 12) line += std::string(12 - kind.size(), ' ');
  std::string severity = text_of(event, "severity");
  if (severity.size() < 5) severity += std::string(5 - severity.size(), ' ');
  line += " " + severity;
  line += "  " + text_of(event, "rule") + format_labels(event.value("labels", json::object())) + " = " +
          text_of(event, "formatted_value");
  std::string message = text_of(event, "message");
  if (!message.empty()) line += "  \"" + message + "\"";
  if (kind == "acknowledged") line += "  [" + ack_text(event.value("acknowledgement", json())) + "]";
  std::string routes = routes_text(event.value("routes", json::array()));
  if (!routes.empty()) line += "  " + routes;
  // The alert id is what `bandwatch ack` takes; "#N" at the start is the event's sequence number.
  std::string id = text_of(event, "alert_id");
  if (!id.empty() && id != "0") line += "  (alert " + id + ")";
  return printable(line);
}

// ---- sending -------------------------------------------------------------------------------

namespace {

constexpr std::size_t kFrameBytes = 1 << 20;  // body frames of at most ~1 MiB, whole lines

}  // namespace

std::optional<std::vector<Batch>> plan_batches(const std::vector<SampleSource>& sources, std::optional<Date> as_of,
                                               std::size_t max_lines, std::string& error) {
  std::map<Date, Batch> batches;
  std::vector<std::string> undated;
  engine::ParsedSample parsed;
  std::string line_error;
  std::size_t column = 0;
  std::vector<std::pair<Batch::Origin, std::string_view>> orphans;  // unreadable before any date
  for (std::size_t s = 0; s < sources.size(); ++s) {
    std::string_view text = sources[s].text;
    std::optional<Date> previous;
    std::size_t number = 0, start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      ++number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      engine::LineKind kind = engine::parse_sample_line(line, parsed, line_error, column);
      if (kind == engine::LineKind::blank) continue;
      std::optional<Date> date;
      if (kind == engine::LineKind::sample) {
        date = parsed.date ? parsed.date : as_of;
        if (!date) {
          undated.push_back(sources[s].name + ":" + std::to_string(number));
          continue;
        }
        previous = date;
      } else {
        date = previous ? previous : as_of;
        if (!date) {
          orphans.push_back({{s, number}, line});
          continue;
        }
      }
      Batch& batch = batches[*date];
      batch.as_of = *date;
      batch.body.append(line).push_back('\n');
      batch.origins.push_back({s, number});
    }
  }
  if (!undated.empty()) {
    error = std::to_string(undated.size()) + " sample line(s) have no date and no --as-of was given; first: " +
            undated.front();
    return std::nullopt;
  }
  if (!orphans.empty()) {
    if (batches.empty()) {
      error = sources[orphans.front().first.source].name + ":" + std::to_string(orphans.front().first.line) +
              ": no readable sample with a date (and no --as-of) to send this line with";
      return std::nullopt;
    }
    // Lines nothing dates: with the first batch, where the daemon reports them.
    Batch& first = batches.begin()->second;
    std::string body;
    std::vector<Batch::Origin> origins;
    for (auto& [origin, line] : orphans) {
      body.append(line).push_back('\n');
      origins.push_back(origin);
    }
    first.body = body + first.body;
    origins.insert(origins.end(), first.origins.begin(), first.origins.end());
    first.origins = std::move(origins);
  }
  std::vector<Batch> planned;
  for (auto& [date, whole] : batches) {
    std::size_t line = 0, at = 0;
    while (line < whole.origins.size()) {
      Batch& part = planned.emplace_back();
      part.as_of = date;
      std::size_t start = at;
      while (line < whole.origins.size() && part.origins.size() < max_lines) {
        std::size_t end = whole.body.find('\n', at) + 1;
        if (!part.origins.empty() && end - start > kMaxBatchBytes) break;
        part.origins.push_back(whole.origins[line++]);
        at = end;
      }
      part.body = whole.body.substr(start, at - start);
    }
  }
  return planned;
}

SendOutcome send_batches(const std::vector<Batch>& batches, const std::vector<SampleSource>& sources,
                         const SendTarget& target, const std::function<void(const BatchAnswer&)>& on_answer,
                         const std::function<void(int attempt)>& on_retry) {
  SendOutcome outcome;
  zmq::context_t context(1);
  protocol::LazyPirateClient client(context, target.endpoint, target.security,
                                    std::chrono::milliseconds(target.connection.timeout_ms), target.connection.retries);
  client.on_retry = on_retry;
  for (const Batch& batch : batches) {
    protocol::IngestHeader header{batch.as_of, target.strict, target.close && &batch == &batches.back()};
    std::string header_text = protocol::encode_ingest_header(header);
    BatchAnswer answer;
    answer.batch = &batch;
    answer.id = protocol::content_batch_id(header, batch.body);
    std::vector<std::string_view> frames{answer.id, header_text};
    std::string_view body = batch.body;
    while (!body.empty()) {
      std::size_t cut = body.size() <= kFrameBytes ? body.size() : body.rfind('\n', kFrameBytes) + 1;
      if (cut == 0 || cut > body.size()) cut = std::min(body.size(), kFrameBytes);
      frames.push_back(body.substr(0, cut));
      body.remove_prefix(cut);
    }
    std::vector<std::string> reply_frames;
    outcome.status = client.request(frames, reply_frames, outcome.error);
    std::optional<protocol::IngestReply> reply;
    if (outcome.status == protocol::RequestStatus::ok) {
      reply = reply_frames.size() == 1 ? protocol::decode_ingest_reply(reply_frames[0], outcome.error) : std::nullopt;
      if (!reply) {
        outcome.status = protocol::RequestStatus::no_reply;
        outcome.error = "unexpected answer from " + target.endpoint + ": " +
                        (reply_frames.empty() ? "no frames" : reply_frames[0].substr(0, 200));
      }
    }
    if (!reply) {
      outcome.unanswered = batch.as_of;
      return outcome;
    }
    ++outcome.answered;
    if (reply->ok) ++outcome.applied;
    answer.reply = std::move(*reply);
    auto place = [&](const std::vector<protocol::LineError>& lines, std::vector<RejectedLine>& into) {
      for (const protocol::LineError& line : lines) {
        RejectedLine placed{"?", 0, line.column, line.message};
        if (line.line >= 1 && line.line <= batch.origins.size()) {
          const Batch::Origin& origin = batch.origins[line.line - 1];
          placed.file = sources[origin.source].name;
          placed.line = origin.line;
        }
        into.push_back(std::move(placed));
      }
    };
    place(answer.reply.rejected, answer.rejected);
    place(answer.reply.warnings, answer.warnings);
    on_answer(answer);
  }
  return outcome;
}

namespace {

json print_lines(const std::vector<RejectedLine>& lines, const char* kind) {
  json out = json::array();
  for (const RejectedLine& line : lines) {
    std::fprintf(stderr, "%s:%zu:%zu: %s: %s\n", printable(line.file).c_str(), line.line, line.column, kind,
                 printable(line.message).c_str());
    out.push_back({{"file", line.file}, {"line", line.line}, {"column", line.column}, {"message", line.message}});
  }
  return out;
}

void print_answer(const BatchAnswer& answer, const SendOptions& options, const Command& command) {
  const protocol::IngestReply& reply = answer.reply;
  std::string date = answer.batch->as_of.iso();
  json rejected = print_lines(answer.rejected, "error");
  json warnings = print_lines(answer.warnings, "warning");
  for (const auto& [reason, count] : reply.unreported)
    command.fail(date + ": " + std::to_string(count) + " more line(s) not listed: " + printable(reason));
  if (!reply.ok) command.fail("batch for " + date + " refused: " + printable(reply.error));
  if (!options.json && !options.quiet)
    for (const std::string& note : reply.notes) std::printf("note: %s\n", printable(note).c_str());
  if (options.json) {
    json out = {{"as_of", date},
                {"batch", answer.id},
                {"status", reply.ok ? "ok" : "error"},
                {"duplicate", reply.duplicate},
                {"accepted", reply.accepted},
                {"rejected", rejected},
                {"warnings", warnings},
                {"closed", reply.closed},
                {"notes", reply.notes},
                {"open", reply.open ? json(reply.open->iso()) : json(nullptr)}};
    if (!reply.error.empty()) out["error"] = reply.error;
    std::printf("%s\n", out.dump().c_str());
  } else if (!options.quiet && reply.ok) {
    std::string closed;
    for (const std::string& d : reply.closed) closed += (closed.empty() ? "; closed " : ", ") + d;
    std::printf("%s: ok, %zu sample(s)%s%s%s%s [%s]\n", date.c_str(), reply.accepted,
                reply.rejected.empty() ? "" : (", " + std::to_string(reply.rejected.size()) + " line(s) rejected").c_str(),
                reply.warnings.empty() ? "" : (", " + std::to_string(reply.warnings.size()) + " warning(s)").c_str(),
                reply.duplicate ? " (already applied: not applied again)" : "", closed.c_str(),
                answer.id.substr(0, 19).c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int send_samples(const Command& command, const std::vector<SampleSource>& sources, const SendOptions& options) {
  std::string error;
  std::optional<std::vector<Batch>> batches = plan_batches(sources, options.as_of, options.batch_lines, error);
  if (!batches) return command.usage_error(error);
  if (batches->empty()) {
    if (!options.quiet && !options.json) std::printf("nothing to send: no sample lines\n");
    return kExitOk;
  }
  auto security = client_security(command, options.curve, options.connection);
  if (!security) return kExitUsage;

  int status = kExitOk;
  std::optional<Date> left_open;
  SendTarget target{options.endpoint, *security, options.connection, options.strict, options.close};
  SendOutcome outcome = send_batches(
      *batches, sources, target,
      [&](const BatchAnswer& answer) {
        print_answer(answer, options, command);
        if (!answer.reply.ok) status = kExitFailed;
        else if ((!answer.reply.rejected.empty() || !answer.reply.warnings.empty() || !answer.reply.unreported.empty()) &&
                 status == kExitOk)
          status = kExitWarnings;
        if (answer.reply.ok) left_open = answer.reply.open;
      },
      [&](int attempt) {
        command.fail("no reply from " + options.endpoint + " within " + std::to_string(options.connection.timeout_ms) +
                         " ms; sending again (attempt " + std::to_string(attempt) + " of " +
                         std::to_string(options.connection.retries + 1) + ")");
      });
  if (outcome.status != protocol::RequestStatus::ok) {
    command.fail(outcome.error);
    return command.fail("gave up: " + std::to_string(outcome.applied) + " of " + std::to_string(batches->size()) +
                            " batch(es) applied, " + std::to_string(outcome.answered - outcome.applied) +
                            " refused; not answered from as-of " + outcome.unanswered->iso() +
                            " on (sending again is safe: repeats are not applied twice)",
                        exit_status_of(outcome.status));
  }
  if (left_open && !options.quiet && !options.json)
    std::printf("%s stays open: its alerts are decided when it closes (bandwatch close, send --close, a batch "
                "for a later date, or the daemon's --close-after)\n",
                left_open->iso().c_str());
  return status;
}

}  // namespace bandwatch::cli
