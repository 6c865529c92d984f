// The layer-2 core as pure logic: who owns a VIP, what an advert says, who is alive.
#include <openssl/evp.h>

#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/advert.h"
#include "speaker/layer2/membership/membership.h"
#include "speaker/layer2/membership/owner_election.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::ElementsAre;

IpAddress Vip(int i) { return IpAddress::FromValue(IpFamily::kV4, (10u << 24) | (20u << 16) | i); }

TEST(OwnerElectionTest, EveryoneAgreesWhateverTheOrderOfNodes) {
  const std::vector<std::string> a = {"node-a", "node-b", "node-c"};
  const std::vector<std::string> b = {"node-c", "node-a", "node-b"};
  for (int i = 0; i < 200; ++i) EXPECT_EQ(OwnerFor(Vip(i), a), OwnerFor(Vip(i), b));
  EXPECT_EQ(OwnerFor(Vip(1), {}), std::nullopt);
  EXPECT_EQ(OwnerFor(Vip(1), {"only"}), "only");
}

TEST(OwnerElectionTest, WeightsAreFixedAcrossBuilds) {
  // Speakers of different versions must agree: pin the hash.
  EXPECT_EQ(RendezvousWeight("node-a", *IpAddress::Parse("192.0.2.10")), 5623941686896063634ULL);
  EXPECT_EQ(RendezvousWeight("node-a", *IpAddress::Parse("192.0.2.11")), 10135536233027577204ULL);
  EXPECT_EQ(RendezvousWeight("node-b", *IpAddress::Parse("2001:db8::10")), 5420965265890647949ULL);
}

TEST(OwnerElectionTest, SpreadsVipsEvenlyAndMovesOnlyWhatMustMove) {
  std::vector<std::string> nodes;
  for (int n = 0; n < 5; ++n) nodes.push_back(absl::StrCat("node-", n));
  std::map<int, std::string> before;
  std::map<std::string, int> count;
  const int kVips = 5000;
  for (int i = 0; i < kVips; ++i) {
    before[i] = *OwnerFor(Vip(i), nodes);
    ++count[before[i]];
  }
  for (const auto& [n, c] : count) {
    EXPECT_GT(c, kVips / 5 * 8 / 10) << n;  // within 20% of a fair share
    EXPECT_LT(c, kVips / 5 * 12 / 10) << n;
  }
  // node-2 leaves: only its VIPs move.
  std::vector<std::string> without = nodes;
  without.erase(without.begin() + 2);
  for (int i = 0; i < kVips; ++i) {
    const std::string now = *OwnerFor(Vip(i), without);
    if (before[i] != "node-2") EXPECT_EQ(now, before[i]) << i;
  }
  // node-9 joins: VIPs move only to node-9.
  std::vector<std::string> with = nodes;
  with.push_back("node-9");
  int moved = 0;
  for (int i = 0; i < kVips; ++i) {
    const std::string now = *OwnerFor(Vip(i), with);
    if (now != before[i]) {
      EXPECT_EQ(now, "node-9");
      ++moved;
    }
  }
  EXPECT_GT(moved, kVips / 6 * 8 / 10);
  EXPECT_LT(moved, kVips / 6 * 12 / 10);
  // The preference order starts with the owner and holds every node once.
  const auto order = PreferenceOrder(Vip(7), nodes);
  EXPECT_EQ(order.front(), *OwnerFor(Vip(7), nodes));
  EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(), nodes.size());
}

Advert SampleAdvert() {
  Advert a;
  a.node = "node-a";
  a.interface = "enp3s0";
  a.interval_ms = 50;
  a.incarnation = 1700000000123456789ULL;
  a.sequence = 42;
  a.tcp_port = 7946;
  a.address = *IpAddress::Parse("10.0.0.2");
  a.labels = {{"kubernetes.io/hostname", "node-a"}, {"zone", "rack1"}};
  return a;
}

