#include "daemon/protocol.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "daemon/sha256.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

std::string encode_ingest_header(const IngestHeader& header) {
  json out = {{"v", kProtocolVersion}, {"as_of", header.as_of.iso()}, {"strict", header.strict}};
  return dump_json(out);
}

std::optional<IngestHeader> decode_ingest_header(std::string_view text, std::string& error) {
  if (text.size() > kMaxHeaderBytes) {
    error = "header frame of " + std::to_string(text.size()) + " bytes is over the limit of " +
            std::to_string(kMaxHeaderBytes);
    return std::nullopt;
  }
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    error = "header frame is not a JSON object";
    return std::nullopt;
  }
  if (auto version = parsed.find("v"); version != parsed.end() &&
                                       !(version->is_number_integer() && *version == kProtocolVersion)) {
    error = "unsupported protocol version " + version->dump() + " (this daemon speaks " +
            std::to_string(kProtocolVersion) + ")";
    return std::nullopt;
  }
  IngestHeader header;
  auto as_of = parsed.find("as_of");
  if (as_of == parsed.end()) {
    error = "header has no \"as_of\" date";
    return std::nullopt;
  }
  std::optional<Date> date = json_date(*as_of);
  if (!date) {
    error = "header \"as_of\" is not a date (YYYY-MM-DD): " + as_of->dump();
    return std::nullopt;
  }
  header.as_of = *date;
  if (auto strict = parsed.find("strict"); strict != parsed.end()) {
    if (!strict->is_boolean()) {
      error = "header \"strict\" must be true or false";
      return std::nullopt;
    }
    header.strict = strict->get<bool>();
  }
  return header;
}

bool valid_batch_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxBatchIdBytes) return false;
  for (char c : id)
    if (c <= ' ' || c > '~') return false;
  return true;
}

std::string content_batch_id(const IngestHeader& header, std::string_view body) {
  Sha256 hash;
  hash.update(encode_ingest_header(header));
  hash.update(std::string_view("\0", 1));
  hash.update(body);
  return "sha256:" + hash.hex_digest();
}

json to_json(const IngestReply& reply) {
  json rejected = json::array();
  for (const LineError& error : reply.rejected)
    rejected.push_back({{"line", error.line}, {"column", error.column}, {"message", error.message}});
  json out = {{"batch", reply.batch_id},
              {"status", reply.ok ? "ok" : "error"},
              {"duplicate", reply.duplicate},
              {"accepted", reply.accepted},
              {"rejected", std::move(rejected)}};
  if (!reply.error.empty()) out["error"] = reply.error;
  return out;
}

std::string encode_ingest_reply(const IngestReply& reply) { return dump_json(to_json(reply)); }

std::optional<IngestReply> decode_ingest_reply(std::string_view text, std::string& error) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, false);
  if (!parsed.is_object() || !parsed.contains("status")) {
    error = "reply is not an ingest answer: " + std::string(text.substr(0, 200));
    return std::nullopt;
  }
  IngestReply reply;
  reply.batch_id = parsed.value("batch", "");
  reply.ok = parsed.value("status", "") == "ok";
  reply.duplicate = parsed.value("duplicate", false);
  reply.accepted = parsed.value("accepted", std::size_t{0});
  reply.error = parsed.value("error", "");
  if (auto rejected = parsed.find("rejected"); rejected != parsed.end() && rejected->is_array())
    for (const json& item : *rejected)
      if (item.is_object())
        reply.rejected.push_back({item.value("line", std::size_t{0}),
                                  item.value("column", std::size_t{0}),
                                  item.value("message", "")});
  return reply;
}

json to_json(const Acknowledgement& ack) {
  return {{"by", ack.by},
          {"note", ack.note},
          {"review", ack.review ? json(ack.review->iso()) : json(nullptr)},
          {"at", ack.at}};
}

std::optional<Acknowledgement> acknowledgement_from_json(const json& value) {
  if (!value.is_object()) return std::nullopt;
  Acknowledgement ack;
  ack.by = value.value("by", "");
  ack.note = value.value("note", "");
  ack.at = value.value("at", "");
  if (auto review = value.find("review"); review != value.end()) ack.review = json_date(*review);
  return ack;
}

std::string topic_severity(const engine::Event& event) {
  if (event.kind == engine::EventKind::unbanded) return "unbanded";
  return std::string(ast::to_string(event.severity));
}

std::string make_topic(std::string_view route, std::string_view severity, std::string_view rule) {
  std::string topic;
  topic.reserve(route.size() + severity.size() + rule.size() + 2);
  topic.append(route).append(".").append(severity).append(".").append(rule);
  return topic;
}

std::optional<int> severity_rank(std::string_view severity) {
  if (severity == "unbanded") return 0;
  if (severity == "amber") return 1;
  if (severity == "red") return 2;
  return std::nullopt;
}

