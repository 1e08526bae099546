// `bandwatch watch --from EP --control EP [--route R] [--min-severity S] [--format text|json]`:
// the live feed, with the ZeroMQ guide's clone pattern. Subscribe first; confirm the
// subscription is live with a probe the daemon publishes on request; then take a snapshot of the
// open alerts and its sequence number; then print each event whose sequence follows. A gap (PUB
// dropped messages, the daemon restarted, the last events of a burst lost, seen through the
// heartbeat) makes it take a new snapshot, so a late or slow subscriber never misses an open
// alert. With --route, the route's own sequence numbers are followed.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <random>

#include <boost/program_options.hpp>

#include "command.hpp"
#include "commands.hpp"
#include "daemon_common.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;
using nlohmann::json;

namespace {

class Watcher {
 public:
  Watcher(zmq::context_t& context, std::string from, std::string route, int min_rank, bool json_output,
          protocol::LazyPirateClient& control, const protocol::ClientSecurity& security, int rcvhwm)
      : context_(context),
        route_(std::move(route)),
        min_rank_(min_rank),
        json_(json_output),
        control_(control),
        sub_(context, zmq::socket_type::sub) {
    sub_.set(zmq::sockopt::linger, 0);
    sub_.set(zmq::sockopt::rcvhwm, rcvhwm);
    protocol::apply_client_security(sub_, security);
    monitor_ = std::make_unique<protocol::SocketMonitor>(context, sub_);
    std::random_device random;
    probe_topic_ = std::string(protocol::kProbeTopicPrefix) + std::to_string(::getpid()) + "." +
                   std::to_string(random());
    if (route_.empty()) {
      sub_.set(zmq::sockopt::subscribe, "");
    } else {
      sub_.set(zmq::sockopt::subscribe, route_ + ".");
      sub_.set(zmq::sockopt::subscribe, std::string(protocol::kHeartbeatTopic));
      sub_.set(zmq::sockopt::subscribe, probe_topic_);
    }
    sub_.connect(from);
    from_ = from;
  }

