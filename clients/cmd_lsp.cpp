// `bandwatch lsp`: a Language Server for `.bw` rule files on standard input and output, for
// editors (VS Code through editors/vscode, Neovim, Emacs, Helix...). See docs/editors.md.
#include <cstdio>

#include "command.hpp"
#include "commands.hpp"
#include "lsp/jsonrpc.hpp"
#include "lsp/server.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_lsp(const Arguments& args) {
  Command command("lsp", "[--samples FILE...] [options]",
                  "A Language Server on standard input and output (JSON-RPC, Content-Length framing): the\n"
                  "errors and warnings of `bandwatch check` as you type (the workspace's other .bw files\n"
                  "loaded, so names declared there resolve), hover (an indicator's bands, unit, polarity and\n"
                  "last values; a metric's labels), completion of names, labels and keywords, and formatting\n"
                  "as `bandwatch fmt` does. Started by an editor, not by hand.");
  lsp::ServerOptions options;
  std::size_t max_message_bytes = 16u << 20;
  command.options()
      ("samples,s", po::value<std::vector<std::string>>(&options.samples)->multitoken(),
       "sample files replayed through the rules for hover's last values")
      ("max-message-bytes", po::value<std::size_t>(&max_message_bytes)->default_value(max_message_bytes),
       "the largest message read; a larger one is answered with an error and skipped")
      ("stdio", "talk over standard input and output (the only way; accepted because editors pass it)");
  if (auto stop = command.parse(args)) return *stop;

  lsp::Server server(std::move(options));
  lsp::FrameReader reader(stdin, max_message_bytes);
  for (;;) {
    lsp::Frame frame = reader.next();
    if (frame.kind == lsp::Frame::Kind::end) {
      if (!frame.problem.empty()) std::fprintf(stderr, "bandwatch lsp: %s\n", frame.problem.c_str());
      return server.exit_code() == 0 ? kExitOk : kExitFailed;  // the editor went away
    }
    if (frame.kind != lsp::Frame::Kind::message) {
      if (!lsp::write_frame(stdout, lsp::error_response(nullptr, lsp::kInvalidRequest, frame.problem)))
        return kExitFailed;
      continue;
    }
    for (const lsp::json& reply : server.handle(frame.body))
      if (!lsp::write_frame(stdout, reply)) return kExitFailed;
    if (server.exit_requested()) return server.exit_code() == 0 ? kExitOk : kExitFailed;
  }
}

}  // namespace bandwatch::cli
