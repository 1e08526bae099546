#include "event_records.hpp"

#include <cstring>

namespace bandwatch::daemon {

namespace {

enum Flags : std::uint8_t { kHasSequence = 1, kHasSilence = 2, kHasAck = 4, kHasReview = 8 };

// Writers into room made beforehand (record_room): a record is written byte by byte, and a
// string's capacity check for every byte cost more than the bytes.
char* put_varint(char* at, std::uint64_t value) {
  while (value >= 0x80) {
    *at++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *at++ = static_cast<char>(value);
  return at;
}

char* put_date(char* at, Date date) {
  auto days = static_cast<std::int64_t>(date.days_since_epoch);
  return put_varint(at, (static_cast<std::uint64_t>(days) << 1) ^ static_cast<std::uint64_t>(days >> 63));
}

char* put_string(char* at, std::string_view text) {
  at = put_varint(at, text.size());
  std::memcpy(at, text.data(), text.size());
  return at + text.size();
}

constexpr std::size_t kMostVarint = 10;

std::size_t record_room(const engine::Event& event, const EventNumbers& numbers) {
  std::size_t most = 5 + kMostVarint * (5 + numbers.route_sequences.size() + 2 * event.labels.size() +
                                        event.routes.size() + 6) +
                     sizeof(double) + event.rule.size() + event.formatted_value.size() + event.message.size();
  for (const engine::Label& label : event.labels) most += label.name.size() + label.value.size();
  for (const std::string& route : event.routes) most += route.size();
  if (numbers.ack) most += numbers.ack->by.size() + numbers.ack->note.size() + numbers.ack->at.size();
  return most;
}

/// Reads what put_* wrote; every read checks the bounds, and any failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool done() const { return at_ >= bytes_.size(); }

  std::uint8_t byte() {
    if (at_ >= bytes_.size()) return fail(), 0;
    return static_cast<std::uint8_t>(bytes_[at_++]);
  }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t b = byte();
      if (!ok_) return 0;
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
    return fail(), 0;
  }
  Date date() {
    std::uint64_t zigzag = varint();
    auto days = static_cast<std::int64_t>(zigzag >> 1) ^ -static_cast<std::int64_t>(zigzag & 1);
    if (days < INT32_MIN || days > INT32_MAX) return fail(), Date{};
    return Date{static_cast<std::int32_t>(days)};
  }
  double number() {
    if (bytes_.size() - at_ < sizeof(double) || at_ > bytes_.size()) return fail(), 0.0;
    double value;
    std::memcpy(&value, bytes_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  void string(std::string& out) {
    std::uint64_t size = varint();
    if (!ok_ || size > bytes_.size() - at_) return fail();
    out.assign(bytes_.data() + at_, static_cast<std::size_t>(size));
    at_ += static_cast<std::size_t>(size);
  }
  template <typename Enum>
  Enum enumerator(Enum last) {
    std::uint8_t value = byte();
    if (value > static_cast<std::uint8_t>(last)) fail();
    return static_cast<Enum>(value);
  }
  void fail() { ok_ = false; }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

void append_event_record(std::string& out, const engine::Event& event, const EventNumbers& numbers) {
  const protocol::Acknowledgement* ack = numbers.ack ? &*numbers.ack : nullptr;
  std::size_t start = out.size();
  out.resize(start + record_room(event, numbers));
  char* at = out.data() + start;
  *at++ = static_cast<char>((numbers.sequence ? kHasSequence : 0) | (numbers.silenced_by ? kHasSilence : 0) |
                            (ack ? kHasAck : 0) | (ack && ack->review ? kHasReview : 0));
  *at++ = static_cast<char>(event.kind);
  *at++ = static_cast<char>(event.source);
  *at++ = static_cast<char>(event.severity);
  *at++ = static_cast<char>(event.unit);
  at = put_varint(at, event.alert_id);
  if (numbers.sequence) at = put_varint(at, *numbers.sequence);
  if (numbers.silenced_by) at = put_varint(at, static_cast<std::uint64_t>(*numbers.silenced_by));
  at = put_varint(at, numbers.route_sequences.size());
  for (std::uint64_t sequence : numbers.route_sequences) at = put_varint(at, sequence);
  std::memcpy(at, &event.value, sizeof(double));
  at += sizeof(double);
  at = put_date(at, event.as_of);
  at = put_date(at, event.since);
  at = put_string(at, event.rule);
  at = put_string(at, event.formatted_value);
  at = put_string(at, event.message);
  at = put_varint(at, event.labels.size());
  for (const engine::Label& label : event.labels) {
    at = put_string(at, label.name);
    at = put_string(at, label.value);
  }
  at = put_varint(at, event.routes.size());
  for (const std::string& route : event.routes) at = put_string(at, route);
  if (ack) {
    at = put_string(at, ack->by);
    at = put_string(at, ack->note);
    at = put_string(at, ack->at);
    if (ack->review) at = put_date(at, *ack->review);
  }
  out.resize(static_cast<std::size_t>(at - out.data()));
}

std::string_view event_kind_name(const engine::Event& event, const EventNumbers& numbers) {
  return numbers.ack ? std::string_view("acknowledged") : engine::to_string(event.kind);
}

void append_event_log_line(std::string& out, const engine::Event& event, const EventNumbers& numbers) {
  const std::vector<std::string>& routes = protocol::feed_routes(event.routes);
  out += "{\"route_sequences\":{";
  for (std::size_t i = 0; i < numbers.route_sequences.size() && i < routes.size(); ++i) {
    if (i) out.push_back(',');
    protocol::append_json_string(out, routes[i]);
    out += ':';
    protocol::append_json_integer(out, numbers.route_sequences[i]);
  }
  out += "},";
  if (numbers.silenced_by) {
    out += "\"silenced_by\":";
    protocol::append_json_integer(out, *numbers.silenced_by);
    out += ',';
  }
  protocol::append_event_json_fields(out, event, numbers.sequence, event_kind_name(event, numbers),
                           numbers.ack ? &*numbers.ack : nullptr);
  out += '}';
}

bool append_event_record_lines(std::string_view records, std::string& lines) {
  Reader in(records);
  engine::Event event;
  EventNumbers numbers;
  while (!in.done()) {
    std::uint8_t flags = in.byte();
    event.kind = in.enumerator(engine::EventKind::stale);
    event.source = in.enumerator(engine::AlertSource::stale);
    event.severity = in.enumerator(ast::Colour::red);
    event.unit = in.enumerator(ast::Unit::number);
    event.alert_id = in.varint();
    numbers.sequence.reset();
    numbers.silenced_by.reset();
    numbers.ack.reset();
    if (flags & kHasSequence) numbers.sequence = in.varint();
    if (flags & kHasSilence) numbers.silenced_by = static_cast<std::int64_t>(in.varint());
    std::uint64_t route_count = in.varint();
    if (route_count > records.size()) in.fail();
    numbers.route_sequences.clear();
    for (std::uint64_t i = 0; in.ok() && i < route_count; ++i) numbers.route_sequences.push_back(in.varint());
    event.value = in.number();
    event.as_of = in.date();
    event.since = in.date();
    in.string(event.rule);
    in.string(event.formatted_value);
    in.string(event.message);
    std::uint64_t label_count = in.varint();
    if (label_count > records.size()) in.fail();
    event.labels.resize(in.ok() ? static_cast<std::size_t>(label_count) : 0);
    for (engine::Label& label : event.labels) {
      in.string(label.name);
      in.string(label.value);
    }
    std::uint64_t routes = in.varint();
    if (routes > records.size()) in.fail();
    event.routes.resize(in.ok() ? static_cast<std::size_t>(routes) : 0);
    for (std::string& route : event.routes) in.string(route);
    if (flags & kHasAck) {
      protocol::Acknowledgement& ack = numbers.ack.emplace();
      in.string(ack.by);
      in.string(ack.note);
      in.string(ack.at);
      if (flags & kHasReview) ack.review = in.date();
    }
    if (!in.ok() || flags > (kHasSequence | kHasSilence | kHasAck | kHasReview)) return false;
    append_event_log_line(lines, event, numbers);
    lines += '\n';
  }
  return true;
}

}  // namespace bandwatch::daemon
