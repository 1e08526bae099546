// Golden diagnostics: each testdata/*.bw beside the exact text `bandwatch check` prints for it
// (*.expect), and each testdata/*.samples beside what `bandwatch eval` prints for its bad lines,
// read against the program testdata/samples/program.bw. Set BANDWATCH_UPDATE_GOLDEN=1 to rewrite
// the expectations after a deliberate change, then read them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "clients/sample_files.hpp"
#include "engine/engine.hpp"
#include "loader/rule_files.hpp"

namespace bandwatch {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> golden_inputs(std::string_view extension = ".bw") {
  std::vector<fs::path> inputs;
  for (const auto& entry : fs::directory_iterator(BANDWATCH_TESTDATA))
    if (entry.path().extension() == extension) inputs.push_back(entry.path());
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

/// The bad lines of a sample file as `bandwatch eval` prints them.
std::string sample_diagnostics_for(const fs::path& input) {
  loader::LoadedRules loaded = loader::load_rules({std::string(BANDWATCH_TESTDATA) + "/samples/program.bw"});
  engine::Engine engine;
  if (!engine.load(loaded.files).ok()) return "the samples program does not load\n";
  fs::path previous = fs::current_path();
  fs::current_path(input.parent_path());
  cli::SampleFiles files;
  std::string error;
  bool ok = files.read(engine, {input.filename().string()}, std::nullopt, error) &&
            files.replay(engine, [](const engine::Evaluation&) {}, error);
  fs::current_path(previous);
  std::string text = ok ? "" : "failed: " + error + "\n";
  for (const cli::SampleLineError& e : files.errors())
    text += e.file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " +
            (e.warning ? "warning: " : "error: ") + e.message + "\n";
  return text;
}

std::string diagnostics_for(const fs::path& input) {
  if (input.extension() == ".samples") return sample_diagnostics_for(input);
  // Diagnostics name the file as the user gave it; give the bare file name.
  fs::path previous = fs::current_path();
  fs::current_path(input.parent_path());
  loader::LoadedRules loaded = loader::load_rules({input.filename().string()});
  loader::check_program(loaded);
  fs::current_path(previous);
  std::string text;
  for (const Diagnostic& diagnostic : loaded.diagnostics)
    text += render(diagnostic, loaded.sources[diagnostic.file]);
  return text;
}

class GoldenTest : public testing::TestWithParam<fs::path> {};

TEST_P(GoldenTest, DiagnosticsMatchExpectation) {
  fs::path input = GetParam();
  fs::path expect_path = fs::path(input).replace_extension(".expect");
  std::string actual = diagnostics_for(input);
  if (std::getenv("BANDWATCH_UPDATE_GOLDEN")) {
    std::ofstream(expect_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << expect_path;
  }
  std::string expected;
  ASSERT_TRUE(loader::read_file(expect_path.string(), expected)) << "missing " << expect_path;
  EXPECT_EQ(actual, expected) << "for " << input.filename();
  EXPECT_FALSE(actual.empty()) << input.filename() << " is meant to be malformed";
}

INSTANTIATE_TEST_SUITE_P(Testdata, GoldenTest, testing::ValuesIn(golden_inputs()),
                         [](const testing::TestParamInfo<fs::path>& info) {
                           return info.param.stem().string();
                         });
INSTANTIATE_TEST_SUITE_P(Samples, GoldenTest, testing::ValuesIn(golden_inputs(".samples")),
                         [](const testing::TestParamInfo<fs::path>& info) {
                           return info.param.stem().string();
                         });

TEST(GoldenCorpus, HasAtLeastThirtyMalformedInputs) { EXPECT_GE(golden_inputs().size(), 30u); }

}  // namespace
}  // namespace bandwatch
