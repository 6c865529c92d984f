// Thousands of random Service and configuration changes, with the allocator's invariants checked
// after every step by an independent oracle:
//   - no IP on two incompatible Services, no (protocol, port) twice on an IP;
//   - every assigned IP lies in a pool that admits the Service (serviceAllocation, pool
//     annotation, requested addresses, avoidBuggyIPs, address families);
//   - an assignment that is still valid never moves (unless its own Service changed);
//   - every pending Service says why.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/allocator.h"
#include "controller/service_intent.h"
#include "gtest/gtest.h"

namespace ironlb::controller {
namespace {

// The loop is bounded by its step count; its time by the ctest TIMEOUT (CMakeLists.txt). No
// wall-clock budget inside: under ASan on a busy machine 4,000 steps took over 60 s.
constexpr int kSteps = 4000;

class RandomWorld {
 public:
  explicit RandomWorld(uint32_t seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(int percent) { return Pick(100) < percent; }

  config::Config RandomConfig() {
    config::Config c;
    const int pools = 1 + Pick(4);
    for (int i = 0; i < pools; ++i) {
      config::AddressPool p;
      p.meta.name = absl::StrCat("pool", Pick(6));
      bool dup = false;
      for (const auto& q : c.pools) dup |= q.meta.name == p.meta.name;
      if (dup) continue;
      const int slot = std::stoi(p.meta.name.substr(4));
      // Small ranges so that pools run out and addresses are shared; some cross .255/.0.
      const int first = Pick(3) == 0 ? 250 : Pick(8);
      const int len = 2 + Pick(8);
      auto lo = IpAddress::FromValue(IpFamily::kV4, (10u << 24) + (slot << 16) + first);
      auto hi = IpAddress::FromValue(IpFamily::kV4, lo.value() + len);
      p.ranges.push_back(IpRange(lo, hi));
      if (Chance(40)) {
        const uint128 base = (uint128{0xfd00} << 112) + (uint128(slot) << 64);
        p.ranges.push_back(IpRange(IpAddress::FromValue(IpFamily::kV6, base),
                                   IpAddress::FromValue(IpFamily::kV6, base + Pick(6))));
      }
      p.auto_assign = !Chance(20);
      p.avoid_buggy_ips = Chance(40);
      p.allow_sharing_across_namespaces = slot % 2 == 1;  // fixed per pool name
      if (Chance(40)) {
        config::ServiceAllocation sa;
        if (Chance(60)) sa.priority = Pick(3);
        if (Chance(40)) sa.namespaces.push_back(kNamespaces[Pick(3)]);
        if (Chance(30)) sa.namespace_selectors.push_back({{{"tier", "gold"}}, {}});
        if (Chance(30)) sa.service_selectors.push_back({{{"app", "x"}}, {}});
        p.service_allocation = sa;
      }
      c.pools.push_back(std::move(p));
    }
    return c;
  }

  Service RandomService(const std::string& ns, const std::string& name, const config::Config& c) {
    Service s;
    s.namespace_ = ns;
    s.name = name;
    s.labels["app"] = Chance(50) ? "x" : "y";
    static const ServicePort kPorts[] = {
        {PortProtocol::kTCP, 80}, {PortProtocol::kTCP, 443}, {PortProtocol::kUDP, 53}};
    s.ports.push_back(kPorts[Pick(3)]);
    if (Chance(30)) s.ports.push_back(kPorts[Pick(3)]);
    if (Chance(60)) s.annotations["ironlb.io/sharing-key"] = Chance(70) ? "k1" : "k2";
    if (Chance(25)) {
      s.traffic_policy = TrafficPolicy::kLocal;
      s.selector["app"] = Chance(50) ? "x" : "y";
    }
    const int fam = Pick(10);
    if (fam < 5) {
      s.ip_families = {IpFamily::kV4};
    } else if (fam < 6) {
      s.ip_families = {IpFamily::kV6};
    } else if (fam < 8) {
      s.ip_families = {IpFamily::kV4, IpFamily::kV6};
      s.family_policy = FamilyPolicy::kPreferDualStack;
    } else if (fam < 9) {
      s.ip_families = {IpFamily::kV4, IpFamily::kV6};
      s.family_policy = FamilyPolicy::kRequireDualStack;
    }
    if (Chance(10) && !c.pools.empty()) {
      s.annotations["ironlb.io/pool"] = c.pools[Pick(static_cast<int>(c.pools.size()))].meta.name;
    }
    if (Chance(10) && !c.pools.empty()) {
      const IpRange& r = c.pools[Pick(static_cast<int>(c.pools.size()))].ranges[0];
      s.load_balancer_ip =
          IpAddress::FromValue(IpFamily::kV4, r.first().value() + Pick(3)).ToString();
      s.ip_families = {IpFamily::kV4};
      s.family_policy = FamilyPolicy::kSingleStack;
    }
    if (Chance(5)) s.type = "ClusterIP";
    if (Chance(5)) s.load_balancer_class = "other";
    return s;
  }

  template <typename T>
  void Shuffle(std::vector<T>& v) {
    std::shuffle(v.begin(), v.end(), rng_);
  }

  static constexpr const char* kNamespaces[] = {"a", "b", "c"};

 private:
  std::mt19937 rng_;
};

bool Admits(const config::AddressPool& p, const Service& s, const Labels& ns_labels) {
  if (!p.service_allocation) return true;
  const auto& sa = *p.service_allocation;
  if (!sa.namespaces.empty() || !sa.namespace_selectors.empty()) {
    bool ok = false;
    for (const auto& n : sa.namespaces) ok |= n == s.namespace_;
    for (const auto& sel : sa.namespace_selectors) ok |= sel.Matches(ns_labels);
    if (!ok) return false;
  }
  return config::AnyMatches(sa.service_selectors, s.labels);
}

const config::AddressPool* PoolHolding(const config::Config& c, const IpAddress& ip) {
  for (const auto& p : c.pools) {
    for (const auto& r : p.ranges) {
      if (r.Contains(ip)) return &p;
    }
  }
  return nullptr;
}

// Whether `ips` may belong to `s` considering only the configuration (not other Services).
std::string InvalidAlone(const Service& s, const std::vector<IpAddress>& ips,
                         const config::Config& c, const Labels& ns_labels) {
  const ServiceIntent in = IntentOf(s, std::nullopt);
  if (!in.served) return "not served";
  if (!in.error.empty()) return "annotation error";
  if (ips.empty() || ips.size() > 2) return "address count";
  if (ips.size() == 2 && ips[0].family() == ips[1].family()) return "two of a family";
  if (in.policy == FamilyPolicy::kSingleStack && ips.size() != 1) return "single stack";
  if (in.policy == FamilyPolicy::kRequireDualStack && ips.size() != 2) return "dual stack";
  if (!in.families.empty() && ips.size() == 1 && ips[0].family() != in.families[0]) {
    return "primary family";
  }
  if (!in.requested.empty()) {
    std::set<IpAddress> a(ips.begin(), ips.end()), b(in.requested.begin(), in.requested.end());
    if (a != b) return "requested";
  }
  const config::AddressPool* first = nullptr;
  for (const IpAddress& ip : ips) {
    const config::AddressPool* p = PoolHolding(c, ip);
    if (p == nullptr) return "no pool";
    if (first && first != p) return "two pools";
    first = p;
    if (!Admits(*p, s, ns_labels)) return "not admitted";
    if (!in.pool.empty() && p->meta.name != in.pool) return "pool annotation";
    const unsigned last = static_cast<unsigned>(ip.value() & 0xff);
    if (p->avoid_buggy_ips && ip.is_v4() && (last == 0 || last == 255)) return "buggy";
  }
  return "";
}

std::string Incompatible(const Service& a, const Service& b, const config::AddressPool& pool) {
  auto ka = a.annotations.find("ironlb.io/sharing-key");
  auto kb = b.annotations.find("ironlb.io/sharing-key");
  if (ka == a.annotations.end() || kb == b.annotations.end() || ka->second != kb->second) {
    return "sharing key";
  }
  if (a.namespace_ != b.namespace_ && !pool.allow_sharing_across_namespaces) return "namespace";
  if (a.traffic_policy != b.traffic_policy) return "traffic policy";
  if (a.traffic_policy == TrafficPolicy::kLocal && a.selector != b.selector) return "selector";
  return "";
}

TEST(AllocatorRandomTest, InvariantsHoldAfterEveryStep) {
  // A fixed seed keeps CI reproducible; IRONLB_RANDOM_SEED explores others.
  const char* seed_env = std::getenv("IRONLB_RANDOM_SEED");
  const uint32_t seed =
      seed_env ? static_cast<uint32_t>(std::strtoul(seed_env, nullptr, 10)) : 20261121;
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  RandomWorld w(seed);
  config::Config cfg = w.RandomConfig();
  std::map<std::string, Labels> ns_labels;
  std::map<std::string, Service> specs;
  Allocator alloc;
  alloc.SetConfig(cfg);
  int assigned_seen = 0, pending_seen = 0, shared_seen = 0;

  for (int step = 0; step < kSteps; ++step) {
    std::map<std::string, std::vector<IpAddress>> before;
    for (const auto& [key, s] : specs) {
      const Allocation* a = alloc.Find(key);
      if (a->status == AllocationStatus::kAssigned) before[key] = a->addresses;
    }
    std::string touched;
    const int op = w.Pick(100);
    if (op < 55 || specs.empty()) {
      const std::string ns = RandomWorld::kNamespaces[w.Pick(3)];
      const std::string name = absl::StrCat("s", w.Pick(25));
      Service s = w.RandomService(ns, name, cfg);
      touched = s.Key();
      specs[touched] = s;
      alloc.Upsert(s);
    } else if (op < 70) {
      auto it = specs.begin();
      std::advance(it, w.Pick(static_cast<int>(specs.size())));
      touched = it->first;
      alloc.Delete(touched);
      specs.erase(it);
    } else if (op < 85) {
      auto it = specs.begin();
      std::advance(it, w.Pick(static_cast<int>(specs.size())));
      alloc.Upsert(it->second);  // unchanged: nothing may move
    } else if (op < 95) {
      cfg = w.RandomConfig();
      alloc.SetConfig(cfg);
    } else {
      const std::string ns = RandomWorld::kNamespaces[w.Pick(3)];
      Labels l;
      if (w.Chance(50)) l["tier"] = "gold";
      ns_labels[ns] = l;
      alloc.SetNamespaceLabels(ns, l);
    }

    SCOPED_TRACE(absl::StrCat("step ", step, " touched ", touched));
    std::map<IpAddress, std::vector<const Service*>> holders;
    for (const auto& [key, s] : specs) {
      const Allocation* a = alloc.Find(key);
      ASSERT_NE(a, nullptr) << key;
      const Labels& nl = ns_labels[s.namespace_];
      if (a->status == AllocationStatus::kPending) {
        ++pending_seen;
        EXPECT_FALSE(a->reason.empty()) << key;
        EXPECT_TRUE(a->addresses.empty()) << key;
      } else if (a->status == AllocationStatus::kIgnored) {
        EXPECT_FALSE(IntentOf(s, std::nullopt).served) << key;
        EXPECT_TRUE(a->addresses.empty()) << key;
      } else {
        ++assigned_seen;
        EXPECT_EQ(InvalidAlone(s, a->addresses, cfg, nl), "") << key;
        for (const IpAddress& ip : a->addresses) holders[ip].push_back(&s);
      }
      // Valid assignments never move: only the touched Service may lose its addresses.
      auto b = before.find(key);
      if (key != touched && b != before.end() && InvalidAlone(s, b->second, cfg, nl).empty()) {
        EXPECT_EQ(a->addresses, b->second) << key << " moved although still valid";
      }
    }
    for (const auto& [ip, list] : holders) {
      const config::AddressPool* pool = PoolHolding(cfg, ip);
      ASSERT_NE(pool, nullptr);
      std::set<ServicePort> ports;
      if (list.size() > 1) ++shared_seen;
      for (size_t i = 0; i < list.size(); ++i) {
        for (const ServicePort& p : list[i]->ports) {
          bool dup_in_self = false;
          for (const ServicePort& q : list[i]->ports) dup_in_self |= (&q != &p && q == p);
          EXPECT_TRUE(ports.insert(p).second || dup_in_self)
              << ip.ToString() << " port " << p.port << " twice";
        }
        for (size_t j = i + 1; j < list.size(); ++j) {
          EXPECT_EQ(Incompatible(*list[i], *list[j], *pool), "")
              << ip.ToString() << ": " << list[i]->Key() << " and " << list[j]->Key();
        }
      }
    }
    // A restart (a fresh engine fed every Service with its status in one batch, in shuffled
    // order) keeps every assignment and leaves pending what was pending.
    if (step % 50 == 49) {
      std::vector<Service> listed;
      for (const auto& [key, s] : specs) {
        Service copy = s;
        copy.current = alloc.Find(key)->addresses;
        listed.push_back(copy);
      }
      w.Shuffle(listed);
      Allocator restarted;
      restarted.SetConfig(cfg);
      for (const auto& [ns, l] : ns_labels) restarted.SetNamespaceLabels(ns, l);
      restarted.UpsertAll(listed);
      for (const Service& s : listed) {
        const Allocation* was = alloc.Find(s.Key());
        const Allocation* now = restarted.Find(s.Key());
        EXPECT_EQ(now->addresses, was->addresses) << "restart moved " << s.Key();
        EXPECT_EQ(now->status, was->status)
            << "restart changed " << s.Key() << ": " << now->reason << " / " << was->reason;
      }
    }
    if (::testing::Test::HasFailure()) break;
  }
  // The walk must have exercised the interesting states, or it proves little.
  EXPECT_GT(assigned_seen, 10000);
  EXPECT_GT(pending_seen, 1000);
  EXPECT_GT(shared_seen, 500);
}

}  // namespace
}  // namespace ironlb::controller
