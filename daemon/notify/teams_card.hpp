// A notice as the message a Microsoft Teams incoming webhook or Workflows ("Post to a channel
// when a webhook request is received") takes: {"type":"message","attachments":[an Adaptive
// Card 1.4]}. Teams refuses cards over about 28 KB, so a card lists the first kMaxCardItems
// items and says how many more there are. Internal to bandwatchd; pure.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "notice.hpp"

namespace bandwatch::daemon::notify {

inline constexpr std::size_t kMaxCardItems = 25;

nlohmann::json teams_message(const Notice& notice);

}  // namespace bandwatch::daemon::notify
