// libFuzzer target for what bandwatchd reads from an ingest socket before anything is stored:
// the batch id, the header frame, the sample lines (parse_sample_line) and the batch through the
// engine (ingest_batch, then the date closed), with the daemon's limits. Any input must give
// an answer, never a crash, hang or sanitizer report; and what is answered must survive the
// wire (the reply encoded and decoded again is the same). Built only with -DBANDWATCH_FUZZ=ON.
//
// Input: the batch id, then the header, each as FuzzedDataProvider's random-length string (ended
// by a backslash and another byte), then the body (see ingest_corpus/).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/batch.hpp"
#include "engine/sample_line.hpp"
#include "loader/rule_files.hpp"
#include "protocol/protocol.hpp"

namespace {

using namespace bandwatch;

const std::vector<ast::File>& program() {
  static const loader::LoadedRules loaded = [] {
    loader::LoadedRules rules = loader::load_rules({BANDWATCH_FUZZ_RULES});
    loader::check_program(rules);
    if (has_errors(rules.diagnostics) || rules.files.empty()) __builtin_trap();
    return rules;
  }();
  return loaded.files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::string id = input.ConsumeRandomLengthString(200);
  std::string header_text = input.ConsumeRandomLengthString(600);
  std::string body = input.ConsumeRemainingBytesAsString();

  (void)protocol::valid_batch_id(id);
  std::string error;
  std::optional<protocol::IngestHeader> header = protocol::decode_ingest_header(header_text, error);
  if (header) {
    // What the daemon reads, written again, reads the same.
    std::optional<protocol::IngestHeader> again = protocol::decode_ingest_header(protocol::encode_ingest_header(*header), error);
    if (!again || again->as_of != header->as_of || again->strict != header->strict || again->close != header->close)
      __builtin_trap();
  }

  // Every line through the parser alone: an answer for each, a column within the line.
  engine::ParsedSample parsed;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + start, end - start);
    std::size_t column = 0;
    if (engine::parse_sample_line(line, parsed, error, column) == engine::LineKind::error &&
        (column == 0 || column > line.size() + 1 || error.empty()))
      __builtin_trap();
    start = end + 1;
  }

  // The batch through an engine, with small limits so they are met.
  engine::Engine engine;
  if (!engine.load(program()).ok()) __builtin_trap();
  engine::BatchOptions options;
  options.as_of = header ? header->as_of : Date::from_ymd(2020, 2, 4);
  options.earliest = Date::from_ymd(2000, 1, 1);
  options.limits.max_lines = 200;
  options.limits.max_line_bytes = 512;
  options.limits.max_labels = 4;
  options.limits.max_label_value_bytes = 64;
  options.limits.max_reported = 5;
  engine::BatchOutcome outcome = engine::ingest_batch(engine, body, options);
  if (outcome.problems.size() > options.limits.max_reported) __builtin_trap();
  (void)engine.evaluate(options.as_of);

  // The answer the daemon would give, through the wire and back.
  protocol::IngestReply reply;
  reply.batch_id = id;
  reply.ok = true;
  reply.accepted = outcome.accepted;
  for (engine::LineProblem& problem : outcome.problems)
    (problem.warning ? reply.warnings : reply.rejected).push_back({problem.line, problem.column, problem.message});
  reply.unreported = outcome.unreported;
  std::optional<protocol::IngestReply> decoded = protocol::decode_ingest_reply(protocol::encode_ingest_reply(reply), error);
  if (!decoded || decoded->accepted != reply.accepted || decoded->rejected.size() != reply.rejected.size() ||
      decoded->warnings.size() != reply.warnings.size() || decoded->unreported.size() != reply.unreported.size())
    __builtin_trap();
  return 0;
}
