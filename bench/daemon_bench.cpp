// bandwatchd end to end over loopback TCP: starts the real daemon on the shared workload
// (../shared/bench-anchors/gen_workload.py), sends it from several `bandwatch send`-style clients
// (REQ, Lazy Pirate, one batch of --batch-lines lines per request, content-hash ids) and counts
// what a subscriber receives, then paces batches at half the peak rate and measures the latency
// from sending a sample to receiving its alert on the PUB socket. Prints one JSON object.
//
// usage: daemon_bench --bandwatchd PATH --workload DIR [--clients N] [--batch-lines N]
//                     [--sync full|normal] [--latency-seconds S] [--latency-batch-lines N] [--repeat N]
// bench/daemon_bench.sh runs it beside the bare ZeroMQ anchor and prints the ratio.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
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
using bench::DaemonProcess;
using bench::read_all;

struct Options {
  std::string bandwatchd, workload, sync = "normal";
  int clients = 4;
  int batch_lines = 1000;
  int latency_batch_lines = 100;
  int repeat = 5;
  double latency_seconds = 5;
};

struct Batch {
  Date as_of;
  std::string id, header, body;
  std::size_t lines = 0;
};

/// A batch of `as_of`; with `close`, it closes its date (its alerts are decided at once).
Batch make_batch(Date as_of, std::string body, std::size_t lines, bool close = false) {
  Batch batch{as_of, {}, {}, std::move(body), lines};
  IngestHeader header{as_of, false, close};
  batch.header = encode_ingest_header(header);
  batch.id = content_batch_id(header, batch.body);
  return batch;
}

/// The workload's lines grouped by date, cut into batches of `lines` lines.
std::vector<std::vector<Batch>> load_batches(const std::string& path, int lines_per_batch, std::size_t& total) {
  std::string text = read_all(path);
  std::map<Date, std::vector<Batch>> by_date;
  std::map<Date, std::pair<std::string, std::size_t>> pending;
  std::size_t start = 0;
  total = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    // Every workload line ends with its date: one that does not is a broken workload, not a
    // line to leave out of the count.
    auto date = line.size() < 11 ? std::nullopt : bandwatch::parse_iso_date(line.substr(line.size() - 10));
    if (!date) throw std::runtime_error(path + ": a line without a date at its end: " + std::string(line.substr(0, 80)));
    auto& [body, count] = pending[*date];
    body.append(line).push_back('\n');
    ++total;
    if (++count == static_cast<std::size_t>(lines_per_batch)) {
      by_date[*date].push_back(make_batch(*date, std::move(body), count));
      body.clear();
      count = 0;
    }
  }
  for (auto& [date, rest] : pending)
    if (rest.second > 0) by_date[date].push_back(make_batch(date, std::move(rest.first), rest.second));
  std::vector<std::vector<Batch>> out;
  for (auto& [date, batches] : by_date) out.push_back(std::move(batches));
  return out;
}

