// SHA-256 (FIPS 180-4), for content-derived batch ids: a batch id must not collide for different
// contents, or the daemon would answer `ok` to new data and drop it as a repeat. Small and
// dependency-free on purpose (no OpenSSL in the build).
//
// Thread safety: a Sha256 object is not synchronised; separate objects are independent.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bandwatch::protocol {

class Sha256 {
 public:
  Sha256();
  /// Feeds more bytes; may be called any number of times before `digest`.
  void update(std::string_view bytes);
  /// Finishes the hash; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> digest();
  /// Lower-case hex of `digest()`.
  std::string hex_digest();

 private:
  void block(const std::uint8_t* data);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

/// Hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace bandwatch::protocol
