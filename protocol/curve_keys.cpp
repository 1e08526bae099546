#include "protocol/curve_keys.hpp"

#include <sys/stat.h>
#include <zmq.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace bandwatch::protocol {

namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

bool is_z85_key(const std::string& key) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return key.size() == 40 &&
         std::all_of(key.begin(), key.end(),
                     [](char c) { return kAlphabet.find(c) != std::string_view::npos; });
}

std::optional<CurveKeys> generate_curve_keys() {
  char public_key[41] = {};
  char secret_key[41] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) return std::nullopt;
  return CurveKeys{public_key, secret_key};
}

std::optional<CurveKeys> read_curve_keys(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read key file";
    return std::nullopt;
  }
  CurveKeys keys;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = trim(line);
    std::string_view name, value;
    // Z85 uses '#' and '=' too, so a bare key is recognised before comments and separators.
    if (is_z85_key(std::string(text))) {
      value = text;
    } else {
      if (text.empty() || text.front() == '#') continue;
      std::size_t separator = text.find_first_of("= \t");
      if (separator == std::string_view::npos) {
        error = path + ":" + std::to_string(number) + ": not a 40-character Z85 key";
        return std::nullopt;
      }
      name = trim(text.substr(0, separator));
      value = trim(text.substr(separator));
      if (!value.empty() && value.front() == '=') value = trim(value.substr(1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    }
    std::string key(value);
    if (!is_z85_key(key)) {
      error = path + ":" + std::to_string(number) + ": not a 40-character Z85 key";
      return std::nullopt;
    }
    if (name.empty() || name == "public-key" || name == "public_key") keys.public_key = key;
    else if (name == "secret-key" || name == "secret_key") keys.secret_key = key;
    else {
      error = path + ":" + std::to_string(number) + ": unknown entry '" + std::string(name) +
              "' (expected public-key or secret-key)";
      return std::nullopt;
    }
  }
  if (keys.public_key.empty() && !keys.secret_key.empty()) {
    // A secret key alone is enough: derive its public half.
    char public_key[41] = {};
    if (zmq_curve_public(public_key, keys.secret_key.c_str()) == 0) keys.public_key = public_key;
  }
  if (keys.public_key.empty()) {
    error = path + ": no public-key in key file";
    return std::nullopt;
  }
  return keys;
}

bool write_curve_keys(const std::string& base, const CurveKeys& keys, bool overwrite,
                      std::string& error) {
  const std::string secret_path = base + ".key";
  const std::string public_path = base + ".pub";
  std::error_code ignored;
  if (!overwrite) {
    for (const std::string& path : {secret_path, public_path})
      if (fs::exists(path, ignored)) {
        error = path + ": already exists (pass --force to replace it)";
        return false;
      }
  }
  {
    // Create the secret file with 0600 from the start so the key is never world-readable.
    mode_t old_mask = ::umask(0077);
    std::ofstream out(secret_path, std::ios::trunc);
    ::umask(old_mask);
    if (!out) {
      error = secret_path + ": cannot write";
      return false;
    }
    out << "# bandwatch CURVE key pair: keep this file secret\n"
        << "public-key = " << keys.public_key << "\n"
        << "secret-key = " << keys.secret_key << "\n";
    if (!out.flush()) {
      error = secret_path + ": cannot write";
      return false;
    }
    fs::permissions(secret_path, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ignored);
  }
  std::ofstream out(public_path, std::ios::trunc);
  out << "# bandwatch CURVE public key\n"
      << "public-key = " << keys.public_key << "\n";
  if (!out.flush()) {
    error = public_path + ": cannot write";
    return false;
  }
  return true;
}

std::vector<std::string> read_authorized_keys(const std::string& directory,
                                              std::vector<std::string>& problems) {
  std::vector<std::string> keys;
  std::error_code error;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (!entry.is_regular_file(error)) continue;
    std::string extension = entry.path().extension().string();
    if (extension == ".pub" || extension == ".key") files.push_back(entry.path());
  }
  if (error) problems.push_back(directory + ": " + error.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::string problem;
    if (auto read = read_curve_keys(file.string(), problem)) keys.push_back(read->public_key);
    else problems.push_back(problem);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace bandwatch::protocol
