// CURVE key files: generated, written with safe permissions, read back, and bad files refused
// with the file and line named.
#include "protocol/curve_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace bandwatch::protocol {
namespace {

namespace fs = std::filesystem;

class CurveKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bw_keys_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path dir_;
};

TEST_F(CurveKeysTest, GenerateWriteRead) {
  auto keys = generate_curve_keys();
  ASSERT_TRUE(keys);
  EXPECT_TRUE(is_z85_key(keys->public_key));
  EXPECT_TRUE(is_z85_key(keys->secret_key));
  std::string error;
  std::string base = (dir_ / "server").string();
  ASSERT_TRUE(write_curve_keys(base, *keys, false, error)) << error;
  struct stat info {};
  ASSERT_EQ(::stat((base + ".key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto pair = read_curve_keys(base + ".key", error);
  ASSERT_TRUE(pair) << error;
  EXPECT_EQ(pair->public_key, keys->public_key);
  EXPECT_EQ(pair->secret_key, keys->secret_key);
  auto pub = read_curve_keys(base + ".pub", error);
  ASSERT_TRUE(pub) << error;
  EXPECT_EQ(pub->public_key, keys->public_key);
  EXPECT_TRUE(pub->secret_key.empty());
  EXPECT_FALSE(write_curve_keys(base, *keys, false, error));
  EXPECT_NE(error.find("already exists"), std::string::npos);
  EXPECT_TRUE(write_curve_keys(base, *keys, true, error)) << error;
}

TEST_F(CurveKeysTest, KeysWithSeparatorCharactersAndBareKeys) {
  // Z85 uses '=' and '#': a key starting with them must not be taken for a separator or comment.
  std::string key = "#=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl";
  ASSERT_TRUE(is_z85_key(key));
  write("bare.pub", "# a comment\n" + key + "\n");
  write("named.pub", "public-key = " + key + "\n");
  std::string error;
  auto bare = read_curve_keys((dir_ / "bare.pub").string(), error);
  ASSERT_TRUE(bare) << error;
  EXPECT_EQ(bare->public_key, key);
  auto named = read_curve_keys((dir_ / "named.pub").string(), error);
  ASSERT_TRUE(named) << error;
  EXPECT_EQ(named->public_key, key);
}

TEST_F(CurveKeysTest, SecretKeyAloneDerivesThePublicKey) {
  auto keys = generate_curve_keys();
  ASSERT_TRUE(keys);
  write("only.key", "secret-key = " + keys->secret_key + "\n");
  std::string error;
  auto read = read_curve_keys((dir_ / "only.key").string(), error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(read->public_key, keys->public_key);
}

TEST_F(CurveKeysTest, BadFilesNameFileAndLine) {
  write("short.pub", "# key\npublic-key = tooshort\n");
  write("odd.pub", "fingerprint = 0123456789012345678901234567890123456789\n");
  std::string error;
  EXPECT_FALSE(read_curve_keys((dir_ / "short.pub").string(), error));
  EXPECT_EQ(error, (dir_ / "short.pub").string() + ":2: not a 40-character Z85 key");
  EXPECT_FALSE(read_curve_keys((dir_ / "odd.pub").string(), error));
  EXPECT_NE(error.find(":1: unknown entry 'fingerprint'"), std::string::npos);
  EXPECT_FALSE(read_curve_keys((dir_ / "missing.pub").string(), error));
  EXPECT_NE(error.find("cannot read"), std::string::npos);
}

TEST_F(CurveKeysTest, AuthorizedKeysDirectory) {
  auto a = generate_curve_keys(), b = generate_curve_keys();
  ASSERT_TRUE(a && b);
  std::string error;
  ASSERT_TRUE(write_curve_keys((dir_ / "alice").string(), *a, false, error));
  write("bob.pub", b->public_key + "\n");
  write("broken.pub", "nonsense\n");
  write("notes.txt", "ignored\n");
  std::vector<std::string> problems;
  auto keys = read_authorized_keys(dir_.string(), problems);
  EXPECT_EQ(keys.size(), 2u);  // alice.key and alice.pub give one key
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_NE(std::find(keys.begin(), keys.end(), b->public_key), keys.end());
}

}  // namespace
}  // namespace bandwatch::protocol
