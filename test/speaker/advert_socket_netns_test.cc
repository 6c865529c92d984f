// Adverts across a real bridge between network namespaces: they arrive signed and whole on
// the other speakers, our own are not handed back, and a stranger's forged frame is refused.
#include <net/if.h>
#include <sched.h>

#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/advert.h"
#include "speaker/layer2/membership/advert_socket.h"
#include "test/arp/netns_lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
namespace lab = ::ironlb::arp::testing;

// Opens an advert socket on eth0 inside `ns` (from a thread that enters it), returning it to
// the caller, whose namespace is untouched: a socket stays in the namespace it was made in.
std::unique_ptr<AdvertSocket> OpenIn(const std::string& ns) {
  std::unique_ptr<AdvertSocket> out;
  std::thread t([&] {
    ASSERT_THAT(lab::EnterNetns(ns), IsOk());
    auto s = AdvertSocket::Open(static_cast<int>(if_nametoindex("eth0")), ns + "/eth0");
    ASSERT_THAT(s, IsOk());
    out = std::move(*s);
  });
  t.join();
  return out;
}

// Waits (bounded: 30 s, a hung test only) for one payload on `s`.
std::vector<uint8_t> ReceiveOne(AdvertSocket& s) {
  for (int i = 0; i < 6000; ++i) {
    auto r = s.Receive();
    EXPECT_THAT(r, IsOk());
    if (r.ok() && !r->empty()) return *r;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

TEST(AdvertSocketNetnsTest, AdvertsReachTheOtherSpeakersOnly) {
  auto l = lab::Lab::Create(3);
  ASSERT_THAT(l, IsOk());
  auto a = OpenIn((*l)->speaker(0));
  auto b = OpenIn((*l)->speaker(1));
  auto c = OpenIn((*l)->speaker(2));
  ASSERT_TRUE(a && b && c);

  Advert adv;
  adv.node = "node-a";
  adv.interval_ms = 50;
  adv.incarnation = 7;
  adv.sequence = 1;
  adv.tcp_port = 7946;
  adv.address = *IpAddress::Parse("10.77.0.11");
  auto bytes = BuildAdvert(adv, "key");
  ASSERT_THAT(bytes, IsOk());
  const auto mac = lab::Lab::SpeakerMac(0).bytes();
  ASSERT_THAT(a->Send(*bytes, mac), IsOk());

  for (AdvertSocket* s : {b.get(), c.get()}) {
    const std::vector<uint8_t> got = ReceiveOne(*s);
    auto parsed = ParseAdvert(got.data(), got.size(), "key");
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, adv);
  }
  // The sender does not hear itself.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto own = a->Receive();
  ASSERT_THAT(own, IsOk());
  EXPECT_TRUE(own->empty());

  // A frame signed with another key arrives but does not parse as an advert.
  auto forged = BuildAdvert(adv, "not-the-key");
  ASSERT_THAT(c->Send(*forged, lab::Lab::SpeakerMac(2).bytes()), IsOk());
  const std::vector<uint8_t> got = ReceiveOne(*b);
  ASSERT_FALSE(got.empty());
  EXPECT_FALSE(ParseAdvert(got.data(), got.size(), "key").ok());
}

}  // namespace
}  // namespace ironlb::speaker
