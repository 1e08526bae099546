// `bandwatch keygen NAME [--force]`: writes a CURVE key pair, NAME.key (secret, mode 0600) and
// NAME.pub (to give to the other side: the daemon's authorized-keys folder, or the clients).
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "commands.hpp"
#include "daemon_common.hpp"
#include "protocol/curve_keys.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_keygen(const Arguments& args) {
  bool force = false;
  po::options_description described("Options");
  described.add_options()
      ("help,h", "print this help")
      ("force", po::bool_switch(&force), "replace existing key files");
  po::options_description hidden;
  hidden.add_options()("name", po::value<std::string>());
  po::options_description all;
  all.add(described).add(hidden);
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map vm;
  const char* usage = "usage: bandwatch keygen NAME [--force]   (writes NAME.key and NAME.pub)\n";
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    std::fprintf(stderr, "bandwatch keygen: %s\n%s", error.what(), usage);
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n" << described;
    return kExitOk;
  }
  if (!vm.count("name")) {
    std::fprintf(stderr, "bandwatch keygen: give the key's NAME\n%s", usage);
    return kExitUsage;
  }
  std::string name = vm["name"].as<std::string>();
  auto keys = protocol::generate_curve_keys();
  if (!keys) {
    std::fprintf(stderr, "bandwatch keygen: this libzmq has no CURVE support\n");
    return kExitUsage;
  }
  std::string error;
  if (!protocol::write_curve_keys(name, *keys, force, error)) {
    std::fprintf(stderr, "bandwatch keygen: %s\n", error.c_str());
    return kExitUsage;
  }
  std::printf("wrote %s.key (secret: keep it) and %s.pub\npublic key: %s\n", name.c_str(), name.c_str(),
              keys->public_key.c_str());
  return kExitOk;
}

}  // namespace bandwatch::cli
