// bandwatchd's notification options (--smtp-*, --notify-*; options.cpp reads them from the
// command line and the config file). Internal to bandwatchd.
#pragma once

#include <chrono>
#include <string>

namespace bandwatch::daemon::notify {

/// The council's mail relay.
struct SmtpSettings {
  std::string url;       // smtp://HOST:PORT or smtps://HOST:PORT; empty: no mail is sent
  std::string user;      // empty: no sign-in
  std::string password;  // read from --smtp-password-file
  std::string from;      // the envelope sender and the From: address
  bool require_starttls = false;  // smtp:// only: send only once the relay has taken STARTTLS
  bool configured() const { return !url.empty(); }
};

struct NotifyOptions {
  SmtpSettings smtp;
  std::string link;  // put in every notice (the meeting pack or board); "{route}" becomes the route's name
  std::chrono::milliseconds retry_first{std::chrono::seconds(5)};  // the wait after the first failed attempt...
  std::chrono::milliseconds retry_max{std::chrono::minutes(15)};   // ...doubling each time up to this
};

}  // namespace bandwatch::daemon::notify
