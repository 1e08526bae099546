// Route members (`email`, `teams`): parsed with their places, checked (a malformed address or URL
// is an error at the member), formatted back on one line each, and the address and URL rules
// themselves.
#include "rules/route_members.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/ast.hpp"
#include "rules/checker.hpp"
#include "rules/formatter.hpp"
#include "rules/parser.hpp"

namespace bandwatch {
namespace {

using Lines = std::vector<std::string>;

/// "line:col: message" for each diagnostic of parsing and checking `text`.
Lines diagnostics_of(const std::string& text) {
  ParseResult parsed = parse(text, "t.bw");
  Lines out;
  for (const Diagnostic& d : parsed.diagnostics)
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  if (!out.empty()) return out;
  std::vector<ast::File> files;
  files.push_back(std::move(parsed.file));
  for (const Diagnostic& d : check(files))
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  return out;
}

TEST(RouteMembers, ParsedWithTheirPlaces) {
  ParseResult result = parse(R"(route workload_pressures {
  title "Workload Pressures meeting"
  email "chair@council.example", "tm@council.example"
  teams "https://council.webhook.office.com/webhookb2/abc"
  email "hos@council.example"
})", "r.bw");
  ASSERT_TRUE(result.ok()) << result.diagnostics[0].message;
  const auto& route = std::get<ast::RouteDecl>(result.file.items[0]);
  ASSERT_EQ(route.emails.size(), 3u);
  EXPECT_EQ(route.emails[0].value, "chair@council.example");
  EXPECT_EQ(route.emails[1].value, "tm@council.example");
  EXPECT_EQ(route.emails[2].value, "hos@council.example");
  EXPECT_EQ(route.emails[1].loc, (ast::Location{3, 34}));
  ASSERT_EQ(route.teams.size(), 1u);
  EXPECT_EQ(route.teams[0].value, "https://council.webhook.office.com/webhookb2/abc");
  EXPECT_EQ(route.teams[0].loc, (ast::Location{4, 9}));
}

TEST(RouteMembers, AListNeedsAStringAfterEachComma) {
  EXPECT_EQ(diagnostics_of("route r { email \"a@b.example\", }"),
            (Lines{"1:32: expected a quoted string, found '}'"}));
}

TEST(RouteMembers, MalformedMembersAreErrorsWhereTheyAreWritten) {
  EXPECT_EQ(diagnostics_of(R"(route r {
  email "chair@council.example", "chair", "Chair <chair@council.example>"
  email "tm@council", "a b@council.example"
  teams "http://hooks.example/x", "https://council.example/hook", "ftp://x.example"
})"),
            (Lines{"2:34: 'chair' is not a mail address: it has no '@'",
                   "2:43: 'Chair <chair@council.example>' has a space",
                   "3:9: 'tm@council' is not a mail address: 'council' is not a domain name (such as council.gov.uk)",
                   "3:23: 'a b@council.example' has a space",
                   "4:9: 'http://hooks.example/x' is not a webhook URL: it must start with https:// (http:// is only "
                   "for a receiver on this machine)",
                   "4:67: 'ftp://x.example' is not a webhook URL: it must start with https://"}));
}

TEST(RouteMembers, FormattedOneLinePerKind) {
  ParseResult parsed = parse(
      "route r { cadence 14 days  email \"a@council.example\",\"b@council.example\"  teams "
      "\"https://x.example/h\" title \"R\" }\n",
      "r.bw");
  ASSERT_TRUE(parsed.ok());
  std::string once = format(parsed.file);
  EXPECT_EQ(once,
            "route r {\n"
            "  title \"R\"\n"
            "  cadence 14 days\n"
            "  email \"a@council.example\", \"b@council.example\"\n"
            "  teams \"https://x.example/h\"\n"
            "}\n");
  ParseResult again = parse(once, "again.bw");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ast::dump(again.file), ast::dump(parsed.file));
}

TEST(MailAddress, PlainAddressesPass) {
  EXPECT_EQ(mail_address_problem("chair@council.example"), std::nullopt);
  EXPECT_EQ(mail_address_problem("first.last+csc@hunts.gov.uk"), std::nullopt);
  EXPECT_EQ(mail_address_problem("x@a-b.example"), std::nullopt);
}

TEST(MailAddress, EachMistakeIsNamed) {
  EXPECT_EQ(mail_address_problem(""), "an empty mail address");
  EXPECT_EQ(mail_address_problem("a@b@c.example"), "'a@b@c.example' is not a mail address: it has more than one '@'");
  EXPECT_EQ(mail_address_problem("@council.example"), "'@council.example' is not a mail address: nothing before the '@'");
  EXPECT_EQ(mail_address_problem("chair@"), "'chair@' is not a mail address: nothing after the '@'");
  EXPECT_EQ(mail_address_problem("chair.@council.example"),
            "'chair.@council.example' is not a mail address: a '.' at the start or end of the name, or two together");
  EXPECT_EQ(mail_address_problem("chair@-council.example"),
            "'chair@-council.example' is not a mail address: '-council.example' is not a domain name (such as "
            "council.gov.uk)");
  EXPECT_EQ(mail_address_problem("chair@council.example\nBcc: x@y.example"),
            "'chair@council.example\nBcc: x@y.example' has a control character (a newline or tab?)");
  EXPECT_EQ(mail_address_problem("a@b.example,c@d.example"),
            "'a@b.example,c@d.example' has ',': write one address alone, without a name or <>");
}

TEST(WebhookUrl, HttpsAnywhereHttpOnlyOnThisMachine) {
  EXPECT_EQ(webhook_url_problem("https://council.webhook.office.com/webhookb2/a@b/IncomingWebhook/c"), std::nullopt);
  EXPECT_EQ(webhook_url_problem("https://prod-01.uksouth.logic.azure.com:443/workflows/x?sig=y"), std::nullopt);
  EXPECT_EQ(webhook_url_problem("http://127.0.0.1:8080/hook"), std::nullopt);
  EXPECT_EQ(webhook_url_problem("http://localhost/hook"), std::nullopt);
  EXPECT_EQ(webhook_url_problem("http://[::1]:9/hook"), std::nullopt);
  EXPECT_EQ(webhook_url_problem("https://user:pw@council.example/"),
            "'https://user:pw@council.example/' is not a webhook URL: it has a user name or password before the host");
  EXPECT_EQ(webhook_url_problem("https://council.example:44x/"),
            "'https://council.example:44x/' is not a webhook URL: its port is not a number");
  EXPECT_EQ(webhook_url_problem("https:///path"), "'https:///path' is not a webhook URL: it has no host name");
}

}  // namespace
}  // namespace bandwatch
