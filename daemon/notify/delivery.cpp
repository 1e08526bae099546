#include "delivery.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

namespace bandwatch::daemon::notify {

using nlohmann::json;

namespace {

constexpr long kConnectTimeoutSeconds = 20;
constexpr long kTransferTimeoutSeconds = 120;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MimeDeleter {
  void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown) {
    (void)list.release();
    list.reset(grown);
  }
}

/// Aborts the transfer when the daemon stops (a relay that hangs must not hold up shutdown).
int progress(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(stop)->load() ? 1 : 0;
}

void common_options(CURL* curl, const std::atomic<bool>& stop, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, kTransferTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&stop));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  error_buffer[0] = '\0';
}

std::string describe(CURLcode code, const char* error_buffer) {
  return error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
}

std::string rfc5322_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday], utc.tm_mday,
                kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace

void curl_setup() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string header_text(std::string_view text) {
  bool plain = true;
  for (char c : text) plain = plain && c >= 0x20 && c < 0x7f;
  if (plain) return std::string(text);
  // 45 bytes of text become 60 characters of base64: with "=?UTF-8?B?" and "?=" within 75.
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t take = std::min<std::size_t>(45, text.size() - at);
    while (at + take < text.size() && take > 0 && (static_cast<unsigned char>(text[at + take]) & 0xC0) == 0x80)
      --take;  // whole UTF-8 characters in each word
    if (take == 0) take = std::min<std::size_t>(45, text.size() - at);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(at, take)) + "?=";
    at += take;
  }
  return out;
}

json mail_payload(const MailText& mail, const std::string& from, const std::vector<std::string>& to,
                  const std::string& key) {
  std::string id;
  for (char c : key) id += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '.';
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  std::string domain = from.substr(from.rfind('@') + 1);
  return {{"from", from},
          {"to", to},
          {"subject", mail.subject},
          {"text", mail.text},
          {"html", mail.html},
          {"date", rfc5322_now()},
          {"message_id", "<" + id + "." + std::to_string(ms.count()) + ".bandwatch@" + domain + ">"}};
}

json webhook_payload(const std::string& url, const json& message) {
  return {{"url", url}, {"body", message.dump()}};
}

Attempt send_mail(const SmtpSettings& smtp, const json& payload, const std::atomic<bool>& stop) {
  Attempt attempt;
  CurlHandle curl(curl_easy_init());
  if (!curl) return {false, false, "cannot start libcurl"};
  char error_buffer[CURL_ERROR_SIZE];
  common_options(curl.get(), stop, error_buffer);
  std::string from = payload.value("from", "");
  std::string subject = payload.value("subject", ""), text = payload.value("text", ""), html = payload.value("html", "");
  curl_easy_setopt(curl.get(), CURLOPT_URL, smtp.url.c_str());
  if (!smtp.user.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_USERNAME, smtp.user.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PASSWORD, smtp.password.c_str());
  }
  // smtps:// is TLS from the start; on smtp://, STARTTLS when the relay offers it, and required
  // with --smtp-starttls or a password (credentials never go in clear).
  bool require = smtp.require_starttls || !smtp.user.empty();
  curl_easy_setopt(curl.get(), CURLOPT_USE_SSL, static_cast<long>(require ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  std::string envelope_from = "<" + from + ">";
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, envelope_from.c_str());
  Slist recipients;
  std::string to_header;
  for (const json& address : payload.value("to", json::array())) {
    if (!address.is_string()) continue;
    append(recipients, "<" + address.get<std::string>() + ">");
    to_header += (to_header.empty() ? "" : ",\r\n ") + address.get<std::string>();
  }
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, recipients.get());
  // One bad mailbox does not stop the rest. (Spelt with three Ls before curl 8.2, as in Debian 12.)
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);

  Slist headers;
  append(headers, "Date: " + payload.value("date", ""));
  append(headers, "From: bandwatch <" + from + ">");
  append(headers, "To: " + to_header);
  append(headers, "Subject: " + header_text(subject));
  append(headers, "Message-ID: " + payload.value("message_id", ""));
  append(headers, "Auto-Submitted: auto-generated");  // RFC 3834: no out-of-office replies
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());

  // multipart/mixed (curl's top level for mail) holding one multipart/alternative: text, HTML.
  std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(curl.get()));
  curl_mime* alternative = curl_mime_init(curl.get());
  curl_mimepart* part = curl_mime_addpart(alternative);
  curl_mime_data(part, text.data(), text.size());
  curl_mime_type(part, "text/plain; charset=utf-8");
  curl_mime_encoder(part, "quoted-printable");
  part = curl_mime_addpart(alternative);
  curl_mime_data(part, html.data(), html.size());
  curl_mime_type(part, "text/html; charset=utf-8");
  curl_mime_encoder(part, "quoted-printable");
  part = curl_mime_addpart(mime.get());
  curl_mime_subparts(part, alternative);  // owned by `mime` from here
  curl_mime_type(part, "multipart/alternative");
  curl_slist* inline_header = curl_slist_append(nullptr, "Content-Disposition: inline");
  curl_mime_headers(part, inline_header, 1);
  curl_easy_setopt(curl.get(), CURLOPT_MIMEPOST, mime.get());

  CURLcode code = curl_easy_perform(curl.get());
  if (code == CURLE_OK) return {true, false, ""};
  long response = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response);
  attempt.error = describe(code, error_buffer);
  if (response) attempt.error += " (the relay answered " + std::to_string(response) + ")";
  // 550-554: the mailbox or the message refused for good. Everything else (no connection, 4xx,
  // a sign-in refused while the relay is being set up) is tried again.
  attempt.permanent = response >= 550 && response <= 554;
  return attempt;
}

Attempt post_webhook(const json& payload, const std::atomic<bool>& stop) {
  CurlHandle curl(curl_easy_init());
  if (!curl) return {false, false, "cannot start libcurl"};
  char error_buffer[CURL_ERROR_SIZE];
  common_options(curl.get(), stop, error_buffer);
  std::string url = payload.value("url", ""), body = payload.value("body", "");
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  Slist headers;
  append(headers, "Content-Type: application/json; charset=utf-8");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  std::string answer;
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) -> size_t {
    auto* text = static_cast<std::string*>(out);
    if (text->size() < 300) text->append(data, std::min<std::size_t>(size * count, 300 - text->size()));
    return size * count;
  });
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
  CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return {false, false, describe(code, error_buffer)};
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return {true, false, ""};
  Attempt attempt;
  attempt.error = "the webhook answered HTTP " + std::to_string(status) + (answer.empty() ? "" : ": " + answer);
  // 408, 429 and 5xx pass; any other refusal (400 a card it cannot read, 403/404 a webhook
  // removed) will not change by trying again.
  attempt.permanent = status >= 400 && status < 500 && status != 408 && status != 429;
  return attempt;
}

}  // namespace bandwatch::daemon::notify
