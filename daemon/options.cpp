#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include "protocol/endpoint.hpp"
#include "rules/route_members.hpp"

namespace bandwatch::daemon {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: bandwatchd --rules PATH... --state-dir DIR [--ingest EP] [--publish EP] [--control EP]\n"
    "                  [--config FILE] [--log-level L] [options]\n\n"
    "Evaluates incoming samples against the rules and publishes alerts over ZeroMQ.\n"
    "Every option may also be given in the config file as `name = value` (one per line;\n"
    "repeat `rules = ...` for several paths). The command line wins over the file.\n\n"
    "Signals: SIGTERM or SIGINT stop cleanly; SIGHUP reloads the rules.\n";

}  // namespace

ParseOutcome parse_daemon_options(int argc, char** argv, DaemonOptions& out) {
  ServerOptions& server = out.server;
  std::string sync = "full";
  std::size_t max_batch_bytes = server.max_batch_bytes;
  int heartbeat_ms = static_cast<int>(server.heartbeat.count());
  long checkpoint_seconds = static_cast<long>(server.checkpoint_interval.count());
  long close_after = static_cast<long>(server.close_after.count());
  std::string earliest_date = server.earliest_date.iso();
  notify::NotifyOptions& notify = server.notify;
  long retry_max = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(notify.retry_max).count());
  long retry_first_ms = static_cast<long>(notify.retry_first.count());

  po::options_description general("Options");
  general.add_options()
      ("help,h", "print this help")
      ("version", "print the version")
      ("config,c", po::value<std::string>(&out.config_file), "read options from FILE as well")
      ("rules,r", po::value<std::vector<std::string>>()->multitoken(),
       "rule files or folders of .bw files (required)")
      ("state-dir,s", po::value<std::string>(), "folder for the SQLite state (required)")
      ("ingest", po::value<std::string>(&server.ingest_endpoint)->default_value(server.ingest_endpoint),
       "ingest ROUTER endpoint")
      ("publish", po::value<std::string>(&server.publish_endpoint)->default_value(server.publish_endpoint),
       "alerts PUB endpoint")
      ("control", po::value<std::string>(&server.control_endpoint)->default_value(server.control_endpoint),
       "control ROUTER endpoint")
      ("log-level", po::value<std::string>(&out.log_level)->default_value(out.log_level),
       "trace, debug, info, warn, error, critical or off")
      ("log-file", po::value<std::string>(), "also log to FILE")
      ("curve-secret-key", po::value<std::string>(),
       "the daemon's key pair file (bandwatch keygen); with --authorized-keys, every socket requires CURVE")
      ("authorized-keys", po::value<std::string>(), "folder of client public keys (*.pub) admitted by CURVE")
      ("reinitialise", po::bool_switch(&out.reinitialise),
       "when the state directory holds a history that cannot be continued (a database missing, empty or "
       "inconsistent), move its files to STATE_DIR/old-TIME/ and start a new history (command line only)")
      ("insecure-public", po::bool_switch(&out.insecure_public),
       "allow binding beyond loopback without CURVE: anyone who reaches the ports can send batches, read "
       "the alerts and send control requests")
      ("sync", po::value<std::string>(&sync)->default_value(sync),
       "full: every answered batch survives power loss (fsync per commit); normal: survives a "
       "crash of the daemon, not of the machine")
      ("max-batch-bytes", po::value<std::size_t>(&max_batch_bytes)->default_value(max_batch_bytes),
       "largest batch accepted, all frames together; a larger one is refused whole")
      ("max-batch-lines", po::value<std::size_t>(&server.limits.max_lines)->default_value(server.limits.max_lines),
       "most lines in one batch; a batch with more is refused whole")
      ("max-control-bytes", po::value<std::size_t>(&server.max_control_bytes)->default_value(server.max_control_bytes),
       "largest control request accepted")
      ("max-group", po::value<std::size_t>(&server.max_group)->default_value(server.max_group),
       "waiting batches committed in one transaction")
      ("heartbeat-ms", po::value<int>(&heartbeat_ms)->default_value(heartbeat_ms),
       "interval of $heartbeat messages on the alerts socket")
      ("watch-interval-ms", po::value<int>(&out.watch_interval_ms)->default_value(out.watch_interval_ms),
       "how often to look for changed rule files; 0: only on SIGHUP or `reload`")
      ("checkpoint-samples", po::value<std::size_t>(&server.checkpoint_samples)->default_value(server.checkpoint_samples),
       "write the engine state after this many samples")
      ("checkpoint-seconds", po::value<long>(&checkpoint_seconds)->default_value(checkpoint_seconds),
       "... or after this many seconds with new samples")
      ("keep-checkpoints", po::value<std::size_t>(&server.keep_checkpoints)->default_value(server.keep_checkpoints),
       "earlier checkpoints kept, with the samples since the oldest: how far back `bandwatch withdraw` can "
       "undo a batch (0: a batch a checkpoint covers cannot be withdrawn)")
      ("publish-hwm", po::value<int>(&server.publish_hwm)->default_value(server.publish_hwm),
       "messages queued per subscriber before the PUB socket drops (subscribers see the gap)")
      ("close-after", po::value<long>(&close_after)->default_value(close_after),
       "seconds without a batch after which an open date closes itself and its alerts are decided; "
       "0: only by a closing batch (send --close), `bandwatch close`, or a later date")
      ("earliest-date", po::value<std::string>(&earliest_date)->default_value(earliest_date),
       "refuse batches and lines dated before this (a mistyped year)")
      ("future-days", po::value<int>(&server.future_days)->default_value(server.future_days),
       "refuse batches dated more than this many days after today (UTC): a mistyped year")
      ("max-line-bytes", po::value<std::size_t>(&server.limits.max_line_bytes)->default_value(server.limits.max_line_bytes),
       "longest sample line taken")
      ("max-labels", po::value<std::size_t>(&server.limits.max_labels)->default_value(server.limits.max_labels),
       "most labels on one sample")
      ("max-label-value-bytes",
       po::value<std::size_t>(&server.limits.max_label_value_bytes)->default_value(server.limits.max_label_value_bytes),
       "longest label value")
      ("max-reported-lines", po::value<std::size_t>(&server.limits.max_reported)->default_value(server.limits.max_reported),
       "bad lines of a batch answered in full; the rest are counted by reason");

  po::options_description notifications("Notifications (docs/notifications.md)");
  notifications.add_options()
      ("smtp-url", po::value<std::string>(&notify.smtp.url),
       "the council's mail relay: smtp://HOST:PORT (STARTTLS when offered), smtps://HOST:PORT (TLS); "
       "without it nothing is mailed")
      ("smtp-starttls", po::bool_switch(&notify.smtp.require_starttls),
       "with smtp://, send only once the relay has taken STARTTLS (always so with --smtp-user)")
      ("smtp-user", po::value<std::string>(&notify.smtp.user), "sign in to the relay as USER")
      ("smtp-password-file", po::value<std::string>(), "the relay password, the first line of FILE")
      ("smtp-from", po::value<std::string>(&notify.smtp.from), "the sender address of every mail (required with --smtp-url)")
      ("notify-link", po::value<std::string>(&notify.link),
       "a link every mail and card carries (the meeting pack or the board); {route} becomes the route's name")
      ("notify-retry-max", po::value<long>(&retry_max)->default_value(retry_max),
       "seconds: the longest wait between attempts while a relay or webhook is down")
      ("notify-retry-first-ms", po::value<long>(&retry_first_ms)->default_value(retry_first_ms),
       "the wait after a first failed attempt; it doubles with each failure up to --notify-retry-max");
  general.add(notifications);

  http::BoardOptions& board = out.board;
  std::string http_address;
  std::string proxy_role = "viewer";
  long session_minutes = board.session_lifetime.count();
  long http_timeout = board.request_timeout.count();
  po::options_description live_board("The live board (docs/board.md)");
  live_board.add_options()
      ("http", po::value<std::string>(&http_address),
       "serve the live board on ADDRESS:PORT (e.g. 127.0.0.1:8080; port 0: a free one, written to "
       "endpoints.json); beyond loopback only with --http-accounts or --http-trusted-header")
      ("http-accounts", po::value<std::string>(), "the accounts file (bandwatch passwd) people sign in with")
      ("http-trusted-header", po::value<std::string>(&board.trusted_header),
       "the header a single sign-on reverse proxy names the user in (e.g. X-Remote-User); believed only "
       "from --http-trusted-proxy addresses")
      ("http-trusted-proxy", po::value<std::vector<std::string>>(&board.trusted_proxies)->multitoken(),
       "the proxy's address (repeat for several); its X-Forwarded-Proto https makes cookies Secure")
      ("http-proxy-role", po::value<std::string>(&proxy_role)->default_value(proxy_role),
       "the role, on every forum, of a user the proxy names who is not in the accounts file: none, viewer, "
       "member or chair")
      ("http-secure-cookies", po::bool_switch(&board.secure_cookies),
       "mark cookies Secure (the board is reached over https through a proxy)")
      ("http-session-minutes", po::value<long>(&session_minutes)->default_value(session_minutes),
       "a sign-in lasts this long")
      ("http-max-connections", po::value<std::size_t>(&board.max_connections)->default_value(board.max_connections),
       "open board connections at most (page streams included); one more is answered 503")
      ("http-max-request-bytes", po::value<std::size_t>(&board.max_request_bytes)->default_value(board.max_request_bytes),
       "largest request (header and body) the board reads; a larger one is answered 413")
      ("http-timeout-seconds", po::value<long>(&http_timeout)->default_value(http_timeout),
       "to read a request or write an answer");
  general.add(live_board);

  po::variables_map command_line;
  try {
    po::store(po::command_line_parser(argc, argv).options(general).run(), command_line);
  } catch (const po::error& error) {
    std::fprintf(stderr, "bandwatchd: %s\n\n%s", error.what(), kUsage);
    return ParseOutcome::exit_error;
  }
  if (command_line.count("help")) {
    std::cout << kUsage << "\n" << general << "\n";
    return ParseOutcome::exit_ok;
  }
  if (command_line.count("version")) {
    std::printf("bandwatchd 0.1.0 (protocol %d)\n", protocol::kProtocolVersion);
    return ParseOutcome::exit_ok;
  }

  po::variables_map from_file;
  fs::path config_folder;
  if (command_line.count("config")) {
    std::string config = command_line["config"].as<std::string>();
    std::ifstream in(config);
    if (!in) {
      std::fprintf(stderr, "bandwatchd: %s: cannot read the config file\n", config.c_str());
      return ParseOutcome::exit_error;
    }
    config_folder = fs::absolute(config).parent_path();
    try {
      po::store(po::parse_config_file(in, general), from_file);
    } catch (const po::error& error) {
      std::fprintf(stderr, "bandwatchd: %s: %s\n", config.c_str(), error.what());
      return ParseOutcome::exit_error;
    }
  }

  // The command line first: Program_options keeps the first value stored for an option.
  po::variables_map all;
  try {
    po::store(po::command_line_parser(argc, argv).options(general).run(), all);
    if (command_line.count("config")) {
      std::ifstream in(command_line["config"].as<std::string>());
      po::store(po::parse_config_file(in, general), all);
    }
    po::notify(all);
  } catch (const po::error& error) {
    std::fprintf(stderr, "bandwatchd: %s\n", error.what());
    return ParseOutcome::exit_error;
  }

  // A path from the config file is relative to the file's folder, so the file can move with it.
  auto path_option = [&](const char* name) -> std::string {
    if (command_line.count(name)) return command_line[name].as<std::string>();
    if (from_file.count(name)) {
      fs::path path = from_file[name].as<std::string>();
      return path.is_relative() ? (config_folder / path).lexically_normal().string() : path.string();
    }
    return {};
  };
  if (command_line.count("rules")) {
    server.rule_paths = command_line["rules"].as<std::vector<std::string>>();
  } else if (from_file.count("rules")) {
    for (const std::string& path : from_file["rules"].as<std::vector<std::string>>()) {
      fs::path p = path;
      server.rule_paths.push_back(p.is_relative() ? (config_folder / p).lexically_normal().string() : path);
    }
  }
  server.state_dir = path_option("state-dir");
  out.log_file = path_option("log-file");
  out.curve_secret_key = path_option("curve-secret-key");
  out.authorized_keys = path_option("authorized-keys");
  std::string password_file = path_option("smtp-password-file");
  board.accounts_file = path_option("http-accounts");

  std::vector<std::string> problems;
  // A new history is a decision for the moment, never a standing setting a restart repeats.
  if (from_file.count("reinitialise") && from_file["reinitialise"].as<bool>())
    problems.push_back("--reinitialise is for the command line only, not the config file");
  if (server.rule_paths.empty()) problems.push_back("--rules is required (rule files or folders)");
  if (server.state_dir.empty()) problems.push_back("--state-dir is required");
  if (sync == "full") server.sync = SyncMode::full;
  else if (sync == "normal") server.sync = SyncMode::normal;
  else problems.push_back("--sync must be full or normal, not '" + sync + "'");
  if (out.curve_secret_key.empty() != out.authorized_keys.empty())
    problems.push_back("CURVE needs both --curve-secret-key and --authorized-keys");
  // Loopback by default; a port others can reach is refused without CURVE unless asked for by
  // name, since a plain socket there takes batches and control requests from anyone.
  for (auto [option, endpoint] : {std::pair{"--ingest", &server.ingest_endpoint},
                                  std::pair{"--publish", &server.publish_endpoint},
                                  std::pair{"--control", &server.control_endpoint}}) {
    if (std::optional<std::string> problem = protocol::endpoint_problem(*endpoint)) {
      problems.push_back(std::string(option) + ": " + *problem);
    } else if (!protocol::is_local_endpoint(*endpoint) && out.curve_secret_key.empty() && !out.insecure_public) {
      problems.push_back(std::string(option) + " " + *endpoint +
                         " is reachable beyond this machine and CURVE is off: set --curve-secret-key and "
                         "--authorized-keys (docs/daemon.md, CURVE), or --insecure-public to accept that anyone "
                         "who reaches it is served");
    }
  }
  if (!http_address.empty()) {
    // ADDRESS:PORT, [IPv6]:PORT; an address, not a name, so what is bound is what was checked.
    std::size_t colon = http_address.rfind(':');
    std::string host = colon == std::string::npos ? "" : http_address.substr(0, colon);
    std::string port = colon == std::string::npos ? "" : http_address.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code bad_address;
    boost::asio::ip::address address = boost::asio::ip::make_address(host, bad_address);
    char* end = nullptr;
    long number = std::strtol(port.c_str(), &end, 10);
    if (host.empty() || port.empty() || bad_address || *end != '\0' || number < 0 || number > 65535) {
      problems.push_back("--http " + http_address + ": expected ADDRESS:PORT with an IP address (127.0.0.1:8080, [::1]:8080) "
                         "and a port 0 to 65535");
    } else {
      board.address = host;
      board.port = static_cast<std::uint16_t>(number);
      if (!address.is_loopback() && board.accounts_file.empty() && board.trusted_header.empty() && !out.insecure_public)
        problems.push_back("--http " + http_address + " is reachable beyond this machine and no one would sign in: set "
                           "--http-accounts FILE (bandwatch passwd) or --http-trusted-header with --http-trusted-proxy "
                           "(docs/board.md), or --insecure-public to let anyone who reaches it read the board");
    }
    board.insecure_public = out.insecure_public;
  }
  if (!board.trusted_header.empty() && board.trusted_proxies.empty())
    problems.push_back("--http-trusted-header needs --http-trusted-proxy: the addresses whose header is believed");
  if (board.trusted_header.empty() && !board.trusted_proxies.empty())
    problems.push_back("--http-trusted-proxy needs --http-trusted-header: the header the proxy names the user in");
  for (const std::string& proxy : board.trusted_proxies) {
    boost::system::error_code bad_proxy;
    (void)boost::asio::ip::make_address(proxy, bad_proxy);
    if (bad_proxy) problems.push_back("--http-trusted-proxy " + proxy + ": not an IP address");
  }
  if (!board.trusted_header.empty())
    for (char c : board.trusted_header)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
        problems.push_back("--http-trusted-header " + board.trusted_header + ": not a header name");
        break;
      }
  if (proxy_role == "none") board.proxy_role = protocol::Role::none;
  else if (auto role = protocol::parse_role(proxy_role)) board.proxy_role = *role;
  else problems.push_back("--http-proxy-role must be none, viewer, member or chair, not '" + proxy_role + "'");
  if (session_minutes < 1) problems.push_back("--http-session-minutes must be at least 1");
  if (board.max_connections < 1) problems.push_back("--http-max-connections must be positive");
  if (board.max_request_bytes < 1024) problems.push_back("--http-max-request-bytes must be at least 1024");
  if (http_timeout < 1) problems.push_back("--http-timeout-seconds must be at least 1");
  board.session_lifetime = std::chrono::minutes(session_minutes);
  board.request_timeout = std::chrono::seconds(http_timeout);
  server.board = board.enabled();
  if (heartbeat_ms <= 0) problems.push_back("--heartbeat-ms must be positive");
  if (out.watch_interval_ms < 0) problems.push_back("--watch-interval-ms must be 0 or more");
  if (server.max_group == 0) problems.push_back("--max-group must be positive");
  if (max_batch_bytes < 1024) problems.push_back("--max-batch-bytes must be at least 1024");
  if (server.limits.max_lines == 0) problems.push_back("--max-batch-lines must be positive");
  if (server.max_control_bytes < 1024) problems.push_back("--max-control-bytes must be at least 1024");
  if (close_after < 0) problems.push_back("--close-after must be 0 or more seconds");
  std::string why;
  if (std::optional<Date> date = parse_date(earliest_date, &why)) server.earliest_date = *date;
  else problems.push_back("--earliest-date: " + why);
  if (server.future_days < 0) problems.push_back("--future-days must be 0 or more");
  if (server.limits.max_line_bytes < 64) problems.push_back("--max-line-bytes must be at least 64");
  if (!notify.smtp.url.empty()) {
    const std::string& url = notify.smtp.url;
    if (url.rfind("smtp://", 0) != 0 && url.rfind("smtps://", 0) != 0)
      problems.push_back("--smtp-url must start with smtp:// or smtps://, not '" + url + "'");
    else if (url.find('@') != std::string::npos)
      problems.push_back("--smtp-url must not hold a user or password: use --smtp-user and --smtp-password-file");
    if (notify.smtp.from.empty()) problems.push_back("--smtp-url needs --smtp-from, the sender address of the mails");
  }
  if (!notify.smtp.from.empty())
    if (auto problem = mail_address_problem(notify.smtp.from)) problems.push_back("--smtp-from: " + *problem);
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in || !std::getline(in, notify.smtp.password)) problems.push_back("--smtp-password-file: cannot read " + password_file);
    if (!notify.smtp.password.empty() && notify.smtp.password.back() == '\r') notify.smtp.password.pop_back();
  }
  if (!notify.smtp.password.empty() && notify.smtp.user.empty())
    problems.push_back("--smtp-password-file needs --smtp-user");
  if (retry_max < 1) problems.push_back("--notify-retry-max must be at least 1 second");
  if (retry_first_ms < 1) problems.push_back("--notify-retry-first-ms must be positive");
  notify.retry_max = std::chrono::seconds(retry_max);
  notify.retry_first = std::chrono::milliseconds(retry_first_ms);
  if (!notify.link.empty() && notify.link.rfind("https://", 0) != 0 && notify.link.rfind("http://", 0) != 0)
    problems.push_back("--notify-link must be an http:// or https:// address, not '" + notify.link + "'");
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(kLevels), std::end(kLevels), out.log_level) == std::end(kLevels))
    problems.push_back("--log-level must be one of trace, debug, info, warn, error, critical, off");
  if (!problems.empty()) {
    for (const std::string& problem : problems) std::fprintf(stderr, "bandwatchd: %s\n", problem.c_str());
    std::fprintf(stderr, "\n%s(bandwatchd --help lists every option)\n", kUsage);
    return ParseOutcome::exit_error;
  }
  server.max_batch_bytes = max_batch_bytes;
  server.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  server.checkpoint_interval = std::chrono::seconds(checkpoint_seconds);
  server.close_after = std::chrono::seconds(close_after);
  return ParseOutcome::run;
}

}  // namespace bandwatch::daemon