TEST(AdvertTest, RoundTripsWithTheRightKey) {
  auto bytes = BuildAdvert(SampleAdvert(), "s3cret");
  ASSERT_THAT(bytes, IsOk());
  auto back = ParseAdvert(bytes->data(), bytes->size(), "s3cret");
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, SampleAdvert());
  Advert leaving = SampleAdvert();
  leaving.leaving = true;
  leaving.address = *IpAddress::Parse("fd00::2");
  auto lb = BuildAdvert(leaving, "s3cret");
  EXPECT_EQ(*ParseAdvert(lb->data(), lb->size(), "s3cret"), leaving);
  Advert joining = SampleAdvert();
  joining.ready = false;
  auto jb = BuildAdvert(joining, "s3cret");
  EXPECT_FALSE(ParseAdvert(jb->data(), jb->size(), "s3cret")->ready);
  Advert bare = SampleAdvert();
  bare.address.reset();
  auto bb = BuildAdvert(bare, "s3cret");
  EXPECT_EQ(*ParseAdvert(bb->data(), bb->size(), "s3cret"), bare);
}

TEST(AdvertTest, RejectsForgedTamperedAndMalformedPackets) {
  auto bytes = *BuildAdvert(SampleAdvert(), "s3cret");
  EXPECT_THAT(ParseAdvert(bytes.data(), bytes.size(), "other-key"),
              StatusIs(absl::StatusCode::kPermissionDenied, "signature does not match"));
  for (size_t i = 4; i < bytes.size(); ++i) {  // any flipped bit breaks the signature
    auto t = bytes;
    t[i] ^= 0x01;
    EXPECT_FALSE(ParseAdvert(t.data(), t.size(), "s3cret").ok()) << i;
  }
  for (size_t n = 0; n < bytes.size(); ++n) {  // every truncation is refused
    EXPECT_FALSE(ParseAdvert(bytes.data(), n, "s3cret").ok()) << n;
  }
  std::vector<uint8_t> junk(100, 0xAB);
  EXPECT_THAT(ParseAdvert(junk.data(), junk.size(), "s3cret"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not an ironlb advert"));
  Advert big = SampleAdvert();
  for (int i = 0; i < 20; ++i) big.labels[absl::StrCat("k", i)] = std::string(100, 'v');
  EXPECT_THAT(BuildAdvert(big, "k"), StatusIs(absl::StatusCode::kInvalidArgument, "one frame"));
}

TEST(MembershipTest, JoinsRefreshesExpiresAndIgnoresReplays) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(150));
  Advert b = SampleAdvert();
  b.node = "node-b";
  EXPECT_EQ(m.OnAdvert(b, t0), Membership::Verdict::kJoined);
  EXPECT_THAT(m.Alive(), ElementsAre("node-a", "node-b"));
  EXPECT_EQ(m.OnAdvert(b, t0), Membership::Verdict::kStale);  // same sequence: a replay
  b.sequence++;
  EXPECT_EQ(m.OnAdvert(b, t0 + absl::Milliseconds(50)), Membership::Verdict::kRefreshed);
  EXPECT_TRUE(m.Expire(t0 + absl::Milliseconds(199)).empty());
  EXPECT_THAT(m.Expire(t0 + absl::Milliseconds(201)), ElementsAre("node-b"));
  EXPECT_THAT(m.Alive(), ElementsAre("node-a"));
  // A replay of its old advert cannot resurrect it; a newer one can.
  EXPECT_EQ(m.OnAdvert(b, t0 + absl::Milliseconds(300)), Membership::Verdict::kStale);
  b.sequence++;
  EXPECT_EQ(m.OnAdvert(b, t0 + absl::Milliseconds(300)), Membership::Verdict::kJoined);
  // Restart: a new incarnation starts its sequence again and is accepted.
  Advert restarted = b;
  restarted.incarnation++;
  restarted.sequence = 1;
  EXPECT_EQ(m.OnAdvert(restarted, t0 + absl::Milliseconds(310)), Membership::Verdict::kRefreshed);
  EXPECT_EQ(m.OnAdvert(SampleAdvert(), t0), Membership::Verdict::kSelf);
}

