// The kinds of ironlb's configuration (API group ironlb.io, version v1alpha1), in one place:
// the decoder, the controller's and the speaker's API readers and the CRDs all follow it.
#pragma once

#include <array>

namespace ironlb::config {

inline constexpr char kApiGroup[] = "ironlb.io";
inline constexpr char kApiGroupVersion[] = "v1alpha1";

struct Kind {
  const char* name;    // "AddressPool"
  const char* plural;  // "addresspools": the API resource
};

inline constexpr std::array<Kind, 6> kKinds = {{{"AddressPool", "addresspools"},
                                                {"L2Advertisement", "l2advertisements"},
                                                {"BGPAdvertisement", "bgpadvertisements"},
                                                {"BGPPeer", "bgppeers"},
                                                {"BFDProfile", "bfdprofiles"},
                                                {"PortForward", "portforwards"}}};

// MetalLB's kinds, read as they are (group metallb.io, v1beta1; BGPPeer also v1beta2).
// Community holds aliases for BGP community values.
inline constexpr char kMetalLBGroup[] = "metallb.io";
inline constexpr std::array<Kind, 6> kMetalLBKinds = {{{"IPAddressPool", "ipaddresspools"},
                                                       {"L2Advertisement", "l2advertisements"},
                                                       {"BGPAdvertisement", "bgpadvertisements"},
                                                       {"BGPPeer", "bgppeers"},
                                                       {"BFDProfile", "bfdprofiles"},
                                                       {"Community", "communities"}}};

}  // namespace ironlb::config
