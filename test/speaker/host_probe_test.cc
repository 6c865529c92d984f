// HostProbe against the loopback kernel: a closed port answers with a reset, a listener by
// accepting; both count as "the host is up".
#include "speaker/layer2/host_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "gtest/gtest.h"

namespace ironlb::speaker {
namespace {

uint16_t ListeningPort(int fd) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

TEST(HostProbeTest, AClosedPortAndAListenerBothMeanTheHostIsUp) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  std::set<std::string> alive;
  HostProbe probe(loop->get(), [&](const std::string& node) { alive.insert(node); });
  // A port that was bound and closed: nothing listens there.
  const int closed_fd = socket(AF_INET, SOCK_STREAM, 0);
  const uint16_t closed = ListeningPort(closed_fd);
  close(closed_fd);
  // A listener that never accepts: the kernel completes the handshake anyway.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const uint16_t open = ListeningPort(listener);
  ASSERT_EQ(listen(listener, 4), 0);
  const IpAddress lo = *IpAddress::Parse("127.0.0.1");
  probe.Probe("closed", lo, closed);
  probe.Probe("open", lo, open);
  for (int i = 0; i < 3000 && alive.size() < 1; ++i) {  // up to 30 s: a hung test only
    ASSERT_TRUE((*loop)->RunOnce(std::chrono::milliseconds(10)).ok());
  }
  EXPECT_TRUE(alive.count("closed"));
  // The listener's side says nothing: the accepted connection counts at the next probe.
  EXPECT_FALSE(alive.count("open"));
  probe.Probe("open", lo, open);
  EXPECT_TRUE(alive.count("open"));
  probe.Retain({});
  close(listener);
}

}  // namespace
}  // namespace ironlb::speaker
