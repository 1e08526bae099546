// A soak of the real bandwatchd: for --seconds (or until --samples), several clients send a fixed
// set of series date after date at a steady rate, one hostile client sends what the daemon must
// refuse (junk lines, lines and labels over the limits, batches over --max-batch-bytes, malformed
// frames, strict batches with a bad line, dates already closed, an id reused with new content,
// repeats), and a watcher subscribes to the alerts. Each date is closed by a probe batch whose
// alert the watcher times: the sample-to-alert latency of a date's last batch. Every
// --report-seconds it prints one JSON line: resident memory, database size (with its WAL),
// samples, events, refusals and the latency percentiles of that interval; then a summary:
// memory once the series set is complete against memory at the end.
//
// usage: soak_bench --bandwatchd PATH [--seconds S] [--samples N] [--clients N] [--series N]
//                   [--rate SAMPLES_PER_S] [--report-seconds S] [--batch-lines N]
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "daemon_process.hpp"
#include "subscription.hpp"
#include "protocol/client.hpp"
#include "protocol/protocol.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using bandwatch::Date;
using namespace bandwatch::protocol;

constexpr int kMetrics = 10;
constexpr std::size_t kMaxBatchBytes = 1 << 20;  // the soak's --max-batch-bytes, so it is met

struct Options {
  std::string bandwatchd;
  double seconds = 1800;
  std::uint64_t samples = 100'000'000;
  int clients = 3;
  int series = 20'000;
  double rate = 40'000;
  double report_seconds = 30;
  int batch_lines = 1000;
};

std::string rules_text() {
  std::string text = "route workload_pressures { title \"Workload Pressures meeting\" }\n";
  for (int m = 0; m < kMetrics; ++m)
    text += "metric m" + std::to_string(m) + " { unit count  labels s }\nrule r" + std::to_string(m) + " { when m" +
            std::to_string(m) + " > 50  severity amber  route workload_pressures  message \"{s}: {value}\" }\n";
  text += "metric probe { unit count }\nrule probe_high { when probe > 50  severity red  route workload_pressures }\n";
  return text;
}

struct Sent {
  std::string id, header, body;
};

Sent batch(Date as_of, std::string body, bool strict = false, bool close = false) {
  IngestHeader header{as_of, strict, close};
  Sent sent{{}, encode_ingest_header(header), std::move(body)};
  sent.id = content_batch_id(header, sent.body);
  return sent;
}

/// Sends one batch; the answer's JSON (null when there was none).
json send(LazyPirateClient& client, const Sent& sent) {
  std::string_view frames[] = {sent.id, sent.header, sent.body};
  std::vector<std::string> reply;
  std::string error;
  if (client.request(frames, reply, error) != RequestStatus::ok || reply.size() != 1) return nullptr;
  return json::parse(reply[0], nullptr, false);
}

/// The alerts feed: counts events, checks the sequence has no gap, and notes when each probe
/// event arrives.
class Watcher {
 public:
  Watcher(zmq::context_t& context, const std::string& endpoint, LazyPirateClient& control)
      : socket_(context, zmq::socket_type::sub) {
    bench::subscribe_live(socket_, endpoint, control, "$probe.soak");
    thread_ = std::thread([this] { run(); });
  }
  ~Watcher() {
    stop_ = true;
    thread_.join();
  }
  std::uint64_t events() const { return events_; }
  std::uint64_t gaps() const { return gaps_; }
  /// Waits for the probe event numbered `n` (1-based); its arrival time, or nullopt after 30 s.
  std::optional<Clock::time_point> probe(std::size_t n) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (probes_.size() >= n) return probes_[n - 1];
      }
      if (Clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

 private:
  void run() {
    zmq::message_t frame;
    std::uint64_t last = 0;
    while (!stop_) {
      zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(20));
      while (socket_.recv(frame, zmq::recv_flags::dontwait)) {
        auto message = bandwatch::protocol::split_feed_frame(frame);
        if (!message || message->topic.starts_with("$")) continue;
        auto now = Clock::now();
        bandwatch::protocol::for_each_feed_event(message->payload, [&](std::string_view text) {
          ++events_;
          std::size_t at = text.find("\"sequence\":");
          if (at != std::string_view::npos) {
            std::uint64_t sequence = std::strtoull(text.data() + at + 11, nullptr, 10);
            if (last != 0 && sequence != last + 1) ++gaps_;
            last = sequence;
          }
          if (message->topic.ends_with(".probe_high")) {
            std::lock_guard lock(mutex_);
            probes_.push_back(now);
          }
        });
      }
    }
  }
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> events_{0}, gaps_{0};
  std::mutex mutex_;
  std::vector<Clock::time_point> probes_;
  std::thread thread_;
};

