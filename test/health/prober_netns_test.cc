// The real prober against real sockets in a network namespace this test creates: TCP connect
// to a listener, to a closed port (refused) and to an address nobody answers (timeout); HTTP and
// HTTPS GET with the expected status, a wrong status, a dead server; UDP with an expected reply,
// a wrong reply, and a closed port (ICMP port unreachable).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "health/probe.h"
#include "test/nft/nft_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::health {
namespace {

absl::StatusOr<std::string> Sh(const std::string& c) { return ::ironlb::nft::testing::Run(c); }
using ::ironlb::nft::testing::ScopedNetns;
using ::ironlb::testing::IsOk;
using Kind = ProbeResult::Kind;

class ProberNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(netns_.ok());
    const std::string e = netns_.Exec();
    ASSERT_THAT(Sh(e + "ip link set lo up"), IsOk());
    ASSERT_THAT(Sh(e + "ip link add d0 type veth peer name d1"), IsOk());
    ASSERT_THAT(Sh(e + "ip addr add 10.0.9.1/24 dev d0"), IsOk());
    ASSERT_THAT(Sh(e + "ip link set d0 up"), IsOk());
    ASSERT_THAT(Sh(e + "ip link set d1 up"), IsOk());
    ASSERT_THAT(netns_.Enter(), IsOk());
  }

  ProbeResult Probe(const config::HealthCheck& c, const std::string& addr, uint16_t port) {
    return prober_->Probe(c, *IpAddress::Parse(addr), port);
  }

  ScopedNetns netns_{"ilbhc"};
  std::unique_ptr<Prober> prober_ = MakeSocketProber();
};

int Listen(int type, uint16_t port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, 16) != 0) return -1;
  return fd;
}

TEST_F(ProberNetnsTest, Tcp) {
  config::HealthCheck c;  // TCP, 150 ms
  const int fd = Listen(SOCK_STREAM, 7001);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Probe(c, "127.0.0.1", 7001).kind, Kind::kUp);
  ProbeResult refused = Probe(c, "127.0.0.1", 7002);
  EXPECT_EQ(refused.kind, Kind::kDown);
  EXPECT_NE(refused.detail.find("refused"), std::string::npos) << refused.detail;
  ProbeResult silent = Probe(c, "10.0.9.99", 7001);  // nobody answers ARP on the veth
  EXPECT_EQ(silent.kind, Kind::kDown);
  EXPECT_NE(silent.detail.find("timed out"), std::string::npos) << silent.detail;
  // The check's own port wins over the backend's.
  c.port = 7001;
  EXPECT_EQ(Probe(c, "127.0.0.1", 7002).kind, Kind::kUp);
  close(fd);
}

void Serve(httplib::Server& s) {
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& r) {
    r.status = 200;
    r.set_content("ok", "text/plain");
  });
  s.Get("/sick", [](const httplib::Request&, httplib::Response& r) { r.status = 503; });
}

TEST_F(ProberNetnsTest, Http) {
  httplib::Server server;
  Serve(server);
  ASSERT_TRUE(server.bind_to_port("127.0.0.1", 7080));
  std::thread t([&] { server.listen_after_bind(); });
  config::HealthCheck c;
  c.type = config::HealthCheckType::kHTTP;
  c.timeout_ms = 30000;  // a hung test only: the answers come at once
  c.path = "/healthz";
  EXPECT_EQ(Probe(c, "127.0.0.1", 7080).kind, Kind::kUp);
  c.path = "/sick";
  ProbeResult sick = Probe(c, "127.0.0.1", 7080);
  EXPECT_EQ(sick.kind, Kind::kDown);
  EXPECT_EQ(sick.detail, "HTTP 503, want 200");
  c.expect_status = 503;
  EXPECT_EQ(Probe(c, "127.0.0.1", 7080).kind, Kind::kUp);
  server.stop();
  t.join();
  c.path = "/healthz";
  c.expect_status = 200;
  EXPECT_EQ(Probe(c, "127.0.0.1", 7080).kind, Kind::kDown);
}

TEST_F(ProberNetnsTest, HttpsWithSelfSignedCertificate) {
  const std::string dir = "/tmp/" + netns_.name();
  ASSERT_THAT(
      Sh("mkdir -p " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 " +
         "-subj /CN=backend -keyout " + dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null"),
      IsOk());
  {
    httplib::SSLServer server((dir + "/cert.pem").c_str(), (dir + "/key.pem").c_str());
    ASSERT_TRUE(server.is_valid());
    Serve(server);
    ASSERT_TRUE(server.bind_to_port("127.0.0.1", 7443));
    std::thread t([&] { server.listen_after_bind(); });
    config::HealthCheck c;
    c.type = config::HealthCheckType::kHTTPS;
    c.timeout_ms = 30000;  // a hung test only: the answers come at once
    c.path = "/healthz";
    EXPECT_EQ(Probe(c, "127.0.0.1", 7443).kind, Kind::kUp);
    c.path = "/sick";
    EXPECT_EQ(Probe(c, "127.0.0.1", 7443).kind, Kind::kDown);
    server.stop();
    t.join();
  }
  (void)Sh("rm -rf " + dir);
}

TEST_F(ProberNetnsTest, Udp) {
  const int fd = Listen(SOCK_DGRAM, 7053);
  ASSERT_GE(fd, 0);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    while (!stop) {
      char buf[64];
      sockaddr_storage peer;
      socklen_t len = sizeof(peer);
      timeval tv{0, 100000};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      const ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n > 0) {
        const std::string reply = std::string(buf, static_cast<size_t>(n)) == "ping" ? "pong" : "?";
        sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
      }
    }
  });
  config::HealthCheck c;
  c.type = config::HealthCheckType::kUDP;
  c.timeout_ms = 30000;  // a hung test only: the answers come at once
  c.send = "ping";
  c.expect = "pong";
  EXPECT_EQ(Probe(c, "127.0.0.1", 7053).kind, Kind::kUp);
  c.send = "hello";
  EXPECT_EQ(Probe(c, "127.0.0.1", 7053).kind, Kind::kDown);  // replies "?"
  ProbeResult closed = Probe(c, "127.0.0.1", 7054);
  EXPECT_EQ(closed.kind, Kind::kDown);
  EXPECT_EQ(closed.detail, "port unreachable");
  // No expectation: silence is fine, port unreachable is not.
  c.expect.clear();
  c.timeout_ms = 200;
  EXPECT_EQ(Probe(c, "10.0.9.99", 7053).kind, Kind::kUp);
  EXPECT_EQ(Probe(c, "127.0.0.1", 7054).kind, Kind::kDown);
  stop = true;
  echo.join();
  close(fd);
}

}  // namespace
}  // namespace ironlb::health
