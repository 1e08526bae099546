// What the commands that talk to bandwatchd share: the connection options (CURVE keys, Lazy
// Pirate timeout and retries), the rendering of alerts and events as text, and sending sample
// text as batches (used by `bandwatch send` and `bandwatch import --to`).
//
// Thread safety: free functions; each call uses its own ZeroMQ context and sockets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <nlohmann/json.hpp>

#include "protocol/client.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::cli {

/// Exit codes of the daemon commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;  // the daemon answered, but refused something
inline constexpr int kExitUsage = 2;     // bad options or unreadable files
inline constexpr int kExitNoReply = 3;   // no reply after every retry, or refused by CURVE

struct ConnectionOptions {
  std::string server_key;   // --curve-server-key FILE
  std::string secret_key;   // --curve-secret-key FILE
  int timeout_ms = 3000;
  int retries = 3;
};

/// Adds --curve-server-key, --curve-secret-key, --timeout, --retries.
void add_connection_options(boost::program_options::options_description& options,
                            ConnectionOptions& out);

/// The CURVE settings from the options; nullopt (with a message printed) when they are wrong.
std::optional<protocol::ClientSecurity> client_security(const ConnectionOptions& options,
                                                      const char* command);

/// `{team="Hunts 1", worker="W0412"}` from a labels object; empty for no labels.
std::string format_labels(const nlohmann::json& labels);

/// One line for an open alert of a snapshot (with "detail" fields when present).
std::string format_alert_line(const nlohmann::json& alert);

/// One line for a published event: "2020-02-04  #12  fired  amber  rule{labels} = value
/// "message"  -> routes  (alert 7)", #12 being the event's sequence number.
std::string format_event_line(const nlohmann::json& event);

/// A piece of sample text and where it came from, for error messages.
struct SampleSource {
  std::string name;  // file name ("-" or "<stdin>" for standard input)
  std::string text;
};

struct SendOptions {
  std::string endpoint;
  ConnectionOptions connection;
  std::optional<Date> as_of;  // for lines without a date
  bool strict = false;
  bool json = false;          // one JSON object per batch on stdout
  bool quiet = false;         // no progress lines (errors are still printed)
};

/// Sends the sample lines of `sources` to the daemon, one batch per as-of date in date order;
/// each batch's id is derived from its content, so sending the same text again is harmless.
/// Lines with a date go to that date's batch, lines without one to `as_of`; a line that cannot
/// be read goes with the line before it, so the daemon names it. Prints progress to stdout and
/// each rejected line to stderr as `file:line:col: error: ...`. Returns an exit code above.
int send_samples(const std::vector<SampleSource>& sources, const SendOptions& options,
                 const char* command);

}  // namespace bandwatch::cli