TEST(MembershipTest, LeavingAndLostConnectionsRemoveAtOnce) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(150));
  Advert b = SampleAdvert();
  b.node = "node-b";
  Advert c = SampleAdvert();
  c.node = "node-c";
  m.OnAdvert(b, t0);
  m.OnAdvert(c, t0);
  b.sequence++;
  b.leaving = true;
  EXPECT_EQ(m.OnAdvert(b, t0), Membership::Verdict::kLeft);
  EXPECT_TRUE(m.OnConnectionLost("node-c", t0 + absl::Milliseconds(7)));
  EXPECT_FALSE(m.OnConnectionLost("node-c", t0 + absl::Milliseconds(8)));
  EXPECT_THAT(m.Alive(), ElementsAre("node-a"));
  // Each departure keeps its cause and when the member was last heard, for takeover reports.
  ASSERT_NE(m.FindDeparture("node-b"), nullptr);
  EXPECT_EQ(m.FindDeparture("node-b")->cause, Membership::Cause::kLeft);
  const Membership::Departure* lost = m.FindDeparture("node-c");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->cause, Membership::Cause::kConnectionLost);
  EXPECT_EQ(lost->noticed - lost->last_heard, absl::Milliseconds(7));
  // Silence: expired after dead_after; rejoining forgets the departure.
  Advert d = SampleAdvert();
  d.node = "node-d";
  m.OnAdvert(d, t0);
  EXPECT_THAT(m.Expire(t0 + absl::Milliseconds(200)), ElementsAre("node-d"));
  EXPECT_EQ(m.FindDeparture("node-d")->cause, Membership::Cause::kSilent);
  d.sequence++;
  m.OnAdvert(d, t0 + absl::Milliseconds(210));
  EXPECT_EQ(m.FindDeparture("node-d"), nullptr);
}

TEST(AdvertTest, CarriesClaimsAndRestartGrace) {
  Advert a = SampleAdvert();
  a.claims = {*IpAddress::Parse("10.0.0.100"), *IpAddress::Parse("fd00::100")};
  a.restarting = true;
  a.restart_grace_ms = 30000;
  auto bytes = BuildAdvert(a, "s3cret");
  ASSERT_THAT(bytes, IsOk());
  auto back = ParseAdvert(bytes->data(), bytes->size(), "s3cret");
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, a);
  // Claims that do not fit one frame are not sent, and say so: the receivers treat the
  // sender's claims as unknown rather than as "nothing".
  Advert many = SampleAdvert();
  for (int i = 0; i < 400; ++i) many.claims.push_back(Vip(i));
  auto mb = BuildAdvert(many, "s3cret");
  ASSERT_THAT(mb, IsOk());
  EXPECT_LE(mb->size(), kMaxAdvertBytes);
  auto mback = ParseAdvert(mb->data(), mb->size(), "s3cret");
  ASSERT_THAT(mback, IsOk());
  EXPECT_FALSE(mback->claims_known);
  EXPECT_TRUE(mback->claims.empty());
}

TEST(AdvertTest, AcceptsVersionOneAdverts) {
  // A version-1 advert (the previous release), byte for byte as it built them: no grace, no
  // claims, version byte 1. Signed here with the same HMAC.
  Advert a = SampleAdvert();
  auto v2 = *BuildAdvert(a, "k");
  // Strip the version-2 tail (grace u16 + claim count u16 + MAC) and re-sign as version 1.
  std::vector<uint8_t> body(v2.begin(), v2.end() - kAdvertMacBytes - 4);
  body[4] = 1;
  body[5] &= 3;
  uint8_t mac[kAdvertMacBytes];
  size_t len = 0;
  ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, "k", 1, body.data(), body.size(),
                      mac, sizeof(mac), &len),
            nullptr);
  body.insert(body.end(), mac, mac + kAdvertMacBytes);
  auto back = ParseAdvert(body.data(), body.size(), "k");
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->node, "node-a");
  EXPECT_FALSE(back->claims_known);
  EXPECT_FALSE(back->restarting);
}

