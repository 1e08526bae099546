// CURVE key files in Z85, shared by `bandwatch keygen`, the daemon and every client.
//
// A key pair file (keep secret, written 0600):      A public key file (give to the other side):
//     # bandwatch CURVE key pair                          # bandwatch CURVE public key
//     public-key = <40 Z85 characters>                    public-key = <40 Z85 characters>
//     secret-key = <40 Z85 characters>
// A bare line of 40 Z85 characters is also read as a public key, so keys made by other ZeroMQ
// tools can be dropped in. Lines starting with '#' are comments.
//
// Thread safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bandwatch::protocol {

struct CurveKeys {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; empty in a public key file
};

/// A fresh key pair (zmq_curve_keypair); nullopt when libzmq was built without CURVE.
std::optional<CurveKeys> generate_curve_keys();

/// Reads a key file; on failure returns nullopt and sets `error` naming the file and the problem.
std::optional<CurveKeys> read_curve_keys(const std::string& path, std::string& error);

/// Writes `NAME.key` (both keys, mode 0600) and `NAME.pub` (public key only) for `base` = NAME.
/// Refuses to overwrite existing files unless `overwrite`. False with `error` set on failure.
bool write_curve_keys(const std::string& base, const CurveKeys& keys, bool overwrite,
                      std::string& error);

/// True when `key` is 40 characters of the Z85 alphabet.
bool is_z85_key(const std::string& key);

/// The public keys of every readable key file (`*.pub`, `*.key`) in `directory`; unreadable or
/// malformed files are reported in `problems` and skipped.
std::vector<std::string> read_authorized_keys(const std::string& directory,
                                              std::vector<std::string>& problems);

}  // namespace bandwatch::protocol
