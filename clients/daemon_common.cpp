#include "daemon_common.hpp"

#include <cstdio>
#include <map>

#include <boost/program_options.hpp>

#include "protocol/protocol.hpp"
#include "engine/sample_line.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;
using nlohmann::json;

void add_connection_options(po::options_description& options, ConnectionOptions& out) {
  options.add_options()
      ("curve-server-key", po::value<std::string>(&out.server_key),
       "the daemon's public key file (CURVE); needs --curve-secret-key")
      ("curve-secret-key", po::value<std::string>(&out.secret_key),
       "this client's key pair file (bandwatch keygen NAME writes NAME.key)")
      ("timeout", po::value<int>(&out.timeout_ms)->default_value(out.timeout_ms),
       "milliseconds to wait for each reply")
      ("retries", po::value<int>(&out.retries)->default_value(out.retries),
       "times to resend after a timeout before giving up");
}

std::optional<protocol::ClientSecurity> client_security(const ConnectionOptions& options,
                                                      const char* command) {
  std::string error;
  auto security = protocol::load_client_security(options.server_key, options.secret_key, error);
  if (!security) std::fprintf(stderr, "bandwatch %s: %s\n", command, error.c_str());
  if (options.timeout_ms <= 0) {
    std::fprintf(stderr, "bandwatch %s: --timeout must be positive\n", command);
    return std::nullopt;
  }
  if (options.retries < 0) {
    std::fprintf(stderr, "bandwatch %s: --retries must be 0 or more\n", command);
    return std::nullopt;
  }
  return security;
}

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
  return line;
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
  return line;
}

// ---- sending -------------------------------------------------------------------------------

namespace {

struct Origin {
  std::size_t source;
  std::size_t line;
};

struct Batch {
  Date as_of;
  std::string body;
  std::vector<Origin> origins;  // per line of body
};

constexpr std::size_t kFrameBytes = 1 << 20;  // body frames of at most ~1 MiB, whole lines

}  // namespace

