// The wire protocol's shapes: ingest header and reply, batch ids, topics, event JSON.
#include "protocol/protocol.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>

namespace bandwatch::protocol {
namespace {

using nlohmann::json;

// What an event's JSON must be, built as a tree with nlohmann (the daemon writes text directly).
json expected_event(const engine::Event& event, std::optional<std::uint64_t> sequence, std::string_view kind) {
  return {{"sequence", sequence ? json(*sequence) : json(nullptr)},
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
}

// The event's JSON object as the daemon writes it.
std::string event_text(const engine::Event& event, std::optional<std::uint64_t> sequence, std::string_view kind,
                       const Acknowledgement* ack = nullptr) {
  std::string out = "{";
  append_event_json_fields(out, event, sequence, kind, ack);
  return out + "}";
}

TEST(IngestHeader, RoundTrip) {
  IngestHeader header{Date::from_ymd(2020, 2, 4), true};
  std::string error;
  auto decoded = decode_ingest_header(encode_ingest_header(header), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->as_of, header.as_of);
  EXPECT_TRUE(decoded->strict);
}

TEST(IngestHeader, RefusesWithReasons) {
  std::string error;
  EXPECT_FALSE(decode_ingest_header("not json", error));
  EXPECT_EQ(error, "header frame is not a JSON object");
  EXPECT_FALSE(decode_ingest_header(R"({"strict":true})", error));
  EXPECT_EQ(error, "header has no \"as_of\" date");
  EXPECT_FALSE(decode_ingest_header(R"({"as_of":"2021-02-29"})", error));
  EXPECT_NE(error.find("not a date"), std::string::npos);
  EXPECT_FALSE(decode_ingest_header(R"({"as_of":"2020-02-04","strict":"yes"})", error));
  EXPECT_NE(error.find("strict"), std::string::npos);
  EXPECT_FALSE(decode_ingest_header(R"({"v":2,"as_of":"2020-02-04"})", error));
  EXPECT_NE(error.find("version"), std::string::npos);
  EXPECT_FALSE(decode_ingest_header(std::string(kMaxHeaderBytes + 1, ' '), error));
  EXPECT_NE(error.find("over the limit"), std::string::npos);
  EXPECT_TRUE(decode_ingest_header(R"({"as_of":"2020-02-04"})", error));
}

// The id is the SHA-256 of the encoded header, a NUL byte and the body: these digests are
// `sha256sum` of exactly those bytes, so batch ids stay what every earlier `send` gave (a daemon
// answers a repeat of an id as a duplicate, so a changed id would apply a batch twice).
TEST(BatchId, IsTheSha256OfHeaderNulAndBody) {
  IngestHeader header{Date::from_ymd(2020, 2, 4), false};
  EXPECT_EQ(encode_ingest_header(header), R"({"as_of":"2020-02-04","strict":false,"v":1})");
  EXPECT_EQ(content_batch_id(header, "caseload{worker=\"W1\"} 22\n"),
            "sha256:3e329f87648a1922e212c911719ea9611ef5e09640a32faecef152802ad0780a");
  EXPECT_EQ(content_batch_id({header.as_of, true}, ""),
            "sha256:e24a6cfec804f4978bfe6e6854ca5b3319a3f92cc9f0b9bdc0f925612fbc43c3");
  // 3.99 MB: about 62,000 blocks, fed in three updates.
  std::string body;
  for (int i = 0; i < 100000; ++i) body += "caseload{worker=\"W" + std::to_string(i) + "\"} 22 2020-02-04\n";
  EXPECT_EQ(content_batch_id(header, body),
            "sha256:152aa5744249a5144a7a26df8f25549300b9a44f2d84b1a9dc418c76a02ef8cb");
}

TEST(BatchId, FromContentAndValid) {
  IngestHeader header{Date::from_ymd(2020, 2, 4), false};
  std::string a = content_batch_id(header, "caseload{worker=\"W1\"} 22\n");
  EXPECT_EQ(a, content_batch_id(header, "caseload{worker=\"W1\"} 22\n"));
  EXPECT_NE(a, content_batch_id(header, "caseload{worker=\"W1\"} 23\n"));
  EXPECT_NE(a, content_batch_id({header.as_of, true}, "caseload{worker=\"W1\"} 22\n"));
  EXPECT_NE(a, content_batch_id({Date::from_ymd(2020, 2, 5), false}, "caseload{worker=\"W1\"} 22\n"));
  EXPECT_EQ(a.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a.size(), 7u + 64u);
  EXPECT_TRUE(valid_batch_id(a));
  EXPECT_FALSE(valid_batch_id(""));
  EXPECT_FALSE(valid_batch_id("has space"));
  EXPECT_FALSE(valid_batch_id(std::string(kMaxBatchIdBytes + 1, 'x')));
  EXPECT_FALSE(valid_batch_id("tab\t"));
}

TEST(IngestReply, RoundTrip) {
  IngestReply reply;
  reply.batch_id = "b1";
  reply.ok = true;
  reply.accepted = 3;
  reply.rejected = {{2, 5, "unknown metric 'x'"}};
  json encoded = json::parse(encode_ingest_reply(reply));
  EXPECT_EQ(encoded["status"], "ok");
  EXPECT_EQ(encoded["rejected"][0]["line"], 2);
  std::string error;
  auto decoded = decode_ingest_reply(encoded.dump(), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_TRUE(decoded->ok);
  EXPECT_EQ(decoded->accepted, 3u);
  ASSERT_EQ(decoded->rejected.size(), 1u);
  EXPECT_EQ(decoded->rejected[0].column, 5u);
  EXPECT_EQ(decoded->rejected[0].message, "unknown metric 'x'");
  EXPECT_FALSE(decode_ingest_reply("[1,2]", error));
}

TEST(Topics, RouteSeverityRule) {
  engine::Event event;
  event.rule = "practitioner_caseload";
  event.severity = ast::Colour::red;
  std::string topic = "before|";
  append_topic(topic, "workload_pressures", topic_severity(event), event.rule);
  EXPECT_EQ(topic, "before|workload_pressures.red.practitioner_caseload");
  event.kind = engine::EventKind::unbanded;
  EXPECT_EQ(topic_severity(event), "unbanded");
  EXPECT_EQ(severity_rank("red"), 2);
  EXPECT_EQ(severity_rank("amber"), 1);
  EXPECT_EQ(severity_rank("unbanded"), 0);
  EXPECT_FALSE(severity_rank("green"));
}

TEST(Topics, IsTopicMatchesExactlyWhatAppendTopicWrites) {
  std::string topic;
  append_topic(topic, "workload_pressures", "red", "practitioner_caseload");
  EXPECT_TRUE(is_topic(topic, "workload_pressures", "red", "practitioner_caseload"));
  EXPECT_FALSE(is_topic(topic, "workload_pressures", "amber", "practitioner_caseload"));
  EXPECT_FALSE(is_topic(topic, "workload_pressures", "red", "practitioner_caseloa"));
  EXPECT_FALSE(is_topic(topic, "clinic", "red", "practitioner_caseload"));
  // The dots are where append_topic puts them, not any separator of the same length.
  EXPECT_TRUE(is_topic("a.b.red.x", "a.b", "red", "x"));
  EXPECT_FALSE(is_topic("a.b-red.x", "a.b", "red", "x"));
  EXPECT_FALSE(is_topic("a.b.red-x", "a.b", "red", "x"));
}

TEST(EventJson, CarriesTheFieldsSubscribersNeed) {
  engine::Event event;
  event.kind = engine::EventKind::fired;
  event.alert_id = 7;
  event.rule = "practitioner_caseload";
  event.labels = {{"team", "Hunts 1"}, {"worker", "W0412"}};
  event.severity = ast::Colour::amber;
  event.value = 22;
  event.unit = ast::Unit::count;
  event.formatted_value = "22";
  event.message = "W0412 (Hunts 1) holds 22 cases";
  event.routes = {"workload_pressures"};
  event.as_of = Date::from_ymd(2020, 2, 4);
  event.since = event.as_of;
  json out = json::parse(event_text(event, 12, "fired"));
  EXPECT_EQ(out["sequence"], 12);
  EXPECT_EQ(out["kind"], "fired");
  EXPECT_EQ(out["alert_id"], 7);
  EXPECT_EQ(out["labels"]["worker"], "W0412");
  EXPECT_EQ(out["severity"], "amber");
  EXPECT_TRUE(out["value"].is_number_integer());
  EXPECT_EQ(out["message"], event.message);
  EXPECT_EQ(out["as_of"], "2020-02-04");
  EXPECT_TRUE(json::parse(event_text(event, std::nullopt, "fired"))["sequence"].is_null());
  EXPECT_TRUE(json_number(96.6).is_number_float());
  EXPECT_TRUE(json_number(std::nan("")).is_null());
}

TEST(Acknowledgement, RoundTrip) {
  Acknowledgement ack{"Head of Service", "allocating this week", Date::from_ymd(2020, 3, 1), "2020-02-05T09:00:00Z"};
  auto back = acknowledgement_from_json(to_json(ack));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->by, ack.by);
  EXPECT_EQ(back->note, ack.note);
  EXPECT_EQ(back->review, ack.review);
  EXPECT_EQ(back->at, ack.at);
  EXPECT_TRUE(to_json(Acknowledgement{"x", "", std::nullopt, ""})["review"].is_null());
}

}  // namespace
}  // namespace bandwatch::protocol

namespace bandwatch::protocol {
namespace {

TEST(EventJsonText, SameObjectAsTheTree) {
  engine::Event event;
  event.kind = engine::EventKind::escalated;
  event.alert_id = 42;
  event.source = engine::AlertSource::indicator;
  event.rule = "icpc_timeliness";
  event.labels = {{"team", "Quote \" and \\ back\tslash"}, {"worker", "ünïcode ✓"}};
  event.severity = ast::Colour::red;
  event.value = 96.6;
  event.unit = ast::Unit::percent;
  event.formatted_value = "96.6%";
  event.message = "line\nbreak \x01 control";
  event.routes = {"performance_clinic", "workload_pressures"};
  event.as_of = Date::from_ymd(2020, 2, 4);
  event.since = Date::from_ymd(2019, 12, 31);
  Acknowledgement ack{"me", "note", std::nullopt, "2020-02-05T09:00:00Z"};
  for (std::optional<std::uint64_t> sequence : {std::optional<std::uint64_t>(7), std::optional<std::uint64_t>()}) {
    nlohmann::json tree = expected_event(event, sequence, "escalated");
    EXPECT_EQ(event_text(event, sequence, "escalated"), tree.dump());
    tree["acknowledgement"] = to_json(ack);
    EXPECT_EQ(event_text(event, sequence, "escalated", &ack), tree.dump());
  }
}

// The writer keeps the text of recent dates: whatever order dates come in (repeats, a third
// date pushing one out, the zero date), each event carries its own.
TEST(EventJsonText, EveryEventCarriesItsOwnDates) {
  engine::Event event;
  event.rule = "r";
  std::vector<Date> dates = {Date::from_ymd(2020, 1, 7), Date::from_ymd(2020, 1, 21), Date{},
                             Date::from_ymd(2020, 1, 7), Date::from_ymd(1999, 12, 31), Date::from_ymd(2020, 1, 21)};
  for (std::size_t i = 0; i < dates.size(); ++i)
    for (std::size_t j = 0; j < dates.size(); ++j) {
      event.as_of = dates[i];
      event.since = dates[(i + j) % dates.size()];
      EXPECT_EQ(event_text(event, 1, "fired"), expected_event(event, 1, "fired").dump()) << i << " " << j;
    }
}

TEST(EventJsonText, BytesThatAreNotUtf8AreReplaced) {
  std::string out;
  append_json_string(out, std::string("ok \xff\xfe end \xe2\x9c\x93 \xc3", 15));
  auto parsed = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << out;
  EXPECT_EQ(parsed.get<std::string>(), "ok \xef\xbf\xbd\xef\xbf\xbd end \xe2\x9c\x93 \xef\xbf\xbd");
  EXPECT_NO_THROW(dump_json(nlohmann::json(std::string("\xff"))));
}

}  // namespace
}  // namespace bandwatch::protocol

namespace bandwatch::protocol {
namespace {

// The writer's short cut for figures with a few decimals must print what std::to_chars prints
// (the shortest text that reads back as the same double), and fall back to it everywhere else.
TEST(JsonNumber, SameTextAsToChars) {
  std::uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  auto expected = [](double value) {
    char buffer[64];
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
  };
  std::vector<double> values = {0.001, 0.0015, 0.00099, 87.183, -87.183, 99.999, 0.1 + 0.2, 1e-7, 123456789.5,
                                999999999.999999, 1e9 + 0.5, 2.5e-3, -0.125, 12.0000001, 1.7976931348623157e308};
  for (int i = 0; i < 200000; ++i) {
    double scale = std::pow(10.0, static_cast<double>(next() % 8));
    double value = static_cast<double>(static_cast<std::int64_t>(next() % 2000000000) - 1000000000) / scale;
    values.push_back(value);
    values.push_back(std::bit_cast<double>((next() & ((1ULL << 52) - 1)) | 0x3ff0000000000000ULL) * scale);  // any mantissa
  }
  for (double value : values) {
    double whole;
    if (std::modf(value, &whole) == 0.0) continue;  // whole numbers are printed as integers
    std::string out;
    append_json_number(out, value);
    ASSERT_EQ(out, expected(value)) << "for " << expected(value);
  }
}

}  // namespace
}  // namespace bandwatch::protocol

namespace bandwatch::protocol {
namespace {

// The escaper copies runs of eight plain bytes at once: whatever the position of a quote, a
// backslash, a control character or a multi-byte character, the text must be nlohmann's.
TEST(JsonString, SameTextAsNlohmannWhereverTheSpecialBytesFall) {
  const std::vector<std::string> pieces = {"a", "Z", " ", "0", "\"", "\\", "\n", "\t", "\x01", "\x1f", "/",
                                           "£", "é", "€", "😀", "Hunts Children's Team 1", "{value}"};
  std::uint64_t state = 7;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int count = static_cast<int>((state = state * 6364136223846793005ULL + 1) >> 59);  // 0-31 pieces
    for (int k = 0; k < count; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += pieces[(state >> 33) % pieces.size()];
    }
    std::string out;
    append_json_string(out, text);
    ASSERT_EQ(out, nlohmann::json(text).dump()) << text;
  }
}

}  // namespace
}  // namespace bandwatch::protocol
