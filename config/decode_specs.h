// The spec decoders of each kind, shared by ironlb.io objects and MetalLB's metallb.io objects
// (same field names and meaning; `Flavor` says which fields the group has).
#pragma once

#include <optional>

#include "common/ip.h"
#include "config/fields.h"
#include "config/types.h"

namespace ironlb::config {

enum class Flavor { kIronlb, kMetalLB };

// `key` of `spec` as an IP address; a bad one is an error naming the field.
std::optional<IpAddress> ReadAddress(const Json& spec, const FieldPath& path, absl::string_view key,
                                     FieldContext& ctx);

void DecodeAddressPool(const Json& spec, Flavor flavor, AddressPool& pool, FieldContext& ctx);
void DecodeL2Advertisement(const Json& spec, Flavor flavor, L2Advertisement& adv,
                           FieldContext& ctx);
void DecodeBGPAdvertisement(const Json& spec, Flavor flavor, BGPAdvertisement& adv,
                            FieldContext& ctx);
void DecodeBGPPeer(const Json& spec, BGPPeer& peer, FieldContext& ctx);
void DecodeBFDProfile(const Json& spec, BFDProfile& p, FieldContext& ctx);
void DecodePortForward(const Json& spec, PortForward& pf, FieldContext& ctx);
// MetalLB's Community: spec.communities[{name, value}].
void DecodeCommunityAliases(const Json& spec, CommunityAliases& c, FieldContext& ctx);

}  // namespace ironlb::config
