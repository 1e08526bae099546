// SHA-256 against the FIPS 180-4 / NIST test vectors, including inputs fed in pieces.
#include "sha256.hpp"  // internal to protocol/

#include <gtest/gtest.h>

namespace bandwatch::protocol {
namespace {

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesGiveTheSameDigest) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "caseload{worker=\"W" + std::to_string(i) + "\"} 22 2020-02-04\n";
  for (std::size_t step : {1u, 3u, 63u, 64u, 65u, 1000u}) {
    Sha256 hash;
    for (std::size_t at = 0; at < text.size(); at += step) hash.update(std::string_view(text).substr(at, step));
    EXPECT_EQ(hash.hex_digest(), sha256_hex(text)) << "step " << step;
  }
}

TEST(Sha256, PaddingBoundaries) {
  // 55, 56 and 64 bytes put the length in the same block, the next block, and after a full one.
  EXPECT_EQ(sha256_hex(std::string(55, 'x')).size(), 64u);
  EXPECT_NE(sha256_hex(std::string(55, 'x')), sha256_hex(std::string(56, 'x')));
  EXPECT_EQ(sha256_hex(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

}  // namespace
}  // namespace bandwatch::protocol