  /// Waits until the subscription delivers (probe round trip). False after `attempts` tries.
  bool handshake(int attempts, std::string& error) {
    for (int attempt = 0; attempt < attempts; ++attempt) {
      auto answer = protocol::control_request(control_, {{"command", "probe"}, {"topic", probe_topic_}}, error);
      if (!answer) return false;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      while (std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t items[] = {{sub_.handle(), 0, ZMQ_POLLIN, 0},
                                   {monitor_->socket().handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 2, std::chrono::milliseconds(20));
        if ((items[1].revents & ZMQ_POLLIN)) {
          if (auto failure = monitor_->read_failure()) {
            error = *failure;
            return false;
          }
        }
        if (!(items[0].revents & ZMQ_POLLIN)) continue;
        std::string topic, payload;
        if (!receive(topic, payload)) continue;
        if (topic == probe_topic_) return true;  // events before the snapshot are covered by it
      }
    }
    error = "subscribed to " + from_ + " but nothing arrives there: is it the daemon's alerts endpoint?";
    return false;
  }

  bool snapshot(std::string& error) {
    json request = {{"command", "snapshot"}, {"detail", true}};
    if (!route_.empty()) request["route"] = route_;
    auto answer = protocol::control_request(control_, request, error);
    if (!answer) return false;
    last_ = (*answer)["sequence"].get<std::uint64_t>();
    if (json_) {
      json out = {{"kind", "snapshot"}, {"sequence", last_}, {"alerts", json::array()}};
      for (const json& alert : (*answer)["alerts"])
        if (passes(alert)) out["alerts"].push_back(alert);
      std::printf("%s\n", out.dump().c_str());
    } else {
      std::size_t shown = 0;
      for (const json& alert : (*answer)["alerts"]) shown += passes(alert);
      std::printf("# snapshot at sequence %llu%s: %zu open alert(s)\n", static_cast<unsigned long long>(last_),
                  route_.empty() ? "" : (" of route " + route_).c_str(), shown);
      for (const json& alert : (*answer)["alerts"])
        if (passes(alert)) std::printf("%s\n", format_alert_line(alert).c_str());
    }
    std::fflush(stdout);
    need_snapshot_ = false;
    return true;
  }

  /// Follows the feed; returns after `count` events (0: never) or on a fatal error.
  int follow(std::size_t count) {
    std::size_t printed = 0;
    auto last_message = std::chrono::steady_clock::now();
    bool warned_silent = false;
    for (;;) {
      zmq::pollitem_t items[] = {{sub_.handle(), 0, ZMQ_POLLIN, 0},
                                 {monitor_->socket().handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds(1000));
      if (items[1].revents & ZMQ_POLLIN) {
        if (auto failure = monitor_->read_failure()) {
          std::fprintf(stderr, "bandwatch watch: %s\n", printable(*failure).c_str());
          return kExitNoReply;
        }
      }
      if (need_snapshot_) resnapshot();
      if (!(items[0].revents & ZMQ_POLLIN)) {
        if (!warned_silent && std::chrono::steady_clock::now() - last_message > std::chrono::seconds(10)) {
          std::fprintf(stderr, "bandwatch watch: nothing from %s for 10 s (not even a heartbeat): is the daemon up?\n",
                       from_.c_str());
          warned_silent = true;
        }
        continue;
      }
      std::string topic, payload;
      while (receive(topic, payload)) {
        last_message = std::chrono::steady_clock::now();
        if (warned_silent) {
          std::fprintf(stderr, "bandwatch watch: %s is back\n", from_.c_str());
          warned_silent = false;
        }
        if (topic.rfind(protocol::kProbeTopicPrefix, 0) == 0) continue;
        if (topic == protocol::kHeartbeatTopic) {
          json beat = json::parse(payload, nullptr, false);
          if (!beat.is_object()) continue;
          std::uint64_t latest = beat.value("sequence", std::uint64_t{0});
          if (!route_.empty()) {
            const json& routes = beat.value("routes", json::object());
            latest = routes.is_object() ? routes.value(route_, std::uint64_t{0}) : 0;
          }
          // Ahead of us: the last events of a burst were lost. (A heartbeat behind us is one
          // queued before the snapshot we took since.)
          if (latest > last_) gap(last_ + 1, latest);
          continue;
        }
        bool enough = false;
        protocol::for_each_feed_event(payload, [&](std::string_view line) {
          if (enough) return;
          json message = json::parse(line, nullptr, false);
          if (!message.is_object()) return;
          std::uint64_t sequence = route_.empty() ? message.value("sequence", std::uint64_t{0})
                                                  : message.value("route_sequence", std::uint64_t{0});
          if (sequence <= last_) return;  // covered by the snapshot, or a copy for another route
          if (sequence > last_ + 1) {
            gap(last_ + 1, sequence - 1);
            if (sequence <= last_) return;
          }
          last_ = sequence;
          if (!passes(message)) return;
          if (json_) std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
          else std::printf("%s\n", format_event_line(message).c_str());
          std::fflush(stdout);
          enough = count > 0 && ++printed >= count;
        });
        if (enough) return kExitOk;
      }
    }
  }

 private:
  /// The next feed message ("<topic> <payload>", protocol.hpp); false when none is waiting.
  bool receive(std::string& topic, std::string& payload) {
    zmq::message_t frame;
    for (;;) {
      if (!sub_.recv(frame, zmq::recv_flags::dontwait)) return false;
      if (frame.more()) {  // several frames: not this protocol's message
        while (frame.more()) (void)sub_.recv(frame, zmq::recv_flags::none);
        continue;
      }
      auto message = protocol::split_feed_frame(frame);
      if (!message) continue;
      topic.assign(message->topic);
      payload.assign(message->payload);
      return true;
    }
  }

  bool passes(const json& item) const {
    auto rank = protocol::severity_rank(item.value("severity", ""));
    return !rank || *rank >= min_rank_;
  }

  void gap(std::uint64_t from, std::uint64_t to) {
    std::fprintf(stderr, "bandwatch watch: missed event(s) %llu..%llu: taking a new snapshot\n",
                 static_cast<unsigned long long>(from), static_cast<unsigned long long>(to));
    resnapshot();
  }

  void resnapshot() {
    std::string error;
    if (!snapshot(error)) {
      std::fprintf(stderr, "bandwatch watch: cannot take a snapshot: %s; trying again shortly\n",
                   printable(error).c_str());
      need_snapshot_ = true;
    }
  }

  zmq::context_t& context_;
  std::string route_;
  int min_rank_;
  bool json_;
  protocol::LazyPirateClient& control_;
  zmq::socket_t sub_;
  std::unique_ptr<protocol::SocketMonitor> monitor_;
  std::string probe_topic_;
  std::string from_;
  std::uint64_t last_ = 0;
  bool need_snapshot_ = false;
};

}  // namespace

int run_watch(const Arguments& args) {
  std::string from{protocol::kDefaultPublish}, control{protocol::kDefaultControl};
  std::string route, min_severity = "unbanded", format = "text";
  std::size_t count = 0;
  int rcvhwm = 100'000;
  ConnectionOptions connection;
  CurveOptions curve;
  Command command("watch", "[--from EP] [--control EP] [--route R] [--min-severity S] [--format text|json]",
                  "The live feed: a snapshot of the open alerts on joining, then each event as it happens.\n"
                  "A gap in the sequence numbers (events dropped or lost) takes a new snapshot.");
  command.options()
      ("from", endpoint_value("from", &from)->default_value(from), "the daemon's alerts (PUB) endpoint")
      ("control", endpoint_value("control", &control)->default_value(control), "the daemon's control endpoint")
      ("route", po::value<std::string>(&route), "only this route's events (subscribes to the prefix \"ROUTE.\")")
      ("min-severity", po::value<std::string>(&min_severity)->default_value(min_severity),
       "unbanded, amber or red: hide anything less severe")
      ("format", format_choice(&format, {"text", "json"})->default_value(format), "text or json (one object per line)")
      ("count", po::value<std::size_t>(&count), "exit after printing this many events")
      ("rcvhwm", po::value<int>(&rcvhwm)->default_value(rcvhwm),
       "messages queued here before ZeroMQ drops (a drop shows as a gap: a new snapshot is taken)");
  command.add(connection_group(connection));
  command.add(curve_group(curve));
  if (auto stop = command.parse(args)) return *stop;
  auto min_rank = protocol::severity_rank(min_severity);
  if (!min_rank) return command.usage_error("--min-severity must be unbanded, amber or red");
  auto security = client_security(command, curve, connection);
  if (!security) return kExitUsage;
  zmq::context_t context(1);
  protocol::LazyPirateClient control_client(context, control, *security,
                                          std::chrono::milliseconds(connection.timeout_ms), connection.retries);
  Watcher watcher(context, from, route, *min_rank, format == "json", control_client, *security, rcvhwm);
  std::string error;
  if (!watcher.handshake(50, error) || !watcher.snapshot(error)) return command.fail(error, kExitNoReply);
  std::fprintf(stderr, "bandwatch watch: following %s%s\n", from.c_str(), route.empty() ? "" : (" (route " + route + ")").c_str());
  return watcher.follow(count);
}

}  // namespace bandwatch::cli
