// Endpoints checked before libzmq sees them (issue 13: a port over 65535 was bound modulo 65536),
// and which of them only this machine can reach.
#include <gtest/gtest.h>

#include "protocol/endpoint.hpp"

namespace bandwatch::protocol {
namespace {

TEST(Endpoint, GoodOnesPass) {
  for (const char* endpoint : {"tcp://127.0.0.1:7610", "tcp://127.0.0.1:*", "tcp://*:7611", "tcp://[::1]:65535",
                               "tcp://council-server:1", "tcp://eth0:7612", "ipc:///run/bandwatch/ingest",
                               "inproc://bandwatchd-pipe"})
    EXPECT_EQ(endpoint_problem(endpoint), std::nullopt) << endpoint;
}

TEST(Endpoint, BadOnesAreNamed) {
  EXPECT_EQ(endpoint_problem("tcp://127.0.0.1:253010"),
            "'tcp://127.0.0.1:253010': the port 253010 is out of range (1 to 65535)");
  EXPECT_EQ(endpoint_problem("tcp://127.0.0.1:65536"),
            "'tcp://127.0.0.1:65536': the port 65536 is out of range (1 to 65535)");
  EXPECT_EQ(endpoint_problem("tcp://127.0.0.1:76x0"),
            "'tcp://127.0.0.1:76x0': the port '76x0' is not a number (1 to 65535, or * for a free one)");
  EXPECT_EQ(endpoint_problem("tcp://127.0.0.1"), "'tcp://127.0.0.1' needs a host and a port: tcp://HOST:PORT");
  EXPECT_EQ(endpoint_problem("tcp://:7610"), "'tcp://:7610' needs a host and a port: tcp://HOST:PORT");
  EXPECT_EQ(endpoint_problem("127.0.0.1:7610"),
            "'127.0.0.1:7610' is not an endpoint: write tcp://HOST:PORT (e.g. tcp://127.0.0.1:7610), ipc://PATH or "
            "inproc://NAME");
  EXPECT_EQ(endpoint_problem("tpc://127.0.0.1:7610"),
            "'tpc://127.0.0.1:7610': unknown transport 'tpc' (tcp, ipc or inproc)");
  EXPECT_EQ(endpoint_problem("ipc://"), "'ipc://' names no path");
}

TEST(Endpoint, OnlyLoopbackIpcAndInprocAreLocal) {
  for (const char* endpoint : {"tcp://127.0.0.1:7610", "tcp://127.1.2.3:*", "tcp://localhost:7610", "tcp://[::1]:7610",
                               "ipc:///tmp/x", "inproc://x"})
    EXPECT_TRUE(is_local_endpoint(endpoint)) << endpoint;
  for (const char* endpoint : {"tcp://*:7610", "tcp://0.0.0.0:7610", "tcp://192.168.1.5:7610", "tcp://[::]:7610",
                               "tcp://eth0:7610", "tcp://council-server:7610", "tcp://127.0.0.1:0;10.0.0.1:7610"})
    EXPECT_FALSE(is_local_endpoint(endpoint)) << endpoint;
}

}  // namespace
}  // namespace bandwatch::protocol
