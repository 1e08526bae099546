// The live board's accounts file: who may sign in to bandwatchd's board, their password as an
// Argon2id hash (libsodium's crypto_pwhash_str), the name their acknowledgements carry, and
// their role per route. Written by `bandwatch passwd`, read by bandwatchd (docs/board.md):
//
//     {"accounts": {"jane": {"name": "Jane Humphreys", "hash": "$argon2id$v=19$m=65536,t=2,p=1$...",
//                            "roles": {"workload_pressures": "chair", "*": "viewer"}}}}
//
// A role for "*" holds for every route without one of its own. An account with "hash": null
// cannot sign in by password: it gives the roles of a user the trusted proxy names. The file is written whole into a
// temporary file, mode 0600, and renamed into place.
//
// Thread safety: free functions without shared state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bandwatch::protocol {

/// What a person may do on a route's board: a viewer reads; a member also acknowledges and adds
/// notes and review dates; a chair also silences.
enum class Role { none, viewer, member, chair };

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);  // "viewer", "member", "chair"

struct Account {
  std::string name;  // as acknowledgements show it; the user name when not given
  std::string hash;  // crypto_pwhash_str's Argon2id string; empty: no password (signs in through the proxy only)
  std::map<std::string, Role> roles;  // route (or "*") -> role
  /// The role on `route`: its own, else the one for "*", else none.
  Role role(const std::string& route) const;
};

using Accounts = std::map<std::string, Account>;  // user name -> account

/// Reads an accounts file; nullopt with `error` naming the file and what is wrong.
std::optional<Accounts> read_accounts(const std::string& path, std::string& error);
/// Writes it (0600, through a temporary file and a rename); false with `error` set.
bool write_accounts(const std::string& path, const Accounts& accounts, std::string& error);

/// The Argon2id hash of `password` (libsodium's interactive limits); empty when out of memory.
std::string hash_password(std::string_view password);
/// Whether `password` matches `hash`.
bool verify_password(const std::string& hash, std::string_view password);

/// Why `user` cannot be a user name (empty, too long, spaces or control characters), or nullopt.
std::optional<std::string> user_name_problem(std::string_view user);

}  // namespace bandwatch::protocol
