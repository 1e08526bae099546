#include "lsp_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace bandwatch::lsp_test {

std::string file_uri(const std::string& path) { return "file://" + path; }

LspClient::LspClient(const std::vector<std::string>& extra_args) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> argv = {BANDWATCH_PATH, "lsp"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  to_server_ = in[1];
  from_server_ = out[0];
  ::signal(SIGPIPE, SIG_IGN);
}

LspClient::~LspClient() {
  if (to_server_ >= 0) ::close(to_server_);
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (from_server_ >= 0) ::close(from_server_);
}

void LspClient::write_raw(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(to_server_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the server's input is closed");
    done += static_cast<std::size_t>(n);
  }
}

void LspClient::send(const json& message) {
  std::string body = message.dump();
  write_raw("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

int LspClient::request(const std::string& method, const json& params) {
  int id = next_id_++;
  send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  return id;
}

void LspClient::notify(const std::string& method, const json& params) {
  send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
}

std::optional<json> LspClient::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t header_end = buffer_.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      std::size_t at = buffer_.find("Content-Length: ");
      if (at == std::string::npos || at > header_end) throw std::runtime_error("a message without Content-Length");
      std::size_t length = std::stoul(buffer_.substr(at + 16, header_end - at - 16));
      if (buffer_.size() >= header_end + 4 + length) {
        json message = json::parse(buffer_.substr(header_end + 4, length));
        buffer_.erase(0, header_end + 4 + length);
        return message;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{from_server_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[65536];
    ssize_t n = ::read(from_server_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<json> LspClient::wait_for(const std::function<bool(const json&)>& match, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<json> message = next(left);
    if (!message) return std::nullopt;
    if (match(*message)) return message;
    seen.push_back(*message);
  }
}

std::optional<json> LspClient::response(int id, std::chrono::milliseconds timeout) {
  return wait_for([id](const json& m) { return m.contains("id") && m["id"] == id && !m.contains("method"); }, timeout);
}

std::optional<json> LspClient::diagnostics(const std::string& uri, std::chrono::milliseconds timeout) {
  return wait_for([&uri](const json& m) {
    return m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
  }, timeout);
}

std::optional<int> LspClient::wait_exit(std::chrono::milliseconds timeout) {
  if (to_server_ >= 0) {
    ::close(to_server_);
    to_server_ = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    ::usleep(10000);
  }
  return std::nullopt;
}

}  // namespace bandwatch::lsp_test