json labels_json(const engine::Labels& labels) {
  json out = json::object();
  for (const engine::Label& label : labels) out[label.name] = label.value;
  return out;
}

json json_number(double value) {
  // JSON has no NaN or infinity; an event value is always finite, but never emit invalid JSON.
  if (!std::isfinite(value)) return nullptr;
  double whole;
  if (std::modf(value, &whole) == 0.0 && std::fabs(value) < 9.0e15)
    return static_cast<std::int64_t>(value);
  return value;
}

json event_json(const engine::Event& event, std::optional<std::uint64_t> sequence,
                std::string_view kind) {
  json out = {{"sequence", sequence ? json(*sequence) : json(nullptr)},
              {"kind", kind},
              {"alert_id", event.alert_id},
              {"source", engine::to_string(event.source)},
              {"rule", event.rule},
              {"labels", labels_json(event.labels)},
              {"severity", topic_severity(event)},
              {"value", json_number(event.value)},
              {"formatted_value", event.formatted_value},
              {"unit", ast::to_string(event.unit)},
              {"message", event.message},
              {"routes", event.routes},
              {"as_of", event.as_of.iso()},
              {"since", event.since.iso()}};
  return out;
}

namespace {

/// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  std::size_t length = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  unsigned char next = byte(i + 1);
  if (c == 0xe0 && next < 0xa0) return 0;   // overlong
  if (c == 0xed && next > 0x9f) return 0;   // surrogates
  if (c == 0xf0 && next < 0x90) return 0;   // overlong
  if (c == 0xf4 && next > 0x8f) return 0;   // beyond U+10FFFF
  return length;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Sample lines are bytes; JSON is UTF-8: a byte that is not valid UTF-8 becomes U+FFFD, as
  // nlohmann's error_handler_t::replace does, so no input can make the daemon write bad JSON.
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr auto kPlain = [] {  // ASCII that JSON takes as it is: the common case
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return plain;
  }();
  out.push_back('"');
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (kPlain[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      std::size_t length = utf8_length(text, i);
      if (length > 0) {
        i += length;
        continue;
      }
      out.append(text.data() + plain, i - plain);
      out += "\xef\xbf\xbd";
      plain = ++i;
      continue;
    }
    out.append(text.data() + plain, i - plain);
    plain = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_json_number(std::string& out, double value) {
  char buffer[32];
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  double whole;
  std::to_chars_result written;
  if (std::modf(value, &whole) == 0.0 && std::fabs(value) < 9.0e15)
    written = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
  else
    written = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, written.ptr);
}

namespace {

void append_key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out += "\":";
}

void append_unsigned(std::string& out, std::uint64_t value) {
  char buffer[24];
  auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, written.ptr);
}

}  // namespace

void append_event_json_fields(std::string& out, const engine::Event& event, std::optional<std::uint64_t> sequence,
                              std::string_view kind, const Acknowledgement* ack) {
  // nlohmann's object keeps keys sorted; so does this, so both texts are the same.
  if (ack) {
    append_key(out, "acknowledgement");
    out += dump_json(to_json(*ack));
    out.push_back(',');
  }
  append_key(out, "alert_id");
  append_unsigned(out, event.alert_id);
  out += ",\"as_of\":\"";
  out += event.as_of.iso();
  out += "\",\"formatted_value\":";
  append_json_string(out, event.formatted_value);
  out += ",\"kind\":";
  append_json_string(out, kind);
  out += ",\"labels\":{";
  // Labels are sorted by name (engine contract), as a JSON object's keys are.
  for (std::size_t i = 0; i < event.labels.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, event.labels[i].name);
    out.push_back(':');
    append_json_string(out, event.labels[i].value);
  }
  out += "},\"message\":";
  append_json_string(out, event.message);
  out += ",\"routes\":[";
  for (std::size_t i = 0; i < event.routes.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, event.routes[i]);
  }
  out += "],\"rule\":";
  append_json_string(out, event.rule);
  out += ",\"sequence\":";
  if (sequence) append_unsigned(out, *sequence);
  else out += "null";
  out += ",\"severity\":";
  append_json_string(out, topic_severity(event));
  out += ",\"since\":\"";
  out += event.since.iso();
  out += "\",\"source\":";
  append_json_string(out, engine::to_string(event.source));
  out += ",\"unit\":";
  append_json_string(out, ast::to_string(event.unit));
  out += ",\"value\":";
  append_json_number(out, event.value);
}

std::string event_json_text(const engine::Event& event, std::optional<std::uint64_t> sequence,
                            std::string_view kind, const Acknowledgement* ack) {
  std::string out;
  out.reserve(384);
  out.push_back('{');
  append_event_json_fields(out, event, sequence, kind, ack);
  out.push_back('}');
  return out;
}

std::optional<Date> json_date(const json& value) {
  if (!value.is_string()) return std::nullopt;
  return parse_iso_date(value.get_ref<const std::string&>());
}

std::string utc_now_iso() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace bandwatch::daemon