TEST(MembershipTest, ARestartingMemberStaysForItsGraceWhileItsHostAnswers) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(100));
  Advert b = SampleAdvert();
  b.node = "node-b";
  b.claims = {Vip(1)};
  m.OnAdvert(b, t0);
  b.sequence++;
  b.restarting = true;
  b.restart_grace_ms = 2000;
  EXPECT_EQ(m.OnAdvert(b, t0 + absl::Milliseconds(10)), Membership::Verdict::kRestarting);
  // Its liveness link closes as its process exits: not a death.
  EXPECT_FALSE(m.OnConnectionLost("node-b", t0 + absl::Milliseconds(11)));
  // No adverts for a second, but its host answers probes: still alive, claims and all.
  for (int ms = 50; ms <= 1000; ms += 50) {
    m.OnHostAlive("node-b", t0 + absl::Milliseconds(ms));
    EXPECT_TRUE(m.Expire(t0 + absl::Milliseconds(ms + 40)).empty()) << ms;
  }
  ASSERT_NE(m.Find("node-b"), nullptr);
  EXPECT_THAT(m.Find("node-b")->last.claims, ElementsAre(Vip(1)));
  // The successor process adverts (new incarnation, not ready yet): still held like the
  // restart, so a start that pauses its adverts longer than dead_after (a busy host) moves
  // nothing while its host answers.
  Advert next = b;
  next.incarnation++;
  next.sequence = 1;
  next.restarting = false;
  next.ready = false;
  EXPECT_EQ(m.OnAdvert(next, t0 + absl::Milliseconds(1100)), Membership::Verdict::kRefreshed);
  EXPECT_TRUE(m.Find("node-b")->restarting());
  for (int ms = 1150; ms <= 1600; ms += 50) {
    m.OnHostAlive("node-b", t0 + absl::Milliseconds(ms));
    EXPECT_TRUE(m.Expire(t0 + absl::Milliseconds(ms + 40)).empty()) << ms;
  }
  // Ready: an ordinary member again, gone after dead_after of silence.
  next.sequence++;
  next.ready = true;
  EXPECT_EQ(m.OnAdvert(next, t0 + absl::Milliseconds(1650)), Membership::Verdict::kRefreshed);
  EXPECT_FALSE(m.Find("node-b")->restarting());
  EXPECT_TRUE(m.Expire(t0 + absl::Milliseconds(1700)).empty());
  EXPECT_THAT(m.Expire(t0 + absl::Milliseconds(1760)), ElementsAre("node-b"));
}

TEST(MembershipTest, ASilentPeerWhoseHostAnswersIsHeldUntilTheFrozenHoldEnds) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(160), absl::Milliseconds(1000));
  Advert b = SampleAdvert();
  b.node = "node-b";
  b.claims = {Vip(1)};
  Advert c = b;
  c.node = "node-c";
  m.OnAdvert(b, t0);
  m.OnAdvert(c, t0);
  // Probed only once silent for half of dead_after.
  EXPECT_TRUE(m.Suspects(t0 + absl::Milliseconds(80)).empty());
  EXPECT_THAT(m.Suspects(t0 + absl::Milliseconds(81)), ElementsAre("node-b", "node-c"));
  // node-b's speaker is starved but its host answers every probe; node-c's link is cut.
  for (int ms = 100; ms <= 1000; ms += 40) {
    m.OnHostAlive("node-b", t0 + absl::Milliseconds(ms));
    const auto dead = m.Expire(t0 + absl::Milliseconds(ms + 1));
    if (ms == 180) EXPECT_THAT(dead, ElementsAre("node-c")) << ms;
    if (ms != 180) EXPECT_TRUE(dead.empty()) << ms;
  }
  EXPECT_EQ(m.FindDeparture("node-c")->cause, Membership::Cause::kSilent);
  ASSERT_NE(m.Find("node-b"), nullptr);
  // Past the frozen hold it goes, with its own cause.
  m.OnHostAlive("node-b", t0 + absl::Milliseconds(1000));
  EXPECT_THAT(m.Expire(t0 + absl::Milliseconds(1001)), ElementsAre("node-b"));
  EXPECT_EQ(m.FindDeparture("node-b")->cause, Membership::Cause::kFrozenTooLong);
  // Without a frozen hold nobody is probed, and silence is death after dead_after.
  Membership strict("node-a", absl::Milliseconds(160));
  strict.OnAdvert(b, t0);
  EXPECT_TRUE(strict.Suspects(t0 + absl::Milliseconds(150)).empty());
  strict.OnHostAlive("node-b", t0 + absl::Milliseconds(150));
  EXPECT_THAT(strict.Expire(t0 + absl::Milliseconds(161)), ElementsAre("node-b"));
}

