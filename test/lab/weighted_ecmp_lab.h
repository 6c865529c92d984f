// Weighted ECMP in the lab, for lab_bgp_weighted_ecmp_test and weighted_ecmp_bench: two ironlb
// speakers in Kubernetes mode (fed by the fake API server in the client's namespace), each with
// its own FRR, announce an externalTrafficPolicy Local Service's VIP by eBGP to the router's FRR
// under a BGPAdvertisement with weightByEndpoints. The router's kernel route to the VIP and the
// outside client's connections through it show the weights.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "test/kube/fake_api_server.h"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"

namespace ironlb::lab {

class WeightedEcmpLab {
 public:
  static constexpr char kVip[] = "10.90.100.10";
  static constexpr char kVip6[] = "fd00:90:100::10";  // with Options::ipv6
  static constexpr uint32_t kSpeakerAsn = 64512;
  static constexpr uint32_t kRouterAsn = 64513;

  struct Options {
    bool weighted = true;  // the BGPAdvertisement's weightByEndpoints
    // Non-empty: the router requires this TCP MD5 password from the speakers, and the BGPPeer
    // takes it from the Secret ironlb-system/bgp-password (passwordSecret). A second BGPPeer,
    // "router-v6", then names a Secret that does not exist.
    std::string password;
    // False: no FRR on the router host; the test runs a router of its own choice there (at the
    // router's address, kRouterAsn).
    bool router_frr = true;
    // More BGPPeers of every speaker, eBGP from kSpeakerAsn: address -> peer ASN (a router the
    // test runs on another lab host).
    std::map<std::string, uint32_t> more_peers;
    // The Service is IPv6 (kVip6) and so are the BGP sessions (the router's fd00:90::1).
    bool ipv6 = false;
  };
  // `speaker_binary`: ironlb-speaker.
  static absl::StatusOr<std::unique_ptr<WeightedEcmpLab>> Start(const std::string& speaker_binary,
                                                                Options options);
  static absl::StatusOr<std::unique_ptr<WeightedEcmpLab>> Start(const std::string& speaker_binary) {
    return Start(speaker_binary, Options{});
  }
  ~WeightedEcmpLab();

  // The Service's ready endpoints per node ("s0", "s1"): one EndpointSlice, replaced.
  void SetEndpoints(const std::map<std::string, int>& per_node);
  // The BGPAdvertisement's weightByEndpoints, switched.
  void SetWeighted(bool weighted);

  // The Service's VIP: kVip, or kVip6 with Options::ipv6.
  const std::string& vip() const { return vip_; }
  // The router's kernel route to the VIP: next hop host name -> weight (`ip -j route`; through
  // the nexthop group when zebra installed one). Empty when there is no route.
  absl::StatusOr<std::map<std::string, int>> KernelWeights() const;
  // Polls (every 10 ms, bounded by `limit`) until KernelWeights() is `want`; how long it took.
  absl::StatusOr<absl::Duration> WaitForWeights(const std::map<std::string, int>& want,
                                                absl::Duration limit) const;
  // `count` new TCP connections from the outside client to the VIP: answering host -> count
  // (failed ones under "").
  std::map<std::string, int> Connections(int count) const;

  // The router's and the speakers' BGP state and the speakers' logs, for a failure's message.
  std::string Diagnostics() const;

  const Lab& lab() const { return *lab_; }
  const FrrHost& router_frr() const { return *router_frr_; }  // with Options::router_frr
  const FrrHost& speaker_frr(int i) const { return *speaker_frr_[static_cast<size_t>(i)]; }
  kube::testing::FakeApiServer& api() const { return *api_; }

 private:
  WeightedEcmpLab() = default;
  absl::Status Build(const std::string& speaker_binary, const Options& options);
  absl::Status StartRouterFrr(const Options& options);
  absl::Status StartSpeakers(const std::string& speaker_binary);
  std::string HostOfGateway(const std::string& gateway) const;

  std::string vip_ = kVip;
  bool ipv6_ = false;
  std::map<std::string, std::string> link_local_hosts_;  // speakers' fe80:: address -> name
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<kube::testing::FakeApiServer> api_;
  std::unique_ptr<FrrHost> router_frr_;
  std::vector<std::unique_ptr<FrrHost>> speaker_frr_;
  std::vector<std::unique_ptr<HostProcess>> speakers_;
};

}  // namespace ironlb::lab
