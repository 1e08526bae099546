// Sending what the outbox holds, through libcurl: a mail to the council's relay (SMTP, SMTPS or
// SMTP with STARTTLS, optionally authenticated) as multipart/alternative (plain text and HTML,
// quoted-printable, built by curl's MIME API), and a JSON POST to a Teams webhook. Each call is
// one attempt; the caller decides about retrying from the result. Internal to bandwatchd.
//
// Payloads are composed once, when a message is queued, and stored: a retry sends the same
// headers (Date, Message-ID) and body as the first attempt.
//
// Thread safety: call curl_setup() once on the main thread first; then any thread may send (each
// call has its own curl handle).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mail_text.hpp"
#include "notify_options.hpp"

namespace bandwatch::daemon::notify {

/// What one attempt came to.
struct Attempt {
  bool ok = false;
  bool permanent = false;  // the receiver refused this message for good (retrying will not help)
  std::string error;       // for the log and `status`
};

/// curl_global_init, once per process (it is not thread-safe).
void curl_setup();

/// The stored payload of a mail: {"from","to":[...],"subject","text","html","date","message_id"}.
/// `date` and the message id are fixed now, so every attempt sends the same message.
nlohmann::json mail_payload(const MailText& mail, const std::string& from, const std::vector<std::string>& to,
                            const std::string& key);

/// The stored payload of a Teams post: {"url", "body"} (the body as the text to send).
nlohmann::json webhook_payload(const std::string& url, const nlohmann::json& message);

/// One attempt at each; `stop` aborts a transfer in progress (the daemon is stopping).
Attempt send_mail(const SmtpSettings& smtp, const nlohmann::json& payload, const std::atomic<bool>& stop);
Attempt post_webhook(const nlohmann::json& payload, const std::atomic<bool>& stop);

/// `text` as a header value: as it is when printable ASCII, else an RFC 2047 encoded word
/// (=?UTF-8?B?...?=), split so no encoded word is over 75 characters.
std::string header_text(std::string_view text);

}  // namespace bandwatch::daemon::notify