TEST(MembershipTest, AFrozenPeerThatAdvertsAgainIsAnOrdinaryMember) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(160), absl::Milliseconds(1000));
  Advert b = SampleAdvert();
  b.node = "node-b";
  m.OnAdvert(b, t0);
  m.OnHostAlive("node-b", t0 + absl::Milliseconds(120));
  EXPECT_TRUE(m.Expire(t0 + absl::Milliseconds(200)).empty());
  b.sequence++;
  EXPECT_EQ(m.OnAdvert(b, t0 + absl::Milliseconds(400)), Membership::Verdict::kRefreshed);
  // An old probe answer does not hold it through a later silence (a link cut now).
  EXPECT_TRUE(m.Expire(t0 + absl::Milliseconds(560)).empty());
  EXPECT_THAT(m.Expire(t0 + absl::Milliseconds(561)), ElementsAre("node-b"));
  EXPECT_EQ(m.FindDeparture("node-b")->cause, Membership::Cause::kSilent);
}

TEST(MembershipTest, ASuccessorThatDiesWhileStartingIsGoneAtOnce) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(100));
  Advert b = SampleAdvert();
  b.node = "node-b";
  b.restarting = true;
  b.restart_grace_ms = 5000;
  m.OnAdvert(b, t0);
  Advert next = b;
  next.incarnation++;
  next.sequence = 1;
  next.restarting = false;
  next.ready = false;
  m.OnAdvert(next, t0 + absl::Milliseconds(300));
  EXPECT_TRUE(m.OnConnectionLost("node-b", t0 + absl::Milliseconds(400)));
  EXPECT_EQ(m.FindDeparture("node-b")->cause, Membership::Cause::kConnectionLost);
}

TEST(MembershipTest, ARestartingMemberGoesWhenItsGraceEndsOrItsHostFallsSilent) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  Membership m("node-a", absl::Milliseconds(100));
  Advert b = SampleAdvert();
  b.node = "node-b";
  b.restarting = true;
  b.restart_grace_ms = 500;
  Advert c = b;
  c.node = "node-c";
  m.OnAdvert(b, t0);
  m.OnAdvert(c, t0);
  EXPECT_EQ(m.NextExpiry(), t0 + absl::Milliseconds(100));
  // node-b's host answers probes but its speaker never comes back: gone at the grace's end.
  // node-c's host stops answering at once (the node went down): gone after dead_after.
  for (int ms = 20; ms < 500; ms += 20) {
    m.OnHostAlive("node-b", t0 + absl::Milliseconds(ms));
    const auto dead = m.Expire(t0 + absl::Milliseconds(ms));
    if (ms <= 100) {
      EXPECT_TRUE(dead.empty()) << ms;
    } else if (ms == 120) {
      EXPECT_THAT(dead, ElementsAre("node-c"));
    }
  }
  EXPECT_EQ(m.FindDeparture("node-c")->cause, Membership::Cause::kSilent);
  EXPECT_THAT(m.Expire(t0 + absl::Milliseconds(500)), ElementsAre("node-b"));
  EXPECT_EQ(m.FindDeparture("node-b")->cause, Membership::Cause::kRestartTimedOut);
  // A grace longer than 30 s is cut to 30 s.
  Advert d = b;
  d.node = "node-d";
  d.restart_grace_ms = 65000;
  m.OnAdvert(d, t0);
  EXPECT_EQ(m.Find("node-d")->restarting_until, t0 + Membership::kMaxRestartGrace);
}

}  // namespace
}  // namespace ironlb::speaker
