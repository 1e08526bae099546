#include "http_server.hpp"

#include <pthread.h>

#include <array>
#include <deque>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "board_auth.hpp"
#include "board_handlers.hpp"

namespace bandwatch::daemon::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxQueuedEvents = 256;  // a page stream further behind is closed
constexpr auto kPing = std::chrono::seconds(15);

}  // namespace

struct BoardServer::Impl {
  Impl(const BoardOptions& board_options, BoardHub& board_hub, std::shared_ptr<spdlog::logger> logger)
      : options(board_options),
        hub(board_hub),
        log(std::move(logger)),
        acceptor(io),
        auth(options, log),
        handlers(options, hub, auth, log, io) {}

  void accept();

  BoardOptions options;
  BoardHub& hub;
  std::shared_ptr<spdlog::logger> log;
  net::io_context io{1};
  tcp::acceptor acceptor;
  BoardAuth auth;
  BoardHandlers handlers;
  std::string address;
  std::size_t connections = 0;
  std::thread thread;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, BoardServer::Impl& server) : stream_(std::move(socket)), server_(server), ping_(server.io) {
    ++server_.connections;
    beast::error_code ignored;
    peer_ = stream_.socket().remote_endpoint(ignored).address();
  }
  ~Session() {
    --server_.connections;
    if (subscription_) server_.hub.unsubscribe(subscription_);
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(server_.options.max_request_bytes, 1u << 20)));
    parser_->body_limit(server_.options.max_request_bytes);
    stream_.expires_after(server_.options.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

 private:
  void on_read(beast::error_code error) {
    if (error == bhttp::error::body_limit || error == bhttp::error::header_limit || error == bhttp::error::buffer_overflow) {
      Response response{bhttp::status::payload_too_large, 11};
      response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
      response.body() = "request over the limit of " + std::to_string(server_.options.max_request_bytes) +
                        " bytes (--http-max-request-bytes)\n";
      response.keep_alive(false);
      response.prepare_payload();
      write(std::move(response));
      return;
    }
    if (error) return close();  // end of stream, a timeout, a reset: nothing to answer
    Request request = parser_->release();
    bool keep_alive = request.keep_alive();
    unsigned version = request.version();
    std::weak_ptr<Session> weak = weak_from_this();
    std::optional<StreamStart> stream =
        server_.handlers.handle(request, peer_, [self = shared_from_this(), keep_alive, version](Response response) {
          response.version(version);
          response.keep_alive(keep_alive && response.keep_alive());
          self->write(std::move(response));
        });
    if (stream) start_stream(*stream, request);
  }

  void write(Response response) {
    auto message = std::make_shared<Response>(std::move(response));
    stream_.expires_after(server_.options.request_timeout);
    bhttp::async_write(stream_, *message, [self = shared_from_this(), message](beast::error_code error, std::size_t) {
      if (error || message->need_eof()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    ping_.cancel();
  }

  // ---- a page stream (server-sent events) --------------------------------------------------

  void start_stream(const StreamStart& start, const Request& request) {
    std::uint64_t after = start.after;
    if (auto last = request.find("Last-Event-ID"); last != request.end()) {  // a reconnect: where the browser got to
      std::string text(last->value());
      char* end = nullptr;
      unsigned long long value = std::strtoull(text.c_str(), &end, 10);
      if (!text.empty() && end && *end == '\0') after = value;
    }
    queue_.push_back(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nretry: 2000\n\n");
    std::weak_ptr<Session> weak = weak_from_this();
    net::io_context& io = server_.io;
    BoardHub::Subscription subscription =
        server_.hub.subscribe(start.key, after, [weak, &io](const std::shared_ptr<const FeedEvent>& event) {
          net::post(io, [weak, event] {
            if (auto self = weak.lock()) self->push(*event);
          });
        });
    subscription_ = subscription.id;
    last_id_ = after;
    if (!subscription.complete) {
      // The kept events do not reach back to the page's number: it reads the state again.
      last_id_ = subscription.current;
      queue_.push_back("id: " + std::to_string(last_id_) + "\nevent: reset\ndata: {}\n\n");
    }
    for (const auto& event : subscription.missed) push(*event);
    stream_.expires_never();
    ping();
    flush();
    watch_peer();
  }

  // A pending read keeps the stream (and this session) alive until the browser goes away.
  void watch_peer() {
    stream_.socket().async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error) return self->close();
      self->watch_peer();  // a page stream has nothing more to say; whatever comes is dropped
    });
  }

  void push(const FeedEvent& event) {
    if (event.id <= last_id_) return;  // never the same event twice on one stream
    last_id_ = event.id;
    queue_.push_back("id: " + std::to_string(event.id) + "\nevent: alert\ndata: " + event.json + "\n\n");
    if (queue_.size() > kMaxQueuedEvents) {
      server_.log->info("board: a page stream fell {} events behind: closed (the browser resumes from its last event)",
                        queue_.size());
      return close();
    }
    flush();
  }

  void ping() {
    ping_.expires_after(kPing);
    ping_.async_wait([weak = weak_from_this()](beast::error_code error) {
      if (error) return;
      if (auto self = weak.lock()) {
        self->queue_.push_back(": ping\n\n");
        self->flush();
        self->ping();
      }
    });
  }

  void flush() {
    if (writing_ || queue_.empty()) return;
    writing_ = true;
    stream_.expires_after(server_.options.request_timeout);
    net::async_write(stream_, net::buffer(queue_.front()),
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       self->writing_ = false;
                       if (error) return self->close();
                       self->queue_.pop_front();
                       self->flush();
                     });
  }

  beast::tcp_stream stream_;
  BoardServer::Impl& server_;
  net::ip::address peer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::uint64_t subscription_ = 0;
  std::uint64_t last_id_ = 0;
  std::deque<std::string> queue_;
  std::array<char, 512> discard_;
  bool writing_ = false;
  net::steady_timer ping_;
};

}  // namespace

void BoardServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error == net::error::operation_aborted) return;
    if (!error) {
      if (connections >= options.max_connections) {
        static const std::string kBody = "too many connections (--http-max-connections)\n";
        static const std::string kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n"
            "Connection: close\r\nContent-Length: " + std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(kBusy), ignored);
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), *this)->read();
      }
    }
    accept();
  });
}

BoardServer::BoardServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BoardServer::~BoardServer() { stop(); }

std::unique_ptr<BoardServer> BoardServer::start(const BoardOptions& options, BoardHub& hub,
                                                std::shared_ptr<spdlog::logger> log, std::string& error) {
  auto impl = std::make_unique<Impl>(options, hub, log);
  if (!impl->auth.load(error)) return nullptr;
  beast::error_code failed;
  net::ip::address address = net::ip::make_address(options.address, failed);
  tcp::endpoint endpoint(address, options.port);
  if (!failed) impl->acceptor.open(endpoint.protocol(), failed);
  if (!failed) impl->acceptor.set_option(net::socket_base::reuse_address(true), failed);
  if (!failed) impl->acceptor.bind(endpoint, failed);
  if (!failed) impl->acceptor.listen(net::socket_base::max_listen_connections, failed);
  if (failed) {
    error = "--http " + options.address + ":" + std::to_string(options.port) + ": cannot listen: " + failed.message();
    return nullptr;
  }
  tcp::endpoint bound = impl->acceptor.local_endpoint();
  impl->address = (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) +
                  ":" + std::to_string(bound.port());
  impl->accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "bw-http");
    for (;;) {
      try {
        raw->io.run();
        break;
      } catch (const std::exception& unexpected) {  // a bug in a handler: log it and serve on
        raw->log->error("board: {}", unexpected.what());
      }
    }
  });
  return std::unique_ptr<BoardServer>(new BoardServer(std::move(impl)));
}

const std::string& BoardServer::address() const { return impl_->address; }

void BoardServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace bandwatch::daemon::http
