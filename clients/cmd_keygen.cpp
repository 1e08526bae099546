// `bandwatch keygen NAME [--force]`: writes a CURVE key pair, NAME.key (secret, mode 0600) and
// NAME.pub (to give to the other side: the daemon's authorized-keys folder, or the clients).
#include <cstdio>

#include "command.hpp"
#include "commands.hpp"
#include "protocol/curve_keys.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_keygen(const Arguments& args) {
  bool force = false;
  Command command("keygen", "NAME [--force]",
                  "Writes a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (to give to the other\n"
                  "side: the daemon's authorized-keys folder, or the clients).");
  command.options()("force", po::bool_switch(&force), "replace existing key files");
  command.positional("name", 1, po::value<std::string>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("name")) return command.usage_error("give the key's NAME");
  std::string name = command.get<std::string>("name");
  auto keys = protocol::generate_curve_keys();
  if (!keys) return command.fail("this libzmq has no CURVE support");
  std::string error;
  if (!protocol::write_curve_keys(name, *keys, force, error)) return command.fail(error);
  std::printf("wrote %s.key (secret: keep it) and %s.pub\npublic key: %s\n", name.c_str(), name.c_str(),
              keys->public_key.c_str());
  return kExitOk;
}

}  // namespace bandwatch::cli