/// Subscribes to everything; counts events and notes when each probe rule's event arrives.
class Subscriber {
 public:
  Subscriber(zmq::context_t& context, const std::string& endpoint, LazyPirateClient& control)
      : socket_(context, zmq::socket_type::sub) {
    bench::subscribe_live(socket_, endpoint, control, "$probe.bench");
    thread_ = std::thread([this] { run(); });
  }
  ~Subscriber() {
    stop_ = true;
    thread_.join();
  }
  std::uint64_t events() const { return events_; }
  Clock::time_point last_event_time() const { return Clock::time_point(Clock::duration(last_event_ticks_.load())); }
  /// Waits until `count` events have arrived: the daemon's sequence number, as every event of the
  /// benchmark is published once (no silences). Throws when they do not come.
  void wait_for(std::uint64_t count) const {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (events_ < count) {
      if (Clock::now() > deadline)
        throw std::runtime_error("the subscriber received " + std::to_string(events_) + " of " +
                                 std::to_string(count) + " events");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  /// The (rule, arrival time) of each event received while tracking, in arrival order.
  std::vector<std::pair<std::string, Clock::time_point>> arrivals() {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  void track(bool on) { track_ = on; }

 private:
  void run() {
    zmq::message_t frame;
    while (!stop_) {
      zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(20));
      while (socket_.recv(frame, zmq::recv_flags::dontwait)) {
        auto message = split_feed_frame(frame);
        if (!message || message->topic.empty() || message->topic.front() == '$') continue;
        // Counted, not parsed: the subscriber shares the two cores with the daemon, and every
        // event it counts has been received whole (one per line of the message).
        std::uint64_t count = 0;
        for_each_feed_event(message->payload, [&](std::string_view) { ++count; });
        auto now = Clock::now();
        last_event_ticks_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
        events_.fetch_add(count, std::memory_order_release);
        if (!track_) continue;
        // Topic "route.severity.rule": the rule is after the second dot.
        std::string_view name = message->topic;
        std::string rule(name.substr(name.find('.', name.find('.') + 1) + 1));
        std::lock_guard lock(mutex_);
        for (std::uint64_t i = 0; i < count; ++i) arrivals_.emplace_back(rule, now);
      }
    }
  }
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false}, track_{false};
  std::atomic<std::uint64_t> events_{0};
  std::atomic<Clock::rep> last_event_ticks_{0};
  std::mutex mutex_;
  std::vector<std::pair<std::string, Clock::time_point>> arrivals_;
  std::thread thread_;
};

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool send_batch(LazyPirateClient& client, const Batch& batch) {
  std::string_view frames[] = {batch.id, batch.header, batch.body};
  std::vector<std::string> reply;
  std::string error;
  if (client.request(frames, reply, error) != RequestStatus::ok) {
    std::fprintf(stderr, "daemon_bench: %s\n", error.c_str());
    return false;
  }
  if (reply.size() != 1 || reply[0].find("\"status\":\"ok\"") == std::string::npos) {
    std::fprintf(stderr, "daemon_bench: batch refused: %s\n", reply.empty() ? "" : reply[0].substr(0, 300).c_str());
    return false;
  }
  return true;
}

std::uint64_t daemon_sequence(LazyPirateClient& control) {
  std::string error;
  auto status = control_request(control, {{"command", "status"}}, error);
  if (!status) throw std::runtime_error(error);
  return (*status)["sequence"].get<std::uint64_t>();
}

json measure_peak(const Options& options, const std::vector<std::vector<Batch>>& dates, std::size_t total,
                  zmq::context_t& context, DaemonProcess& daemon, LazyPirateClient& control,
                  Subscriber& subscriber) {
  std::barrier sync_point(options.clients);
  std::atomic<bool> failed{false};
  // Connecting before the clock starts (a loopback connect takes well under the 50 ms given): the
  // rate is of samples flowing, not of TCP handshakes.
  std::vector<std::unique_ptr<LazyPirateClient>> senders;
  for (int c = 0; c < options.clients; ++c)
    senders.push_back(std::make_unique<LazyPirateClient>(context, daemon.ingest, ClientSecurity{},
                                                         std::chrono::milliseconds(60000), 0));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double cpu_before = daemon.cpu_seconds();
  auto threads_before = daemon.thread_cpu_seconds();
  double bench_cpu_before = own_cpu_seconds();
  auto started = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c)
    clients.emplace_back([&, c] {
      LazyPirateClient& client = *senders[static_cast<std::size_t>(c)];
      for (const auto& batches : dates) {
        for (std::size_t b = static_cast<std::size_t>(c); b < batches.size(); b += static_cast<std::size_t>(options.clients))
          if (!send_batch(client, batches[b])) failed = true;
        sync_point.arrive_and_wait();  // the next date only when this one is in
      }
    });
  for (auto& thread : clients) thread.join();
  if (failed) throw std::runtime_error("a batch failed");
  // Each date closed when the first batch of the next arrived; the last one closes now.
  {
    std::string error;
    auto closed = control_request(control, {{"command", "close"}}, error);
    if (!closed || !closed->value("ok", false)) throw std::runtime_error("close failed: " + error);
  }
  auto answered = Clock::now();
  std::uint64_t sequence = daemon_sequence(control);
  subscriber.wait_for(sequence);
  auto finished = std::max(answered, subscriber.last_event_time());
  double cpu = daemon.cpu_seconds() - cpu_before;
  double bench_cpu = own_cpu_seconds() - bench_cpu_before;
  json threads = json::object();
  for (const auto& [thread, seconds] : daemon.thread_cpu_seconds()) threads[thread] = seconds - threads_before[thread];
  double seconds = std::chrono::duration<double>(finished - started).count();
  double rate = static_cast<double>(total) / seconds;
  json result_peak = {{"samples", total},
                      {"batches", [&] { std::size_t n = 0; for (auto& d : dates) n += d.size(); return n; }()},
                      {"batch_lines", options.batch_lines},
                      {"clients", options.clients},
                      {"events_received", subscriber.events()},
                      {"last_sequence", sequence},
                      {"seconds", seconds},
                      {"samples_per_s", rate},
                      {"daemon_cpu_seconds", cpu},
                      {"daemon_thread_cpu_seconds", threads},
                      {"bench_cpu_seconds", bench_cpu},  // the clients and the subscriber
                      {"samples_per_daemon_cpu_s", static_cast<double>(total) / cpu},
                      {"ok_seconds", std::chrono::duration<double>(answered - started).count()}};
  return result_peak;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i], value = argv[i + 1];
    if (name == "--bandwatchd") options.bandwatchd = value;
    else if (name == "--workload") options.workload = value;
    else if (name == "--clients") options.clients = std::stoi(value);
    else if (name == "--batch-lines") options.batch_lines = std::stoi(value);
    else if (name == "--sync") options.sync = value;
    else if (name == "--latency-seconds") options.latency_seconds = std::stod(value);
    else if (name == "--latency-batch-lines") options.latency_batch_lines = std::stoi(value);
    else if (name == "--repeat") options.repeat = std::max(1, std::stoi(value));
    else {
      std::fprintf(stderr, "daemon_bench: unknown option %s\n", name.c_str());
      return 2;
    }
  }
  if (options.bandwatchd.empty() || options.workload.empty()) {
    std::fprintf(stderr, "usage: daemon_bench --bandwatchd PATH --workload DIR [--clients N] [--batch-lines N] "
                         "[--sync full|normal] [--latency-seconds S] [--latency-batch-lines N] [--repeat N]\n");
    return 2;
  }
  try {
    std::size_t total = 0;
    auto dates = load_batches(options.workload + "/samples.txt", options.batch_lines, total);
    std::string directory = fs::temp_directory_path() / ("bw_bench_" + std::to_string(::getpid()));
    fs::create_directories(directory);
    json result;
    {
      // ---- peak, --repeat times, each on a fresh daemon (this machine's timings vary from run
      // to run; the median is reported): every client sends its share of each date's batches,
      // dates in order. The last daemon stays up for the latency measurement.
      zmq::context_t context(2);
      std::unique_ptr<DaemonProcess> daemon;
      std::unique_ptr<LazyPirateClient> control_client;
      std::unique_ptr<Subscriber> subscriber_owner;
      std::vector<json> runs;
      for (int run = 0; run < options.repeat; ++run) {
        subscriber_owner.reset();
        control_client.reset();
        daemon.reset();
        daemon = std::make_unique<DaemonProcess>(
            options.bandwatchd, options.workload + "/rules.bw", directory + "/run" + std::to_string(run),
            std::vector<std::string>{"--sync", options.sync, "--log-level", "warn", "--publish-hwm", "0",
                                     "--checkpoint-samples", "100000000", "--watch-interval-ms", "0",
                                     // The latency phase closes a date per batch, one day apart: far
                                     // past today, which a real daemon refuses as a mistyped year.
                                     "--future-days", "1000000", "--close-after", "0"});
        control_client = std::make_unique<LazyPirateClient>(context, daemon->control, ClientSecurity{},
                                                            std::chrono::milliseconds(30000), 0);
        subscriber_owner = std::make_unique<Subscriber>(context, daemon->publish, *control_client);
        runs.push_back(measure_peak(options, dates, total, context, *daemon, *control_client, *subscriber_owner));
        std::fprintf(stderr, "daemon_bench: run %d: %.0f samples/s\n", run + 1, runs.back()["samples_per_s"].get<double>());
      }
      std::vector<json> by_rate = runs;
      std::sort(by_rate.begin(), by_rate.end(),
                [](const json& a, const json& b) { return a["samples_per_s"].get<double>() < b["samples_per_s"].get<double>(); });
      result["peak"] = by_rate[by_rate.size() / 2];
      json rates = json::array();
      for (const json& run : runs) rates.push_back(run["samples_per_s"]);
      result["peak"]["runs_samples_per_s"] = rates;
      double rate = result["peak"]["samples_per_s"].get<double>();
      DaemonProcess& daemon_ref = *daemon;
      LazyPirateClient& control = *control_client;
      Subscriber& subscriber = *subscriber_owner;

      // ---- latency at half the peak rate ----
      // A later date; every series set to a green value first (one burst of resolutions), then
      // batches of the same green values in which one probe series flips red/green each time,
      // each batch a date of its own that it closes, so each yields exactly one event.
      Date day = dates.back().front().as_of;
      day.days_since_epoch += 14;
      std::vector<std::string> metric_lines;  // per metric: its series at 99.999
      int metrics = 0;
      {
        std::string rules = read_all(options.workload + "/rules.bw");
        for (std::size_t at = 0; (at = rules.find("indicator m", at)) != std::string::npos; ++at) ++metrics;
      }
      int series = static_cast<int>(total / static_cast<std::size_t>(metrics) / dates.size());
      auto metric_body = [&](int m, int flip_series, double flip_value) {
        std::string body;
        for (int s = 0; s < series; ++s) {
          body += "m" + std::to_string(m) + "{s=\"" + std::to_string(s) + "\"} ";
          body += s == flip_series ? std::to_string(flip_value) : std::string("99.999");
          body += " " + day.iso() + "\n";
        }
        return body;
      };
      int metrics_per_batch = std::max(1, options.latency_batch_lines / series);
      LazyPirateClient sender(context, daemon_ref.ingest, {}, std::chrono::milliseconds(60000), 0);
      for (int m = 0; m < metrics; m += metrics_per_batch) {
        std::string body;
        for (int k = m; k < std::min(metrics, m + metrics_per_batch); ++k) body += metric_body(k, -1, 0);
        bool last = m + metrics_per_batch >= metrics;
        if (!send_batch(sender, make_batch(day, body, 0, last))) throw std::runtime_error("warm-up failed");
      }
      std::uint64_t warm = daemon_sequence(control);
      subscriber.wait_for(warm);
      subscriber.track(true);

      double half = rate / 2;
      double batch_samples = static_cast<double>(metrics_per_batch * series);
      auto interval = std::chrono::duration<double>(batch_samples / half);
      std::size_t count = static_cast<std::size_t>(options.latency_seconds / interval.count());
      std::vector<double> latencies;
      std::vector<std::pair<std::string, Clock::time_point>> sent;
      std::vector<bool> red(static_cast<std::size_t>(metrics), false);
      auto next = Clock::now();
      int cursor = 0;
      for (std::size_t i = 0; i < count; ++i) {
        day.days_since_epoch += 1;  // a date of its own (metric_body writes it on each line)
        std::string body;
        int probe = cursor;
        for (int k = 0; k < metrics_per_batch; ++k) {
          int m = (cursor + k) % metrics;
          if (m == probe) {
            red[static_cast<std::size_t>(m)] = !red[static_cast<std::size_t>(m)];
            body += metric_body(m, 0, red[static_cast<std::size_t>(m)] ? 50.0 : 99.999);
          } else {
            body += metric_body(m, -1, 0);
          }
        }
        cursor = (cursor + metrics_per_batch) % metrics;
        // Unique content per batch (the daemon would answer a repeat without applying it).
        body += "# batch " + std::to_string(i) + "\n";
        Batch batch = make_batch(day, std::move(body), 0, /*close=*/true);
        std::this_thread::sleep_until(next);
        next += std::chrono::duration_cast<Clock::duration>(interval);
        auto at = Clock::now();
        if (!send_batch(sender, batch)) throw std::runtime_error("latency batch failed");
        sent.emplace_back("m" + std::to_string(probe), at);
      }
      subscriber.wait_for(daemon_sequence(control));
      // Each probe rule's events arrive in the order its batches were sent.
      std::unordered_map<std::string, std::vector<Clock::time_point>> by_rule;
      for (auto& [rule, time] : subscriber.arrivals()) by_rule[rule].push_back(time);
      std::unordered_map<std::string, std::size_t> used;
      for (auto& [rule, at] : sent) {
        auto& times = by_rule[rule];
        std::size_t& index = used[rule];
        if (index < times.size()) latencies.push_back(std::chrono::duration<double, std::micro>(times[index++] - at).count());
      }
      std::sort(latencies.begin(), latencies.end());
      auto percentile = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
      };
      json latency = {{"target_samples_per_s", half},
                      {"batches", count},
                      {"alerts_matched", latencies.size()},
                      {"batch_samples", batch_samples},
                      {"interval_us", interval.count() * 1e6},
                      {"p50_us", percentile(0.50)},
                      {"p99_us", percentile(0.99)},
                      {"max_us", latencies.empty() ? 0.0 : latencies.back()},
                      {"note", "from the client sending a batch to the subscriber receiving its alert"}};
      result["latency"] = latency;
    }
    std::printf("%s\n", result.dump().c_str());
    if (!std::getenv("KEEP")) fs::remove_all(directory);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "daemon_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
