// Parse and check a generated program of 10,000 rules and indicators (issue 2): the front end
// must stay well under a second for a council's whole rule book.
#include <benchmark/benchmark.h>

#include <string>

#include "rules/checker.hpp"
#include "rules/parser.hpp"

namespace {

// 5,000 indicators and 5,000 rules over 5,000 labelled metrics, in the shapes of examples/.
std::string generated_program(int blocks) {
  std::string source = "route workload_pressures { title \"Workload Pressures meeting\" cadence 14 days }\n";
  source.reserve(static_cast<std::size_t>(blocks) * 420);
  for (int i = 0; i < blocks / 2; ++i) {
    std::string n = std::to_string(i);
    int green = 90 + i % 10;
    source += "metric m" + n + " { unit percent  labels team, team_kind }\n";
    source += "indicator m" + n + " {\n  title \"Indicator " + n + "\"\n  unit percent  better higher  frame year_to_date\n"
              "  bands { green >= " + std::to_string(green) + "%  amber " + std::to_string(green - 5) + "% .. " +
              std::to_string(green - 1) + "%  red <= " + std::to_string(green - 6) + "% }\n"
              "  bands where team_kind in (\"assessment\") { green >= 80%  red < 80% }\n  round 0\n}\n";
    source += "rule r" + n + " {\n  when m" + n + " < " + std::to_string(green - 10) +
              "% and not team_kind == \"assessment\"\n  severity amber\n"
              "  escalate red after 2 periods\n  route workload_pressures\n  message \"{team} at {value}\"\n}\n";
  }
  return source;
}

void BM_ParseAndCheck10kBlocks(benchmark::State& state) {
  std::string source = generated_program(10'000);
  for (auto _ : state) {
    bandwatch::ParseResult result = bandwatch::parse(source, "generated.bw");
    if (!result.ok()) state.SkipWithError("generated program does not parse");
    std::vector<bandwatch::Diagnostic> diagnostics = bandwatch::check({result.file});
    if (bandwatch::has_errors(diagnostics)) state.SkipWithError("generated program has errors");
    benchmark::DoNotOptimize(diagnostics);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * source.size()));
  state.counters["blocks"] = 10'000;
}
BENCHMARK(BM_ParseAndCheck10kBlocks)->Unit(benchmark::kMillisecond);

void BM_ParseOnly10kBlocks(benchmark::State& state) {
  std::string source = generated_program(10'000);
  for (auto _ : state) benchmark::DoNotOptimize(bandwatch::parse(source, "generated.bw"));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * source.size()));
}
BENCHMARK(BM_ParseOnly10kBlocks)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