/// What the hostile client sends for date `day` (its `round`-th turn): one of a dozen kinds of
/// request the daemon must refuse or take without harm. Counts what came back refused.
struct Hostile {
  Hostile(zmq::context_t& context, std::string endpoint) : context(context), endpoint(std::move(endpoint)) {}
  zmq::context_t& context;
  std::string endpoint;
  std::mt19937 random{7};
  std::uint64_t sent = 0, refused = 0, lines_rejected = 0, no_answer = 0;
  std::optional<Sent> previous;

  void turn(LazyPirateClient& client, Date day, std::uint64_t round) {
    std::string body;
    bool strict = false;
    Date as_of = day;
    switch (round % 10) {
      case 0:  // junk: 5,000 lines that are no sample
        for (int i = 0; i < 5000; ++i) body += i % 2 ? "x\n" : "%%% \x01\x1b[2J not a sample {{{\n";
        break;
      case 1:  // a line over --max-line-bytes, a label value over the limit, too many labels
        body = "m0{s=\"" + std::string(70'000, 'v') + "\"} 1\n" + "m1{s=\"" + std::string(5000, 'v') + "\"} 1\n";
        body += "m2{";
        for (int l = 0; l < 40; ++l) body += "l" + std::to_string(l) + "=\"x\",";
        body += "s=\"0\"} 1\n";
        break;
      case 2:  // over --max-batch-bytes
        body.assign(kMaxBatchBytes + 1000, '#');
        body.back() = '\n';
        break;
      case 3:  // unknown metrics and labels, bad values and dates
        for (int i = 0; i < 2000; ++i)
          body += "nosuch" + std::to_string(i) + "{s=\"1\"} 1\nm3{nolabel=\"1\"} 1\nm4{s=\"1\"} abc\nm5{s=\"1\"} 1 2099-13-45\n";
        break;
      case 4: {  // malformed frames: no delimiter (DEALER), too few frames, a header that is not one
        zmq::socket_t dealer(context, zmq::socket_type::dealer);
        dealer.set(zmq::sockopt::linger, 0);
        dealer.connect(endpoint);
        dealer.send(zmq::str_buffer("id"), zmq::send_flags::sndmore);
        dealer.send(zmq::str_buffer("{}"), zmq::send_flags::none);
        std::string_view one[] = {"only-an-id"};
        std::string_view bad_header[] = {"bad-header", "{\"v\":1,\"as_of\":\"2020-02-31\",\"extra\":1}", "m0 1\n"};
        std::vector<std::string> reply;
        std::string error;
        for (auto frames : {std::span<std::string_view>(one), std::span<std::string_view>(bad_header)}) {
          ++sent;
          if (client.request(frames, reply, error) != RequestStatus::ok) ++no_answer;
          else if (reply.size() == 1 && reply[0].find("\"status\":\"error\"") != std::string::npos) ++refused;
        }
        return;
      }
      case 5:  // a strict batch with one bad line among good-looking ones of unknown series
        strict = true;
        body = "m0{s=\"0\"} 1\nm0{s=\"0\"} what\n";
        break;
      case 6:  // a date already closed
        as_of.days_since_epoch -= 2;
        body = "m0{s=\"0\"} 1\n";
        break;
      case 7:  // a repeat of the last thing it sent
        if (previous) {
          account(send(client, *previous));
          return;
        }
        body = "# nothing\n";
        break;
      case 8: {  // an id reused with different content
        Sent reused = batch(day, "# first content " + std::to_string(round) + "\n");
        account(send(client, reused));
        reused.body = "# other content\n";
        account(send(client, reused));
        return;
      }
      default:  // binary noise
        body.resize(50'000);
        for (char& c : body) c = static_cast<char>(random());
        break;
    }
    Sent request = batch(as_of, std::move(body), strict);
    account(send(client, request));
    previous = std::move(request);
  }

  void account(const json& answer) {
    ++sent;
    if (answer.is_null() || !answer.is_object()) {
      ++no_answer;
      return;
    }
    if (answer.value("status", "") != "ok") ++refused;
    if (auto rejected = answer.find("rejected"); rejected != answer.end()) lines_rejected += rejected->size();
    if (auto counts = answer.find("unreported"); counts != answer.end() && counts->is_object())
      for (auto& [reason, count] : counts->items()) lines_rejected += count.get<std::uint64_t>();
  }
};

std::uint64_t file_bytes(const std::string& path) {
  std::error_code error;
  auto size = fs::file_size(path, error);
  return error ? 0 : size;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i], value = argv[i + 1];
    if (name == "--bandwatchd") options.bandwatchd = value;
    else if (name == "--seconds") options.seconds = std::stod(value);
    else if (name == "--samples") options.samples = std::stoull(value);
    else if (name == "--clients") options.clients = std::max(1, std::stoi(value));
    else if (name == "--series") options.series = std::max(kMetrics, std::stoi(value));
    else if (name == "--rate") options.rate = std::stod(value);
    else if (name == "--report-seconds") options.report_seconds = std::stod(value);
    else if (name == "--batch-lines") options.batch_lines = std::max(1, std::stoi(value));
    else {
      std::fprintf(stderr, "soak_bench: unknown option %s\n", name.c_str());
      return 2;
    }
  }
  if (options.bandwatchd.empty()) {
    std::fprintf(stderr, "usage: soak_bench --bandwatchd PATH [--seconds S] [--samples N] [--clients N] [--series N] "
                         "[--rate SAMPLES_PER_S] [--report-seconds S] [--batch-lines N]\n");
    return 2;
  }
  std::string directory = fs::temp_directory_path() / ("bw_soak_" + std::to_string(::getpid()));
  fs::create_directories(directory);
  {
    std::FILE* rules = std::fopen((directory + "/rules.bw").c_str(), "w");
    std::fputs(rules_text().c_str(), rules);
    std::fclose(rules);
  }
  try {
    bench::DaemonProcess daemon(options.bandwatchd, directory + "/rules.bw", directory,
                                {"--sync", "normal", "--log-level", "warn", "--watch-interval-ms", "0",
                                 "--close-after", "0", "--future-days", "100000",
                                 "--max-batch-bytes", std::to_string(kMaxBatchBytes)});
    std::string database = daemon.state_dir() + "/bandwatch.db";
    zmq::context_t context(2);
    LazyPirateClient control(context, daemon.control, {}, std::chrono::milliseconds(30000), 0);
    Watcher watcher(context, daemon.publish, control);
    std::vector<std::unique_ptr<LazyPirateClient>> senders;
    for (int c = 0; c <= options.clients; ++c)  // the last is the probe's
      senders.push_back(std::make_unique<LazyPirateClient>(context, daemon.ingest, ClientSecurity{},
                                                           std::chrono::milliseconds(60000), 0));
    LazyPirateClient hostile_client(context, daemon.ingest, {}, std::chrono::milliseconds(60000), 0);
    Hostile hostile(context, daemon.ingest);

    // Each series' value walks; about one in twenty crosses 50 each date, so alerts fire and
    // resolve all along.
    std::vector<int> values(static_cast<std::size_t>(options.series), 10);
    std::mt19937 random(1);
    const std::size_t per_metric = static_cast<std::size_t>(options.series / kMetrics);
    const auto round_time = std::chrono::duration<double>(options.series / options.rate);
    Date day = Date::from_ymd(2000, 1, 3);
    std::uint64_t samples = 0, rounds = 0, probe_events = 0;
    std::vector<double> latencies, interval_latencies;
    std::atomic<bool> failed{false};
    json reports = json::array();
    const auto started = Clock::now();
    auto next_report = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.report_seconds));
    auto next_round = started;
    auto percentile = [](std::vector<double> values, double p) {
      if (values.empty()) return 0.0;
      std::sort(values.begin(), values.end());
      return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
    };
    auto report = [&](bool last) {
      double t = std::chrono::duration<double>(Clock::now() - started).count();
      json line = {{"t_s", std::round(t)},
                   {"rounds", rounds},
                   {"samples", samples},
                   {"events", watcher.events()},
                   {"feed_gaps", watcher.gaps()},
                   {"rss_mb", static_cast<double>(daemon.resident_bytes()) / 1e6},
                   {"db_mb", static_cast<double>(file_bytes(database) + file_bytes(database + "-wal")) / 1e6},
                   {"hostile_requests", hostile.sent},
                   {"hostile_refused", hostile.refused},
                   {"hostile_lines_rejected", hostile.lines_rejected},
                   {"hostile_unanswered", hostile.no_answer},
                   {"latency_p50_ms", percentile(interval_latencies, 0.5) / 1000},
                   {"latency_p99_ms", percentile(interval_latencies, 0.99) / 1000},
                   {"latency_max_ms", interval_latencies.empty() ? 0.0 : *std::max_element(interval_latencies.begin(), interval_latencies.end()) / 1000}};
      std::fprintf(stderr, "%s\n", line.dump().c_str());
      reports.push_back(line);
      interval_latencies.clear();
      (void)last;
    };
    while (!failed && samples < options.samples &&
           std::chrono::duration<double>(Clock::now() - started).count() < options.seconds) {
      std::this_thread::sleep_until(next_round);
      next_round += std::chrono::duration_cast<Clock::duration>(round_time);
      for (int& value : values) {
        int step = static_cast<int>(random() % 21) - 10;
        value = std::clamp(value + step + (value > 50 ? -2 : 2), 0, 100);
      }
      // The good clients, each its share of the series, in batches of --batch-lines.
      std::vector<std::thread> clients;
      std::atomic<std::uint64_t> round_samples{0};
      for (int c = 0; c < options.clients; ++c)
        clients.emplace_back([&, c] {
          std::string body;
          std::size_t lines = 0;
          auto flush = [&] {
            if (lines == 0) return;
            json answer = send(*senders[static_cast<std::size_t>(c)], batch(day, body));
            if (answer.is_null() || answer.value("status", "") != "ok" || answer.value("accepted", 0u) != lines) {
              std::fprintf(stderr, "soak_bench: a good batch was not taken whole: %s\n", answer.dump().substr(0, 300).c_str());
              failed = true;
            }
            round_samples += lines;
            body.clear();
            lines = 0;
          };
          for (std::size_t s = static_cast<std::size_t>(c); s < values.size(); s += static_cast<std::size_t>(options.clients)) {
            body += "m" + std::to_string(s / per_metric % kMetrics) + "{s=\"" + std::to_string(s) + "\"} " +
                    std::to_string(values[s]) + "\n";
            if (++lines == static_cast<std::size_t>(options.batch_lines)) flush();
          }
          flush();
        });
      std::thread bad([&] { hostile.turn(hostile_client, day, rounds); });
      for (auto& client : clients) client.join();
      bad.join();
      samples += round_samples;
      // The date's last batch: the probe crosses 50 (up one date, down the next) and closes it.
      ++samples;
      auto sent_at = Clock::now();
      json closed = send(*senders.back(), batch(day, std::string("probe ") + (rounds % 2 == 0 ? "90" : "10") + "\n", false, true));
      if (closed.is_null() || closed.value("status", "") != "ok") {
        std::fprintf(stderr, "soak_bench: the closing batch failed: %s\n", closed.dump().c_str());
        failed = true;
        break;
      }
      std::optional<Clock::time_point> arrived = watcher.probe(++probe_events);
      if (!arrived) {
        std::fprintf(stderr, "soak_bench: the probe's alert never came\n");
        failed = true;
        break;
      }
      double microseconds = std::chrono::duration<double, std::micro>(*arrived - sent_at).count();
      latencies.push_back(microseconds);
      interval_latencies.push_back(microseconds);
      ++rounds;
      day.days_since_epoch += 1;
      if (Clock::now() >= next_report) {
        report(false);
        next_report += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.report_seconds));
      }
    }
    if (reports.empty() || !interval_latencies.empty()) report(true);
    // Memory once every series exists (the first report) against the end, and the highest.
    double first = reports.front()["rss_mb"], end = reports.back()["rss_mb"], high = 0;
    for (const json& line : reports) high = std::max(high, line["rss_mb"].get<double>());
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    json summary = {{"seconds", seconds},
                    {"rounds", rounds},
                    {"samples", samples},
                    {"samples_per_s", static_cast<double>(samples) / seconds},
                    {"series", options.series},
                    {"good_clients", options.clients},
                    {"events", watcher.events()},
                    {"feed_gaps", watcher.gaps()},
                    {"hostile_requests", hostile.sent},
                    {"hostile_refused", hostile.refused},
                    {"hostile_lines_rejected", hostile.lines_rejected},
                    {"hostile_unanswered", hostile.no_answer},
                    {"rss_mb_first_report", first},
                    {"rss_mb_end", end},
                    {"rss_mb_max", high},
                    {"db_mb_end", reports.back()["db_mb"]},
                    {"latency_p50_ms", percentile(latencies, 0.5) / 1000},
                    {"latency_p99_ms", percentile(latencies, 0.99) / 1000},
                    {"latency_max_ms", latencies.empty() ? 0.0 : *std::max_element(latencies.begin(), latencies.end()) / 1000},
                    {"ok", !failed}};
    std::printf("%s\n", summary.dump().c_str());
    if (!std::getenv("KEEP")) fs::remove_all(directory);
    return failed ? 1 : 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "soak_bench: %s\n", error.what());
    return 1;
  }
}
