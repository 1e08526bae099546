#include "teams_card.hpp"

#include "mail_text.hpp"

namespace bandwatch::daemon::notify {

using nlohmann::json;

namespace {

json text_block(const std::string& text, const char* weight = "Default", const char* size = "Default") {
  return {{"type", "TextBlock"}, {"text", text}, {"wrap", true}, {"weight", weight}, {"size", size}};
}

// Adaptive Card colours: "attention" is red, "warning" amber.
const char* band_colour(std::string_view severity) {
  if (severity == "red") return "Attention";
  if (severity == "amber") return "Warning";
  return "Default";
}

json item_container(const NoticeItem& item) {
  json facts = json::array({{{"title", "Band"}, {"value", band_word(item.severity)}}, {{"title", "Rule"}, {"value", item.rule}}});
  if (!item.value.empty()) facts.push_back({{"title", "Value"}, {"value", item.value}});
  if (item.since) facts.push_back({{"title", "Open since"}, {"value", item.since->uk()}});
  if (item.change == Change::resolved) facts.push_back({{"title", "Resolved"}, {"value", item.as_of.uk()}});
  facts.push_back({{"title", "Alert"}, {"value", std::to_string(item.alert_id)}});
  json message = text_block(single_line(item.message, 500), "Bolder");
  message["color"] = band_colour(item.severity);
  return {{"type", "Container"}, {"separator", true}, {"items", json::array({message, {{"type", "FactSet"}, {"facts", facts}}})}};
}

}  // namespace

json teams_message(const Notice& notice) {
  json body = json::array();
  body.push_back(text_block(notice.route_title, "Bolder", "Medium"));
  body.push_back(text_block(headline(notice)));
  std::size_t shown = 0;
  for (Change change : changes_in_order()) {
    bool heading = false;
    for (const NoticeItem& item : notice.items) {
      if (item.change != change || shown == kMaxCardItems) continue;
      if (!heading) body.push_back(text_block(std::string(change_heading(change)), "Bolder"));
      heading = true;
      body.push_back(item_container(item));
      ++shown;
    }
  }
  if (notice.items.size() > shown)
    body.push_back(text_block("... and " + std::to_string(notice.items.size() - shown) +
                              " more: see the meeting pack, or `bandwatch snapshot --route " + notice.route + "`"));
  if (notice.kind == Notice::Kind::digest && notice.items.empty())
    body.push_back(text_block("Nothing changed since the last digest."));
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"body", body}};
  if (!notice.link.empty())
    card["actions"] = json::array({{{"type", "Action.OpenUrl"}, {"title", "Meeting pack"}, {"url", notice.link}}});
  return {{"type", "message"},
          {"attachments",
           json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"}, {"contentUrl", nullptr}, {"content", card}}})}};
}

}  // namespace bandwatch::daemon::notify
