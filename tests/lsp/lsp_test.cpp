// `bandwatch lsp` driven over stdio as an editor drives it: initialize, didOpen with errors
// (diagnostics at the right line and column with the checker's words), hover, completion,
// formatting, a change that fixes the error, malformed and oversized messages, shutdown and exit.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "lsp_client.hpp"

namespace bandwatch::lsp_test {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Declared in a file on disk that the editor never opens: its names must still resolve.
constexpr const char* kCommon = R"(metric caseload {
  title "Cases per worker"
  unit count
  labels worker, team
}

route clinic {
  title "Performance clinic"
}
)";

// The document opened: an indicator, and a rule naming a route with a typo (line 14, col 9).
constexpr const char* kOpened = R"(indicator visits {
  title "Visits in timescale"
  unit percent
  better higher
  bands {
    green >= 95%
    amber >= 90% and < 95%
    red < 90%
  }
  route clinic
}

rule heavy {
  route clinc
  when caseload > 20
  severity amber
}
)";

/// The error and warning lines `bandwatch check DIR` prints: "path:line:col: severity: message".
std::vector<std::string> check_lines(const fs::path& dir) {
  std::string command = std::string(BANDWATCH_PATH) + " check " + dir.string() + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  ::pclose(pipe);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    if (line.rfind(dir.string(), 0) == 0 && (line.find(": error: ") != std::string::npos || line.find(": warning: ") != std::string::npos))
      lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

class LspTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/bandwatch-lsp-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir = pattern;
    write_file(dir / "common.bw", kCommon);
    write_file(dir / "visits.bw", kOpened);
    uri = file_uri((dir / "visits.bw").string());
  }
  void TearDown() override { fs::remove_all(dir); }

  /// Starts the server and initializes it with `dir` as the workspace.
  json initialize(LspClient& client) {
    int id = client.request("initialize", {{"processId", ::getpid()},
                                           {"rootUri", file_uri(dir.string())},
                                           {"capabilities", json::object()}});
    std::optional<json> reply = client.response(id);
    EXPECT_TRUE(reply.has_value());
    client.notify("initialized", json::object());
    return reply ? *reply : json();
  }

  void open(LspClient& client, const std::string& text, int version = 1) {
    client.notify("textDocument/didOpen",
                  {{"textDocument", {{"uri", uri}, {"languageId", "bandwatch"}, {"version", version}, {"text", text}}}});
  }

  fs::path dir;
  std::string uri;
};

TEST_F(LspTest, InitializeAnnouncesWhatTheServerDoes) {
  LspClient client;
  json reply = initialize(client);
  const json& capabilities = reply["result"]["capabilities"];
  EXPECT_EQ(capabilities["textDocumentSync"]["change"], 1);  // full text
  EXPECT_EQ(capabilities["hoverProvider"], true);
  EXPECT_EQ(capabilities["documentFormattingProvider"], true);
  EXPECT_EQ(reply["result"]["serverInfo"]["name"], "bandwatch");
}

TEST_F(LspTest, DiagnosticsOnOpenAreTheCheckersAtItsPlace) {
  LspClient client;
  initialize(client);
  open(client, kOpened);
  std::optional<json> published = client.diagnostics(uri);
  ASSERT_TRUE(published.has_value());
  const json& diagnostics = (*published)["params"]["diagnostics"];
  ASSERT_EQ(diagnostics.size(), 1u) << diagnostics.dump(2);
  const json& d = diagnostics[0];
  // `caseload` (declared in common.bw, never opened) resolves; the route's typo does not, and is
  // shown at the `route` of line 14 (0-based 13), with a did-you-mean.
  std::string message = d["message"];
  EXPECT_NE(message.find("unknown route 'clinc'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'clinic'?"), std::string::npos) << message;
  EXPECT_EQ(d["severity"], 1);
  EXPECT_EQ(d["range"]["start"], (json{{"line", 13}, {"character", 2}}));
  EXPECT_EQ(d["range"]["end"], (json{{"line", 13}, {"character", 7}}));
  EXPECT_EQ(d["source"], "bandwatch");
  EXPECT_EQ((*published)["params"]["version"], 1);
  // The same words at the same place as `bandwatch check` prints for the folder.
  EXPECT_EQ(check_lines(dir), (std::vector<std::string>{(dir / "visits.bw").string() + ":14:3: error: " + message}));
}