int send_samples(const std::vector<SampleSource>& sources, const SendOptions& options,
                 const char* command) {
  // Group the lines by as-of date, reading only their dates: the daemon is the one judge of
  // whether a sample is valid (it knows the rules), so bad lines travel too.
  std::map<Date, Batch> batches;
  std::vector<std::string> undated;
  engine::ParsedSample parsed;
  std::string error;
  std::size_t column = 0;
  std::vector<std::pair<Origin, std::string_view>> orphans;  // unreadable before any date
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
      engine::LineKind kind = engine::parse_sample_line(line, parsed, error, column);
      if (kind == engine::LineKind::blank) continue;
      std::optional<Date> date;
      if (kind == engine::LineKind::sample) {
        date = parsed.date ? parsed.date : options.as_of;
        if (!date) {
          undated.push_back(sources[s].name + ":" + std::to_string(number));
          continue;
        }
        previous = date;
      } else {
        date = previous ? previous : options.as_of;
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
    std::fprintf(stderr, "bandwatch %s: %zu sample line(s) have no date and no --as-of was given; first: %s\n",
                 command, undated.size(), undated.front().c_str());
    return kExitUsage;
  }
  if (!orphans.empty()) {
    if (batches.empty()) {
      std::fprintf(stderr, "bandwatch %s: %s:%zu: no readable sample with a date (and no --as-of) to send this line with\n",
                   command, sources[orphans.front().first.source].name.c_str(), orphans.front().first.line);
      return kExitUsage;
    }
    // Lines nothing dates: with the first batch, where the daemon reports them.
    Batch& first = batches.begin()->second;
    std::string body;
    std::vector<Origin> origins;
    for (auto& [origin, line] : orphans) {
      body.append(line).push_back('\n');
      origins.push_back(origin);
    }
    first.body = body + first.body;
    origins.insert(origins.end(), first.origins.begin(), first.origins.end());
    first.origins = std::move(origins);
  }
  if (batches.empty()) {
    if (!options.quiet && !options.json) std::printf("nothing to send: no sample lines\n");
    return kExitOk;
  }

  auto security = client_security(options.connection, command);
  if (!security) return kExitUsage;
  zmq::context_t context(1);
  protocol::LazyPirateClient client(context, options.endpoint, *security,
                                  std::chrono::milliseconds(options.connection.timeout_ms),
                                  options.connection.retries);
  client.on_retry = [&](int attempt) {
    std::fprintf(stderr, "bandwatch %s: no reply from %s within %d ms; sending again (attempt %d of %d)\n",
                 command, options.endpoint.c_str(), options.connection.timeout_ms, attempt,
                 options.connection.retries + 1);
  };

  int code = kExitOk;
  std::size_t sent = 0;
  for (auto& [date, batch] : batches) {
    protocol::IngestHeader header{date, options.strict};
    std::string header_text = protocol::encode_ingest_header(header);
    std::string id = protocol::content_batch_id(header, batch.body);
    std::vector<std::string_view> frames{id, header_text};
    std::string_view body = batch.body;
    while (!body.empty()) {
      std::size_t cut = body.size() <= kFrameBytes ? body.size() : body.rfind('\n', kFrameBytes) + 1;
      if (cut == 0 || cut > body.size()) cut = std::min(body.size(), kFrameBytes);
      frames.push_back(body.substr(0, cut));
      body.remove_prefix(cut);
    }
    std::vector<std::string> reply_frames;
    protocol::RequestStatus status = client.request(frames, reply_frames, error);
    if (status != protocol::RequestStatus::ok) {
      std::fprintf(stderr, "bandwatch %s: %s\n", command, error.c_str());
      std::size_t left = batches.size() - sent;
      std::fprintf(stderr, "bandwatch %s: gave up: %zu of %zu batch(es) acknowledged; not acknowledged "
                           "from as-of %s on (sending again is safe: repeats are not applied twice)\n",
                   command, sent, batches.size(), date.iso().c_str());
      (void)left;
      return kExitNoReply;
    }
    std::optional<protocol::IngestReply> reply =
        reply_frames.size() == 1 ? protocol::decode_ingest_reply(reply_frames[0], error) : std::nullopt;
    if (!reply) {
      std::fprintf(stderr, "bandwatch %s: unexpected answer from %s: %s\n", command, options.endpoint.c_str(),
                   reply_frames.empty() ? "no frames" : reply_frames[0].substr(0, 200).c_str());
      return kExitNoReply;
    }
    ++sent;
    json rejected = json::array();
    for (const protocol::LineError& line : reply->rejected) {
      std::string where = "?";
      std::size_t file_line = 0;
      if (line.line >= 1 && line.line <= batch.origins.size()) {
        const Origin& origin = batch.origins[line.line - 1];
        where = sources[origin.source].name;
        file_line = origin.line;
      }
      std::fprintf(stderr, "%s:%zu:%zu: error: %s\n", where.c_str(), file_line, line.column, line.message.c_str());
      rejected.push_back({{"file", where}, {"line", file_line}, {"column", line.column}, {"message", line.message}});
    }
    if (!reply->ok) {
      std::fprintf(stderr, "bandwatch %s: batch for %s refused: %s\n", command, date.iso().c_str(), reply->error.c_str());
      code = kExitRejected;
    } else if (!reply->rejected.empty()) {
      code = kExitRejected;
    }
    if (options.json) {
      json out = {{"as_of", date.iso()},        {"batch", id},
                  {"status", reply->ok ? "ok" : "error"}, {"duplicate", reply->duplicate},
                  {"accepted", reply->accepted}, {"rejected", rejected}};
      if (!reply->error.empty()) out["error"] = reply->error;
      std::printf("%s\n", out.dump().c_str());
    } else if (!options.quiet && reply->ok) {
      std::printf("%s: ok, %zu sample(s)%s%s [%s]\n", date.iso().c_str(), reply->accepted,
                  reply->rejected.empty() ? "" : (", " + std::to_string(reply->rejected.size()) + " line(s) rejected").c_str(),
                  reply->duplicate ? " (already applied: not applied again)" : "", id.substr(0, 19).c_str());
    }
    std::fflush(stdout);
  }
  return code;
}

}  // namespace bandwatch::cli
