// Every validation rule of the configuration, good and bad, as one table. Each bad case names
// the exact diagnostic an operator would see (file:line, object, field and message).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/config/config_test_util.h"

namespace ironlb::config {
namespace {

using testing::AllDiagnostics;
using testing::LoadYaml;

std::string Doc(const std::string& kind, const std::string& name, const std::string& spec) {
  return "apiVersion: ironlb.io/v1alpha1\nkind: " + kind + "\nmetadata:\n  name: " + name +
         "\nspec:\n" + spec + "---\n";
}

const std::string kLanPool = Doc("AddressPool", "lan", "  addresses: [192.168.1.240/28]\n");
const std::string kPeer =
    Doc("BGPPeer", "router", "  myASN: 64512\n  peerASN: 64501\n  peerAddress: 192.168.1.1\n");

struct Case {
  std::string name;
  std::string yaml;
  // Empty: the config must be valid. Else: one error's full text must contain this.
  std::string error;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationTest, ReportsExactlyWhatIsWrong) {
  const Case& c = GetParam();
  const LoadResult r = LoadYaml(c.yaml);
  if (c.error.empty()) {
    EXPECT_TRUE(r.ok()) << AllDiagnostics(r);
    return;
  }
  EXPECT_FALSE(r.ok()) << "expected an error containing: " << c.error;
  bool found = false;
  for (const auto& d : r.diagnostics) {
    if (d.is_error() && d.ToString().find(c.error) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "wanted: " << c.error << "\ngot:\n" << AllDiagnostics(r);
}

std::vector<Case> Cases() {
  return {
      // --- addresses -------------------------------------------------------------------
      {"cidr_and_range_both_families",
       Doc("AddressPool", "p",
           "  addresses:\n  - 192.168.1.0/28\n  - 192.168.2.10-192.168.2.20\n"
           "  - fd00:1::/64\n  - fd00:2::5-fd00:2::9\n"),
       ""},
      {"range_reversed", Doc("AddressPool", "p", "  addresses: [10.0.0.9-10.0.0.1]\n"),
       "test.yaml:6: AddressPool/p spec.addresses[0]: range \"10.0.0.9-10.0.0.1\": the end comes "
       "before the start"},
      {"host_bits", Doc("AddressPool", "p", "  addresses:\n  - 10.0.0.0/24\n  - 10.0.1.7/24\n"),
       "test.yaml:8: AddressPool/p spec.addresses[1]: \"10.0.1.7/24\" has host bits set; did you "
       "mean 10.0.1.0/24?"},
      {"slash_zero", Doc("AddressPool", "p", "  addresses: [0.0.0.0/0]\n"),
       "spec.addresses[0]: \"0.0.0.0/0\": a /0 prefix covers every address"},
      {"v6_slash_zero", Doc("AddressPool", "p", "  addresses: ['::/0']\n"), "a /0 prefix"},
      {"mixed_family_range", Doc("AddressPool", "p", "  addresses: [10.0.0.1-fd00::1]\n"),
       "spec.addresses[0]: range \"10.0.0.1-fd00::1\" mixes IPv4 and IPv6"},
      {"not_an_address", Doc("AddressPool", "p", "  addresses: [10.0.0.300/32]\n"),
       "\"10.0.0.300\" is not an IP address"},
      {"bare_address", Doc("AddressPool", "p", "  addresses: [10.0.0.1]\n"),
       "is neither a CIDR (192.0.2.0/24) nor a range"},
      {"prefix_too_long", Doc("AddressPool", "p", "  addresses: [10.0.0.0/33]\n"),
       "prefix length must be 1..32"},
      {"no_addresses", Doc("AddressPool", "p", "  autoAssign: false\n"),
       "AddressPool/p spec.addresses: a pool needs at least one CIDR or range"},
      {"empty_addresses", Doc("AddressPool", "p", "  addresses: []\n"),
       "AddressPool/p spec.addresses: a pool needs at least one CIDR or range"},
      {"addresses_not_a_list", Doc("AddressPool", "p", "  addresses: 10.0.0.0/24\n"),
       "spec.addresses: must be a list, not the text \"10.0.0.0/24\""},
      {"pools_overlap",
       Doc("AddressPool", "a", "  addresses: [10.0.0.0/24]\n") +
           Doc("AddressPool", "b", "  addresses: [10.0.0.200-10.0.1.5]\n"),
       "test.yaml:13: AddressPool/b spec.addresses[0]: 10.0.0.200-10.0.1.5 overlaps 10.0.0.0/24 of "
       "pool \"a\" "
       "(test.yaml:1)"},
      {"pool_overlaps_itself",
       Doc("AddressPool", "a", "  addresses: [10.0.0.0/24, 10.0.0.128/25]\n"),
       "overlaps 10.0.0.0/24 of the same pool"},
      {"v6_pools_overlap",
       Doc("AddressPool", "a", "  addresses: ['fd00::/64']\n") +
           Doc("AddressPool", "b", "  addresses: ['fd00::8-fd00::9']\n"),
       "overlaps fd00::/64 of pool \"a\""},
      {"adjacent_pools_do_not_overlap",
       Doc("AddressPool", "a", "  addresses: [10.0.0.0/25]\n") +
           Doc("AddressPool", "b", "  addresses: [10.0.0.128/25]\n"),
       ""},
      // --- names and references -----------------------------------------------------------
      {"duplicate_pool_names",
       Doc("AddressPool", "lan", "  addresses: [10.0.0.0/24]\n") +
           Doc("AddressPool", "lan", "  addresses: [10.0.1.0/24]\n"),
       "test.yaml:11: AddressPool/lan metadata.name: another AddressPool has this name "
       "(test.yaml:1)"},
      {"bad_name", Doc("AddressPool", "Lan_1", "  addresses: [10.0.0.0/24]\n"),
       "metadata.name: name \"Lan_1\" may only hold lower-case letters"},
      {"missing_metadata",
       "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nspec:\n  addresses: [10.0.0.0/24]\n",
       "metadata.name is required"},
      // Unknown pools and peers in advertisements are warnings (metallb_test.cc).
      {"peer_unknown_bfd_profile",
       Doc("BGPPeer", "r",
           "  myASN: 64512\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n  bfdProfile: fast\n"),
       "BGPPeer/r spec.bfdProfile: no BFDProfile is named \"fast\""},
      {"peer_known_bfd_profile",
       Doc("BFDProfile", "fast", "  receiveInterval: 100\n") +
           Doc("BGPPeer", "r",
               "  myASN: 64512\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n  bfdProfile: fast\n"),
       ""},
      // --- ASNs, timers, ports ------------------------------------------------------------
      {"asn_zero", Doc("BGPPeer", "r", "  myASN: 0\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n"),
       "BGPPeer/r spec.myASN: 0 is out of range 1..4294967295"},
      {"asn_too_big",
       Doc("BGPPeer", "r", "  myASN: 4294967296\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n"),
       "spec.myASN: 4294967296 is out of range 1..4294967295"},
      {"asn_4byte_ok",
       Doc("BGPPeer", "r", "  myASN: 4200000000\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n"), ""},
      {"asn_missing", Doc("BGPPeer", "r", "  peerASN: 64501\n  peerAddress: 10.0.0.1\n"),
       "spec.myASN: required"},
      {"asn_as_text",
       Doc("BGPPeer", "r", "  myASN: \"64512\"\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n"),
       "spec.myASN: must be a whole number, not the text \"64512\""},
      {"peer_address_missing", Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n"),
       "spec.peerAddress: required"},
      {"peer_address_bad", Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n  peerAddress: router\n"),
       "spec.peerAddress: \"router\" is not an IP address"},
      {"hold_time_2s",
       Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: 2s\n"),
       "spec.holdTime: 2s is too short: BGP allows 0 (no keepalives) or at least 3s"},
      {"hold_time_0_ok",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: 0s\n  keepaliveTime: "
           "0s\n"),
       ""},
      {"hold_time_3s_ok",
       Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: 3s\n"),
       ""},
      {"hold_time_not_duration",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: ninety\n"),
       "spec.holdTime: \"ninety\" is not a duration like \"90s\""},
      {"hold_time_fraction",
       Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: 3.5s\n"),
       "BGP timers are whole seconds"},
      {"keepalive_above_hold",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: 30s\n"
           "  keepaliveTime: 1m\n"),
       "spec.keepaliveTime: 60s is longer than the hold time (30s)"},
      {"hold_time_above_16_bits",
       Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  holdTime: 20h\n"),
       "spec.holdTime: \"20h\" is longer than 65535s"},
      {"keepalive_alone_above_16_bits",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  keepaliveTime: 7h\n"),
       "spec.keepaliveTime: 25200s alone makes the hold time 75600s"},
      // As in MetalLB, keepaliveTime alone sets the hold time to three times it.
      {"keepalive_alone_sets_hold",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  keepaliveTime: 2m\n"),
       ""},
      {"peer_port_zero",
       Doc("BGPPeer", "r", "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  peerPort: 0\n"),
       "spec.peerPort: 0 is out of range 1..65535"},
      {"peer_port_too_big",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  peerPort: 70000\n"),
       "spec.peerPort: 70000 is out of range 1..65535"},
      {"password_and_secret",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  password: x\n"
           "  passwordSecret: {name: s}\n"),
       "spec.passwordSecret: set password or passwordSecret, not both"},
      {"password_with_space",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  password: 'a b'\n"),
       "spec.password: must not contain white space"},
      {"source_family_mismatch",
       Doc("BGPPeer", "r",
           "  myASN: 1\n  peerASN: 2\n  peerAddress: 10.0.0.1\n  sourceAddress: 'fd00::1'\n"),
       "spec.sourceAddress: must be of the same family as peerAddress"},
      {"multihop_on_ibgp",
       Doc("BGPPeer", "r",
           "  myASN: 64512\n  peerASN: 64512\n  peerAddress: 10.0.0.1\n  ebgpMultiHop: true\n"),
       "spec.ebgpMultiHop: is for eBGP sessions"},
      {"two_asns_one_vrf",
       Doc("BGPPeer", "a", "  myASN: 64512\n  peerASN: 1\n  peerAddress: 10.0.0.1\n") +
           Doc("BGPPeer", "b", "  myASN: 64513\n  peerASN: 1\n  peerAddress: 10.0.0.2\n"),
       "BGPPeer/b spec.myASN: 64513 differs from myASN 64512 of BGPPeer \"a\""},
      {"two_asns_two_vrfs_ok",
       Doc("BGPPeer", "a", "  myASN: 64512\n  peerASN: 1\n  peerAddress: 10.0.0.1\n") +
           Doc("BGPPeer", "b",
               "  myASN: 64513\n  peerASN: 1\n  peerAddress: 10.0.0.2\n  vrf: red\n"),
       ""},
      {"same_neighbor_twice",
       Doc("BGPPeer", "a", "  myASN: 64512\n  peerASN: 1\n  peerAddress: 10.0.0.1\n") +
           Doc("BGPPeer", "b", "  myASN: 64512\n  peerASN: 2\n  peerAddress: 10.0.0.1\n"),
       "BGPPeer/b spec.peerAddress: 10.0.0.1 is also the address of BGPPeer \"a\""},
      // --- MSS -------------------------------------------------------------------------
      {"mss_ok", Doc("AddressPool", "p", "  addresses: [10.0.0.0/24]\n  tcpMSS: 1300\n"), ""},
      {"mss_pmtu_ok", Doc("AddressPool", "p", "  addresses: [10.0.0.0/24]\n  tcpMSS: pmtu\n"), ""},
      {"mss_low", Doc("AddressPool", "p", "  addresses: [10.0.0.0/24]\n  tcpMSS: 535\n"),
       "spec.tcpMSS: MSS 535 is out of range 536..65495"},
      {"mss_high", Doc("AddressPool", "p", "  addresses: [10.0.0.0/24]\n  tcpMSS: 65496\n"),
       "MSS 65496 is out of range"},
      {"mss_word", Doc("AddressPool", "p", "  addresses: [10.0.0.0/24]\n  tcpMSS: auto\n"),
       "\"auto\" is not an MSS: give a number (536..65495) or \"pmtu\""},
      {"mss_bool", Doc("AddressPool", "p", "  addresses: [10.0.0.0/24]\n  tcpMSS: true\n"),
       "spec.tcpMSS: must be a number (536..65495) or \"pmtu\""},
      // --- BFD -------------------------------------------------------------------------
      {"bfd_ok",
       Doc("BFDProfile", "b",
           "  receiveInterval: 10\n  transmitInterval: 60000\n  detectMultiplier: 255\n"),
       ""},
      {"bfd_rx_low", Doc("BFDProfile", "b", "  receiveInterval: 9\n"),
       "BFDProfile/b spec.receiveInterval: 9 is out of range 10..60000"},
      {"bfd_tx_high", Doc("BFDProfile", "b", "  transmitInterval: 60001\n"),
       "spec.transmitInterval: 60001 is out of range 10..60000"},
      {"bfd_mult_low", Doc("BFDProfile", "b", "  detectMultiplier: 1\n"),
       "spec.detectMultiplier: 1 is out of range 2..255"},
      {"bfd_mult_high", Doc("BFDProfile", "b", "  detectMultiplier: 256\n"),
       "spec.detectMultiplier: 256 is out of range 2..255"},
      {"bfd_echo_mode_text", Doc("BFDProfile", "b", "  echoMode: yes\n"),
       "spec.echoMode: must be true or false, not the text \"yes\""},
      // --- communities, aggregation ------------------------------------------------------
      {"communities_ok",
       kLanPool + Doc("BGPAdvertisement", "a",
                      "  communities: ['65000:100', 'large:4200000000:1:2', no-export, "
                      "NO-ADVERTISE, blackhole]\n"),
       ""},
      {"community_half_too_big",
       kLanPool + Doc("BGPAdvertisement", "a", "  communities: ['65536:1']\n"),
       "spec.communities[0]: community \"65536:1\": both halves of a:b must be numbers 0..65535"},
      {"community_garbage", kLanPool + Doc("BGPAdvertisement", "a", "  communities: [gold]\n"),
       "\"gold\" is not a community: use a:b"},
      {"large_community_bad",
       kLanPool + Doc("BGPAdvertisement", "a", "  communities: ['large:1:x:3']\n"),
       "large community \"large:1:x:3\": \"x\" is not a number"},
      {"aggregation_ok",
       kLanPool +
           Doc("BGPAdvertisement", "a", "  ipAddressPools: [lan]\n  aggregationLength: 28\n"),
       ""},
      {"aggregation_shorter_than_pool",
       kLanPool +
           Doc("BGPAdvertisement", "a", "  ipAddressPools: [lan]\n  aggregationLength: 24\n"),
       "BGPAdvertisement/a spec.aggregationLength: /24 is shorter than 192.168.1.240/28 in pool "
       "\"lan\""},
      {"aggregation_out_of_range",
       kLanPool + Doc("BGPAdvertisement", "a", "  aggregationLength: 33\n"),
       "spec.aggregationLength: 33 is out of range 1..32"},
      {"local_pref_negative", kLanPool + Doc("BGPAdvertisement", "a", "  localPref: -1\n"),
       "spec.localPref: -1 is out of range 0..4294967295"},
      {"weight_by_endpoints_ok",
       kLanPool + Doc("BGPAdvertisement", "a", "  weightByEndpoints: true\n"), ""},
      {"weight_by_endpoints_not_bool",
       kLanPool + Doc("BGPAdvertisement", "a", "  weightByEndpoints: maybe\n"),
       "BGPAdvertisement/a spec.weightByEndpoints:"},
      // --- selectors -------------------------------------------------------------------
      {"selector_ok",
       kLanPool + Doc("L2Advertisement", "l2",
                      "  nodeSelectors:\n  - matchLabels: {zone: a}\n    matchExpressions:\n"
                      "    - {key: role, operator: In, values: [edge]}\n"),
       ""},
      {"selector_bad_operator",
       kLanPool + Doc("L2Advertisement", "l2",
                      "  nodeSelectors:\n  - matchExpressions:\n    - {key: role, operator: "
                      "Equals, values: [edge]}\n"),
       "spec.nodeSelectors[0].matchExpressions[0].operator: \"Equals\" is not one of In, NotIn"},
      {"selector_in_without_values",
       kLanPool + Doc("L2Advertisement", "l2",
                      "  nodeSelectors:\n  - matchExpressions:\n    - {key: role, operator: In}\n"),
       "matchExpressions[0].values: operator In needs at least one value"},
      {"selector_exists_with_values",
       kLanPool + Doc("L2Advertisement", "l2",
                      "  nodeSelectors:\n  - matchExpressions:\n    - {key: role, operator: "
                      "Exists, values: [x]}\n"),
       "operator Exists takes no values"},
      {"selector_label_number",
       kLanPool + Doc("L2Advertisement", "l2", "  nodeSelectors:\n  - matchLabels: {rack: 7}\n"),
       "spec.nodeSelectors[0].matchLabels.rack: must be text (quote numbers"},
      {"interface_bad", kLanPool + Doc("L2Advertisement", "l2", "  interfaces: ['eth0/1']\n"),
       "spec.interfaces[0]: \"eth0/1\" is not an interface name"},
      {"service_allocation_ok",
       Doc("AddressPool", "p",
           "  addresses: [10.0.0.0/24]\n  serviceAllocation:\n    priority: 10\n"
           "    namespaces: [web]\n    serviceSelectors:\n    - matchLabels: {tier: front}\n"),
       ""},
      {"service_allocation_priority_negative",
       Doc("AddressPool", "p",
           "  addresses: [10.0.0.0/24]\n  serviceAllocation:\n    priority: -1\n"),
       "spec.serviceAllocation.priority: -1 is out of range"},
      // --- port forwards ---------------------------------------------------------------
      {"forward_ok",
       Doc("PortForward", "home",
           "  interfaces: [wan0]\n  targets:\n  - {protocol: TCP, port: 443, address: 10.0.0.5}\n"
           "  - {protocol: UDP, port: 51820, address: 10.0.0.6, targetPort: 51821}\n"),
       ""},
      {"forward_port_zero",
       Doc("PortForward", "home",
           "  interfaces: [wan0]\n  targets:\n  - {protocol: TCP, port: 0, address: 10.0.0.5}\n"),
       "PortForward/home spec.targets[0].port: 0 is out of range 1..65535"},
      {"forward_protocol_bad",
       Doc("PortForward", "home",
           "  interfaces: [wan0]\n  targets:\n  - {protocol: SCTP, port: 1, address: 10.0.0.5}\n"),
       "spec.targets[0].protocol: protocol \"SCTP\" must be TCP or UDP"},
      {"forward_duplicate_port",
       Doc("PortForward", "home",
           "  interfaces: [wan0]\n  targets:\n  - {protocol: TCP, port: 443, address: 10.0.0.5}\n"
           "  - {protocol: TCP, port: 443, address: 10.0.0.6}\n"),
       "spec.targets[1]: TCP/443 on interface wan0 is already forwarded by this group "
       "(spec.targets[0] to 10.0.0.5:443)"},
      {"forward_duplicate_across_groups",
       Doc("PortForward", "a",
           "  addresses: [203.0.113.5]\n  targets:\n  - {protocol: UDP, port: 53, address: "
           "10.0.0.5}\n") +
           Doc("PortForward", "b",
               "  addresses: [203.0.113.5]\n  targets:\n  - {protocol: UDP, port: 53, address: "
               "10.0.0.7}\n"),
       "PortForward/b spec.targets[0]: UDP/53 on 203.0.113.5 is already forwarded by PortForward "
       "\"a\""},
      {"forward_no_outside", Doc("PortForward", "home", "  targets: []\n"),
       "PortForward/home spec: say where to publish"},
      {"forward_family_mismatch",
       Doc("PortForward", "home",
           "  addresses: [203.0.113.5]\n  targets:\n  - {protocol: TCP, port: 80, address: "
           "'fd00::5'}\n"),
       "target fd00::5 is IPv6 but the group has no outside address of that family"},
      {"forward_source_nat_bad",
       Doc("PortForward", "home", "  interfaces: [wan0]\n  sourceNAT: sometimes\n"),
       "spec.sourceNAT: \"sometimes\" is not one of Auto, Always, Never"},
      {"forward_source_nat_address_bad",
       Doc("PortForward", "home", "  interfaces: [wan0]\n  sourceNATAddresses: [10.90.0.300]\n"),
       "PortForward/home spec.sourceNATAddresses[0]: "},
      {"forward_source_nat_address_two_per_family",
       Doc("PortForward", "home",
           "  interfaces: [wan0]\n  sourceNATAddresses: [10.90.0.250, 10.90.0.251]\n"),
       "PortForward/home spec.sourceNATAddresses[1]: 10.90.0.251: at most one address per "
       "family"},
      {"forward_source_nat_address_never",
       Doc("PortForward", "home",
           "  interfaces: [wan0]\n  sourceNAT: Never\n  sourceNATAddresses: [10.90.0.250]\n"),
       "PortForward/home spec.sourceNATAddresses: sourceNAT is Never"},
      // --- documents -------------------------------------------------------------------
      {"yaml_syntax", "apiVersion: ironlb.io/v1alpha1\nkind: [AddressPool\n", "test.yaml:"},
      {"not_an_object", "- just\n- a list\n", "each YAML document must be an object"},
      {"missing_kind", "apiVersion: ironlb.io/v1alpha1\nmetadata: {name: x}\n",
       "an object needs apiVersion and kind"},
      {"kind_not_text", "apiVersion: v1\nkind: 5\nitems: []\n",
       "an object needs apiVersion and kind"},
      {"wrong_version",
       "apiVersion: ironlb.io/v2\nkind: AddressPool\nmetadata: {name: x}\nspec: {}\n",
       "AddressPool/x apiVersion: \"ironlb.io/v2\" is not supported"},
      {"other_groups_are_not_errors",
       "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer}\n", ""},
      {"list_of_objects",
       "apiVersion: v1\nkind: List\nitems:\n- apiVersion: ironlb.io/v1alpha1\n  kind: AddressPool\n"
       "  metadata: {name: a}\n  spec: {addresses: [10.0.0.0/24]}\n",
       ""},
      {"list_item_located",
       "apiVersion: v1\nkind: List\nitems:\n- apiVersion: ironlb.io/v1alpha1\n  kind: AddressPool\n"
       "  metadata: {name: a}\n  spec:\n    addresses: [10.0.0.0/33]\n",
       "test.yaml:8: AddressPool/a spec.addresses[0]"},
  };
}

INSTANTIATE_TEST_SUITE_P(Rules, ValidationTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace ironlb::config