TEST_F(LspTest, SyntaxErrorAsTypedThenFixedByAChange) {
  LspClient client;
  initialize(client);
  open(client, "indicator re-referrals {\n  unit percent\n}\n");
  std::optional<json> published = client.diagnostics(uri);
  ASSERT_TRUE(published.has_value());
  const json& diagnostics = (*published)["params"]["diagnostics"];
  ASSERT_GE(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0]["range"]["start"]["line"], 0);
  EXPECT_EQ(diagnostics[0]["range"]["start"]["character"], 12);
  std::string message = diagnostics[0]["message"];
  EXPECT_NE(message.find("'-'"), std::string::npos) << message;
  write_file(dir / "visits.bw", "indicator re-referrals {\n  unit percent\n}\n");
  EXPECT_EQ(check_lines(dir), (std::vector<std::string>{(dir / "visits.bw").string() + ":1:13: error: " + message}));

  client.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                           {"contentChanges", json::array({{{"text", kOpened}}})}});
  published = client.diagnostics(uri);
  ASSERT_TRUE(published.has_value());
  EXPECT_EQ((*published)["params"]["version"], 2);
  ASSERT_EQ((*published)["params"]["diagnostics"].size(), 1u);
  EXPECT_NE((*published)["params"]["diagnostics"][0]["message"].get<std::string>().find("unknown route 'clinc'"),
            std::string::npos);
}

TEST_F(LspTest, HoverShowsAnIndicatorsBandsUnitAndPolarity) {
  LspClient client;
  initialize(client);
  open(client, kOpened);
  client.diagnostics(uri);
  int id = client.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 12}}}});
  std::optional<json> reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["result"]["contents"]["kind"], "markdown");
  EXPECT_EQ((*reply)["result"]["contents"]["value"],
            "**indicator** `visits` — Visits in timescale\n\n"
            "unit percent · better higher\n\n"
            "- bands: green >= 95%, amber >= 90% and < 95%, red < 90%\n"
            "\nRoutes: clinic\n");
  EXPECT_EQ((*reply)["result"]["range"]["start"]["character"], 10);
  EXPECT_EQ((*reply)["result"]["range"]["end"]["character"], 16);
}

TEST_F(LspTest, HoverShowsAMetricsLabelsFromAnotherFile) {
  LspClient client;
  initialize(client);
  open(client, kOpened);
  client.diagnostics(uri);
  // `caseload` in `  when caseload > 20` (line 14).
  int id = client.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 14}, {"character", 9}}}});
  std::optional<json> reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["result"]["contents"]["value"],
            "**metric** `caseload` — Cases per worker\n\nunit count\n\nLabels: worker, team\n");
}

TEST_F(LspTest, HoverShowsLastValuesFromSamples) {
  write_file(dir / "samples.txt",
             "visits 93.5 2020-02-29\n"
             "visits 96.2 2020-03-31\n");
  LspClient client({"--samples", (dir / "samples.txt").string()});
  initialize(client);
  std::string fixed = kOpened;
  fixed.replace(fixed.find("clinc"), 5, "clinic");
  open(client, fixed);
  client.diagnostics(uri);
  int id = client.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 12}}}});
  std::optional<json> reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  std::string text = (*reply)["result"]["contents"]["value"];
  EXPECT_NE(text.find("\nLast values (samples, as of 2020-03-31):\n- (no labels): 96.2% **green** (2020-03-31)\n"),
            std::string::npos)
      << text;
}

std::set<std::string> labels_of(const json& reply) {
  std::set<std::string> out;
  for (const json& item : reply["result"]["items"]) out.insert(item["label"].get<std::string>());
  return out;
}

