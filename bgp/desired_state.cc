#include "bgp/desired_state.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ironlb::bgp {
namespace {

std::string CommunityKey(const config::Community& c) {
  return c.large ? absl::StrCat("L", c.global, ":", c.high, ":", c.low)
                 : absl::StrCat("S", c.high, ":", c.low);
}

bool HasSpace(absl::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return ch == ' ' || ch == '\t'; });
}

}  // namespace

std::string RouteAttributes::Key() const {
  std::string k = local_pref ? absl::StrCat("lp", *local_pref) : "lp-";
  if (link_bandwidth_mbps) absl::StrAppend(&k, " bw", *link_bandwidth_mbps);
  for (const config::Community& c : communities) absl::StrAppend(&k, " ", CommunityKey(c));
  return k;
}

void MergeAttributes(Announcement& a, const std::string& peer, const RouteAttributes& attrs) {
  auto [it, inserted] = a.peers.emplace(peer, attrs);
  RouteAttributes& have = it->second;
  if (!inserted) {
    have.communities.insert(have.communities.end(), attrs.communities.begin(),
                            attrs.communities.end());
    if (attrs.local_pref && (!have.local_pref || *attrs.local_pref > *have.local_pref)) {
      have.local_pref = attrs.local_pref;
    }
    if (attrs.link_bandwidth_mbps &&
        (!have.link_bandwidth_mbps || *attrs.link_bandwidth_mbps > *have.link_bandwidth_mbps)) {
      have.link_bandwidth_mbps = attrs.link_bandwidth_mbps;
    }
  }
  std::sort(have.communities.begin(), have.communities.end(),
            [](const config::Community& x, const config::Community& y) {
              return CommunityKey(x) < CommunityKey(y);
            });
  have.communities.erase(std::unique(have.communities.begin(), have.communities.end()),
                         have.communities.end());
}

absl::Status ValidateDesiredState(const DesiredState& state) {
  std::set<std::string> names;
  std::set<std::pair<std::string, std::string>> addresses;  // (vrf, neighbor)
  std::map<std::string, uint32_t> asn;                      // per VRF
  std::map<std::string, IpAddress> router_id;               // per VRF
  for (const PeerSession& p : state.peers) {
    const std::string who = absl::StrCat("BGPPeer \"", p.name, "\"");
    if (p.name.empty() || HasSpace(p.name)) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": name must be one word"));
    }
    if (!names.insert(p.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(who, " appears twice"));
    }
    if (!p.interface.empty() && (HasSpace(p.interface) || p.interface.size() > 15)) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": spec.interface \"", p.interface,
                       "\" is not an interface name (1-15 characters)"));
    }
    if (!p.vrf.empty() && (HasSpace(p.vrf) || p.vrf.size() > 15)) {
      return absl::InvalidArgumentError(absl::StrCat(
          who, ": spec.vrf \"", p.vrf, "\" is not a VRF device name (1-15 characters)"));
    }
    if (!addresses.insert({p.vrf, p.NeighborKey()}).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          who, p.interface.empty() ? ": spec.peerAddress " : ": spec.interface ", p.NeighborKey(),
          " is used by another peer of this node; FRR holds one session per neighbor"));
    }
    if (p.my_asn == 0 || (p.peer_as_kind == PeerAsKind::kNumber && p.peer_asn == 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": myASN and peerASN (or dynamicASN) are required"));
    }
    if (p.connect_time_s && (*p.connect_time_s < 1 || *p.connect_time_s > 65535)) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": spec.connectTime must be between 1s and 65535s"));
    }
    if (p.router_id) {
      if (!p.router_id->is_v4()) {
        return absl::InvalidArgumentError(
            absl::StrCat(who, ": spec.routerID must be an IPv4 address"));
      }
      auto [it, inserted] = router_id.emplace(p.vrf, *p.router_id);
      if (!inserted && it->second != *p.router_id) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, ": spec.routerID ", p.router_id->ToString(), " differs from ",
            it->second.ToString(),
            " of another peer of this node in the same VRF; FRR has one router ID per BGP "
            "instance"));
      }
    }
    if (auto [it, inserted] = asn.emplace(p.vrf, p.my_asn); !inserted && it->second != p.my_asn) {
      return absl::InvalidArgumentError(absl::StrCat(
          who, ": spec.myASN ", p.my_asn, " differs from ", it->second,
          " of another peer of this node in the same VRF; FRR runs one BGP instance per VRF, "
          "with one AS number"));
    }
    if (HasSpace(p.password)) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": spec.password contains white space, which FRR refuses"));
    }
    if (p.hold_time_s != 0 && p.hold_time_s < 3) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": spec.holdTime must be 0 or >= 3s"));
    }
    if (p.keepalive_time_s > 65535 || p.hold_time_s > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": spec.holdTime and keepaliveTime must be at most 65535s"));
    }
    if (p.source_address && p.interface.empty() &&
        p.source_address->family() != p.address.family()) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": spec.sourceAddress is not of peerAddress's family"));
    }
    if (p.ebgp_multihop && p.ibgp()) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": spec.ebgpMultiHop is for eBGP; ",
                                                     p.peer_as_kind == PeerAsKind::kInternal
                                                         ? "dynamicASN is internal"
                                                         : "myASN equals peerASN",
                                                     ", so this is iBGP"));
    }
    if (!p.bfd_profile.empty() &&
        std::none_of(state.bfd_profiles.begin(), state.bfd_profiles.end(),
                     [&](const BfdProfileSpec& b) { return b.name == p.bfd_profile; })) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": spec.bfdProfile \"", p.bfd_profile, "\" is not defined"));
    }
  }
  for (const BfdProfileSpec& b : state.bfd_profiles) {
    if (b.name.empty() || HasSpace(b.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("BFDProfile \"", b.name, "\": name must be one word"));
    }
  }
  for (const Announcement& a : state.announcements) {
    for (const auto& [peer, attrs] : a.peers) {
      if (!names.count(peer)) {
        return absl::InvalidArgumentError(
            absl::StrCat("announcement of ", a.prefix.ToString(), " names unknown peer ", peer));
      }
      if (attrs.link_bandwidth_mbps &&
          (*attrs.link_bandwidth_mbps < 1 || *attrs.link_bandwidth_mbps > kMaxLinkBandwidthMbps)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "announcement of ", a.prefix.ToString(), " to ", peer, ": link bandwidth ",
            *attrs.link_bandwidth_mbps, " Mbps is outside FRR's 1..", kMaxLinkBandwidthMbps));
      }
    }
  }
  return absl::OkStatus();
}

IpPrefix PrefixOf(const IpAddress& address, int length) {
  const int bits = address.bit_length();
  const uint128 full = FamilyMax(address.family());
  const uint128 mask = length == 0 ? 0 : (full << (bits - length)) & full;
  return IpPrefix(IpAddress::FromValue(address.family(), address.value() & mask), length);
}

}  // namespace ironlb::bgp
