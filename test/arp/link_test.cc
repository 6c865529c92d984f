#include "arp/link.h"

#include <linux/if.h>
#include <net/if_arp.h>

#include "gtest/gtest.h"

namespace ironlb::arp {
namespace {

TEST(InterfaceSelectedTest, NamesPatternsAndExclusions) {
  const std::vector<std::string> x = DefaultExcludedInterfaces();
  struct Case {
    const char* name;
    std::vector<std::string> wanted;
    bool selected;
  } cases[] = {
      {"eth0", {}, true},          {"lo", {}, false},
      {"veth12ab", {}, false},     {"docker0", {}, false},
      {"cali123", {}, false},      {"lxc9", {}, false},
      {"kube-ipvs0", {}, false},   {"cilium_host", {}, false},
      {"flannel.1", {}, false},    {"vxlan.calico", {}, false},
      {"eth0", {"eth1"}, false},   {"eth1", {"eth1"}, true},
      {"enp3s0", {"enp*"}, true},  {"enp3s0", {"eth*", "enp?s0"}, true},
      {"veth0", {"veth*"}, false},  // a pattern never brings in an excluded interface
      {"veth0", {"veth0"}, true},   // an exact name does
      {"lo", {"lo"}, true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(InterfaceSelected(c.name, c.wanted, x), c.selected) << c.name;
  }
}

TEST(LinkTest, OnlyUpBroadcastEthernetWithArpCanAnnounce) {
  Link l{.ifindex = 2,
         .name = "eth0",
         .mac = *MacAddress::Parse("02:00:00:00:00:01"),
         .hardware_type = ARPHRD_ETHER,
         .flags = IFF_UP | IFF_RUNNING | IFF_BROADCAST};
  EXPECT_TRUE(l.CanAnnounce());
  Link noarp = l;
  noarp.flags |= IFF_NOARP;
  Link tunnel = l;
  tunnel.hardware_type = ARPHRD_NONE;
  Link no_carrier = l;
  no_carrier.flags &= ~IFF_RUNNING;
  Link no_mac = l;
  no_mac.mac = MacAddress();
  for (const Link& bad : {noarp, tunnel, no_carrier, no_mac}) EXPECT_FALSE(bad.CanAnnounce());
}

TEST(MacAddressTest, ParsesAndPrints) {
  EXPECT_EQ(MacAddress::Parse("02:AB:cd:00:00:01")->ToString(), "02:ab:cd:00:00:01");
  EXPECT_FALSE(MacAddress::Parse("02:ab:cd:00:00").ok());
  EXPECT_FALSE(MacAddress::Parse("02-ab-cd-00-00-01").ok());
  EXPECT_TRUE(MacAddress::Broadcast().is_multicast());
}

}  // namespace
}  // namespace ironlb::arp