TEST_F(LspTest, CompletionOffersLabelsRoutesAndNames) {
  LspClient client;
  initialize(client);
  std::string text = std::string(kOpened) + "\nrule busy {\n  when caseload{\n  route \n}\n";
  open(client, text);
  client.diagnostics(uri);
  // After `caseload{` (line 19): the metric's labels, nothing else.
  int id = client.request("textDocument/completion",
                          {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 19}, {"character", 16}}}});
  std::optional<json> reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(labels_of(*reply), (std::set<std::string>{"team", "worker"}));
  // After `route ` inside a block (line 20): the routes.
  id = client.request("textDocument/completion",
                      {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 20}, {"character", 8}}}});
  reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(labels_of(*reply), (std::set<std::string>{"clinic"}));
  // At the start of `  when ` (line 14, after "when "): names of the program and the keywords.
  id = client.request("textDocument/completion",
                      {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 14}, {"character", 7}}}});
  reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  std::set<std::string> names = labels_of(*reply);
  for (const char* expected : {"caseload", "visits", "clinic", "team", "worker", "indicator", "pct_change", "amber"})
    EXPECT_TRUE(names.count(expected)) << expected;
  for (const json& item : (*reply)["result"]["items"])
    if (item["label"] == "caseload") EXPECT_EQ(item["detail"], "metric: Cases per worker");
}

TEST_F(LspTest, FormattingIsBandwatchFmts) {
  LspClient client;
  initialize(client);
  open(client, "metric  x {unit count}\nrule r { when x>1 }\n");
  client.diagnostics(uri);
  int id = client.request("textDocument/formatting",
                          {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}});
  std::optional<json> reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  const json& edits = (*reply)["result"];
  ASSERT_EQ(edits.size(), 1u) << reply->dump(2);
  EXPECT_EQ(edits[0]["newText"], "metric x {\n  unit count\n}\n\nrule r {\n  when x > 1\n}\n");
  EXPECT_EQ(edits[0]["range"]["start"], (json{{"line", 0}, {"character", 0}}));
  EXPECT_EQ(edits[0]["range"]["end"], (json{{"line", 2}, {"character", 0}}));

  // A file with a syntax error is not formatted: the request fails saying why.
  client.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                           {"contentChanges", json::array({{{"text", "metric {\n"}}})}});
  id = client.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}, {"options", json::object()}});
  reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32803);
  EXPECT_EQ((*reply)["error"]["message"].get<std::string>().rfind("cannot format a file with a syntax error: 1:8: ", 0), 0u)
      << (*reply)["error"]["message"];
}

TEST_F(LspTest, MalformedAndOversizedMessagesAreAnsweredNotFatal) {
  LspClient client({"--max-message-bytes", "4096"});
  initialize(client);
  client.write_raw("Content-Length: 9\r\n\r\n{not json");
  std::optional<json> reply = client.next();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32700);
  EXPECT_TRUE((*reply)["id"].is_null());

  std::string big(10000, ' ');
  client.write_raw("Content-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big);
  reply = client.next();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32600);
  EXPECT_EQ((*reply)["error"]["message"], "a message of 10000 bytes, over the limit of 4096 (--max-message-bytes)");

  client.write_raw("Content-Type: x\r\n\r\n");
  reply = client.next();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["message"], "a message without a Content-Length header");

  client.send(json::array({1, 2}));
  reply = client.next();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32600);

  int id = client.request("no/such/method", json::object());
  reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32601);

  id = client.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}});
  reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32602);

  // Still serving: a shutdown is answered, and exit ends the process with 0.
  id = client.request("shutdown", nullptr);
  reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE((*reply)["result"].is_null());
  client.notify("exit", nullptr);
  EXPECT_EQ(client.wait_exit(), 0);
}

TEST_F(LspTest, RequestsBeforeInitializeAreRefused) {
  LspClient client;
  int id = client.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 0}}}});
  std::optional<json> reply = client.response(id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["error"]["code"], -32002);
  // An exit without a shutdown ends with 1, as the protocol says.
  client.notify("exit", nullptr);
  EXPECT_EQ(client.wait_exit(), 1);
}

}  // namespace
}  // namespace bandwatch::lsp_test
