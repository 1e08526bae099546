// The live board's sign-in and actions with the real daemon on loopback: accounts made with
// `bandwatch passwd`, sign-in with CSRF and HttpOnly SameSite=Strict cookies, roles per forum
// (viewer reads, member acknowledges, chair silences: 403 otherwise), an acknowledgement from
// the page seen in `bandwatch snapshot` and on the page stream; and the trusted-header mode,
// believed from the configured proxy address only.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "board_client.hpp"
#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

/// `bandwatch passwd USER --accounts FILE ARGS...` with `password` on stdin.
Result passwd(const std::string& file, const std::string& user, const std::string& password,
              const std::vector<std::string>& args) {
  std::string command = "printf '%s\\n' '" + password + "' | '" + bandwatch_path() + "' passwd " + user + " --accounts '" + file + "'";
  for (const std::string& arg : args) command += " '" + arg + "'";
  return run({"/bin/sh", "-c", command});
}

class BoardSignInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    accounts_ = dir_ / "accounts.json";
    Result jane = passwd(accounts_, "jane", "correct horse", {"--name", "Jane Humphreys", "--role", "workload_pressures=member"});
    ASSERT_EQ(jane.code, 0) << jane.err;
    EXPECT_EQ(jane.out, accounts_ + ": jane (Jane Humphreys), roles: workload_pressures=member\n");
    ASSERT_EQ(passwd(accounts_, "dcs", "chair pass 1", {"--name", "Director", "--role", "*=chair"}).code, 0);
    ASSERT_EQ(passwd(accounts_, "vic", "viewer pass", {"--role", "workload_pressures=viewer"}).code, 0);
    std::vector<std::string> options{"--sync", "normal", "--http", "127.0.0.1:0", "--http-accounts", accounts_};
    options.insert(options.end(), extra_.begin(), extra_.end());
    daemon_ = std::make_unique<Daemon>(dir_.path(), std::vector<std::string>{testdata("rules.bw")}, options);
    daemon_->start();
    address_ = board_address(*daemon_);
    ASSERT_EQ(daemon_->send({file("s.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n")}).code, 0);
    alert_ = std::to_string(daemon_->snapshot()["alerts"].at(0)["id"].get<std::uint64_t>());
  }
  void TearDown() override { board_source_address().clear(); }
  std::string file(const std::string& name, const std::string& text) {
    write_text(dir_ / name, text);
    return dir_ / name;
  }
  /// Signs in through the form; the session cookie ("bw_session=...").
  std::string sign_in(const std::string& user, const std::string& password, HttpAnswer* answer_out = nullptr) {
    HttpAnswer form = board_http(address_, "GET", "/signin?next=/route/workload_pressures");
    std::string pre = board_cookie(form, "bw_pre");
    std::string csrf = board_attribute(form.body, "name=\"csrf\"", "value");
    HttpAnswer answer = board_http(address_, "POST", "/signin", {{"Cookie", pre}},
                                   "csrf=" + csrf + "&next=%2Froute%2Fworkload_pressures&user=" + user + "&password=" + password);
    if (answer_out) *answer_out = answer;
    return board_cookie(answer, "bw_session");
  }
  /// The route page as `cookie` sees it, once the board shows the alert.
  HttpAnswer page(const std::string& cookie) {
    HttpAnswer answer;
    wait_until([&] {
      answer = board_http(address_, "GET", "/route/workload_pressures", {{"Cookie", cookie}});
      return answer.body.find("data-alert=\"" + alert_ + "\"") != std::string::npos;
    });
    return answer;
  }
  std::string csrf_of(const HttpAnswer& page) { return board_attribute(page.body, "name=\"csrf\"", "value"); }

  TempDir dir_;
  std::string accounts_, address_, alert_;
  std::vector<std::string> extra_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(BoardSignInTest, PasswdKeepsArgon2idHashesOnlyInAPrivateFile) {
  json file = json::parse(read_text(accounts_));
  std::string hash = file["accounts"]["jane"]["hash"];
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(read_text(accounts_).find("correct horse"), std::string::npos);
  EXPECT_EQ(file["accounts"]["jane"]["roles"], (json{{"workload_pressures", "member"}}));
  EXPECT_EQ(file["accounts"]["dcs"]["roles"], (json{{"*", "chair"}}));
  struct stat info {};
  ASSERT_EQ(::stat(accounts_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  Result bad = passwd(accounts_, "jane", "correct horse", {"--role", "workload_pressures=boss"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--role workload_pressures=boss: the role must be viewer, member, chair or none"), std::string::npos)
      << bad.err;
}

TEST_F(BoardSignInTest, SignInSetsAStrictHttpOnlyCookieAndAWrongPasswordIsRefused) {
  HttpAnswer wrong;
  EXPECT_EQ(sign_in("jane", "wrong", &wrong), "");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("The user name or password is not right."), std::string::npos);
  HttpAnswer right;
  std::string cookie = sign_in("jane", "correct%20horse", &right);
  EXPECT_EQ(right.status, 303);
  EXPECT_EQ(right.header("location"), "/route/workload_pressures");
  ASSERT_FALSE(cookie.empty()) << right.header("set-cookie");
  std::string set_cookie = right.header("set-cookie");
  EXPECT_NE(set_cookie.find("; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);  // plain http on loopback
  HttpAnswer signed_in = page(cookie);
  EXPECT_NE(signed_in.body.find("Signed in as <strong id=\"who\">Jane Humphreys</strong>"), std::string::npos);
  EXPECT_NE(signed_in.body.find("action=\"/route/workload_pressures/ack\""), std::string::npos);
  EXPECT_EQ(signed_in.body.find("action=\"/route/workload_pressures/silence\""), std::string::npos);  // a member
  // A sign-in form posted without its cookie's token is refused.
  HttpAnswer forged = board_http(address_, "POST", "/signin", {}, "csrf=x&user=jane&password=correct%20horse");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(board_cookie(forged, "bw_session"), "");
}

TEST_F(BoardSignInTest, AcknowledgeFromThePageGoesIntoTheSnapshotWithTheSignedInName) {
  std::string cookie = sign_in("jane", "correct%20horse");
  ASSERT_FALSE(cookie.empty());
  HttpAnswer before = page(cookie);
  std::string csrf = csrf_of(before);
  ASSERT_EQ(csrf.size(), 64u) << before.body;
  BoardStream stream(address_, "/route/workload_pressures/events?after=1", {{"Cookie", cookie}});
  ASSERT_TRUE(stream.wait_for("retry: 2000")) << stream.text();

  // Without the token, or with another: 403, and nothing acknowledged.
  HttpAnswer missing = board_http(address_, "POST", "/route/workload_pressures/ack",
                                  {{"Cookie", cookie}, {"Accept", "application/json"}}, "alert=" + alert_ + "&note=x");
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(json::parse(missing.body)["error"], "The form's token is missing or not this session's (CSRF): reload the page.");
  HttpAnswer other = board_http(address_, "POST", "/route/workload_pressures/ack", {{"Cookie", cookie}},
                                "csrf=" + std::string(64, 'a') + "&alert=" + alert_);
  EXPECT_EQ(other.status, 403);
  EXPECT_TRUE(daemon_->snapshot()["alerts"].at(0)["acknowledgement"].is_null());

  HttpAnswer done = board_http(address_, "POST", "/route/workload_pressures/ack",
                               {{"Cookie", cookie}, {"Accept", "application/json"}},
                               "csrf=" + csrf + "&alert=" + alert_ + "&note=Two+cases+reallocated&review=18%2F02%2F2020");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json::parse(done.body), (json{{"ok", true}, {"message", "Acknowledged as Jane Humphreys."}}));
  Result snapshot = daemon_->control("snapshot", {"--format", "json"});
  ASSERT_EQ(snapshot.code, 0) << snapshot.err;
  json ack = json::parse(snapshot.out)["alerts"].at(0)["acknowledgement"];
  EXPECT_EQ(ack["by"], "Jane Humphreys");
  EXPECT_EQ(ack["note"], "Two cases reallocated");
  EXPECT_EQ(ack["review"], "2020-02-18");
  // Published like `bandwatch ack`'s: the page stream has it, numbered 2 on the route.
  ASSERT_TRUE(stream.wait_for("\"kind\":\"acknowledged\"")) << stream.text();
  EXPECT_EQ(stream.events().back().id, "2");
  // And the page shows it.
  HttpAnswer after;
  wait_until([&] {
    after = board_http(address_, "GET", "/route/workload_pressures", {{"Cookie", cookie}});
    return after.body.find("Acknowledged by <strong class=\"ack-by\">Jane Humphreys</strong>") != std::string::npos;
  });
  EXPECT_NE(after.body.find("Two cases reallocated"), std::string::npos);
}

TEST_F(BoardSignInTest, RolesDecideWhatMayBeDone) {
  std::string viewer = sign_in("vic", "viewer%20pass");
  ASSERT_FALSE(viewer.empty());
  HttpAnswer viewer_page = page(viewer);
  EXPECT_EQ(viewer_page.body.find("action=\"/route/workload_pressures/ack\""), std::string::npos);
  HttpAnswer refused = board_http(address_, "POST", "/route/workload_pressures/ack",
                                  {{"Cookie", viewer}, {"Accept", "application/json"}},
                                  "csrf=" + csrf_of(viewer_page) + "&alert=" + alert_);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(json::parse(refused.body)["error"], "Acknowledging needs the role member or chair on this forum; yours is viewer.");
  std::string member = sign_in("jane", "correct%20horse");
  HttpAnswer member_page = page(member);
  // jane has no role on the performance clinic: on loopback she reads it, as anyone there may.
  HttpAnswer elsewhere = board_http(address_, "POST", "/route/performance_clinic/ack",
                                    {{"Cookie", member}, {"Accept", "application/json"}},
                                    "csrf=" + csrf_of(member_page) + "&alert=" + alert_);
  EXPECT_EQ(elsewhere.status, 403);
  EXPECT_EQ(json::parse(elsewhere.body)["error"], "Acknowledging needs the role member or chair on this forum; yours is viewer.");
  HttpAnswer no_silence = board_http(address_, "POST", "/route/workload_pressures/silence",
                                     {{"Cookie", member}, {"Accept", "application/json"}},
                                     "csrf=" + csrf_of(member_page) + "&alert=" + alert_ + "&until=2020-03-31");
  EXPECT_EQ(no_silence.status, 403);
  EXPECT_EQ(json::parse(no_silence.body)["error"], "Silencing needs the role chair on this forum; yours is member.");

  std::string chair = sign_in("dcs", "chair%20pass%201");
  HttpAnswer chair_page = page(chair);
  EXPECT_NE(chair_page.body.find("action=\"/route/workload_pressures/silence\""), std::string::npos);
  HttpAnswer silenced = board_http(address_, "POST", "/route/workload_pressures/silence",
                                   {{"Cookie", chair}, {"Accept", "application/json"}},
                                   "csrf=" + csrf_of(chair_page) + "&alert=" + alert_ + "&until=2020-03-31&note=Agreed");
  ASSERT_EQ(silenced.status, 200) << silenced.body;
  EXPECT_EQ(json::parse(silenced.body)["message"], "Silenced until 31/03/2020 by Director.");
  json status = daemon_->status();
  EXPECT_EQ(status["silences"], 1);
  EXPECT_EQ(status["silenced_alerts"], 1);
  // Another session's token does not do for this one.
  HttpAnswer crossed = board_http(address_, "POST", "/route/workload_pressures/ack", {{"Cookie", chair}},
                                  "csrf=" + csrf_of(member_page) + "&alert=" + alert_);
  EXPECT_EQ(crossed.status, 403);
  // Signing out ends the session.
  EXPECT_EQ(board_http(address_, "POST", "/signout", {{"Cookie", chair}}, "csrf=" + csrf_of(chair_page)).status, 303);
  HttpAnswer gone = board_http(address_, "GET", "/route/workload_pressures", {{"Cookie", chair}});
  EXPECT_NE(gone.body.find("Viewing only"), std::string::npos);
}

class BoardProxyTest : public BoardSignInTest {
 protected:
  BoardProxyTest() { extra_ = {"--http-trusted-header", "X-Remote-User", "--http-trusted-proxy", "127.0.0.1"}; }
};

TEST_F(BoardProxyTest, TheProxysHeaderSignsInFromTheProxyOnly) {
  ASSERT_EQ(passwd(accounts_, "sso.jane", "", {"--no-password", "--name", "Jane (SSO)", "--role", "*=member"}).code, 0);
  HttpAnswer via_proxy;
  wait_until([&] {
    via_proxy = board_http(address_, "GET", "/route/workload_pressures", {{"X-Remote-User", "sso.jane"}});
    return via_proxy.body.find("Jane (SSO)") != std::string::npos && via_proxy.body.find("data-alert") != std::string::npos;
  });
  ASSERT_NE(via_proxy.body.find("Signed in as <strong id=\"who\">Jane (SSO)</strong>"), std::string::npos) << via_proxy.body;
  HttpAnswer done = board_http(address_, "POST", "/route/workload_pressures/ack",
                               {{"X-Remote-User", "sso.jane"}, {"Accept", "application/json"}},
                               "csrf=" + csrf_of(via_proxy) + "&alert=" + alert_ + "&note=via+SSO");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(daemon_->snapshot()["alerts"].at(0)["acknowledgement"]["by"], "Jane (SSO)");
  // Without the token, refused as from a session.
  EXPECT_EQ(board_http(address_, "POST", "/route/workload_pressures/ack", {{"X-Remote-User", "sso.jane"}}, "alert=" + alert_)
                .status,
            403);
  // A user the proxy names who is not in the file gets --http-proxy-role (viewer).
  HttpAnswer stranger = board_http(address_, "GET", "/route/workload_pressures", {{"X-Remote-User", "someone"}});
  EXPECT_NE(stranger.body.find("<span class=\"role\">viewer</span>"), std::string::npos);

  // The same header from another address (127.0.0.2: not the proxy) is not believed.
  board_source_address() = "127.0.0.2";
  HttpAnswer forged = board_http(address_, "GET", "/route/workload_pressures", {{"X-Remote-User", "sso.jane"}});
  EXPECT_EQ(forged.status, 200);
  EXPECT_EQ(forged.body.find("Jane (SSO)"), std::string::npos);
  EXPECT_NE(forged.body.find("Viewing only"), std::string::npos);
  HttpAnswer forged_ack = board_http(address_, "POST", "/route/workload_pressures/ack", {{"X-Remote-User", "sso.jane"}},
                                     "csrf=" + csrf_of(via_proxy) + "&alert=" + alert_);
  EXPECT_EQ(forged_ack.status, 403);
}

}  // namespace
}  // namespace bandwatch::e2e
