#include "arp/responder.h"

#include "arp/arp_packet.h"
#include "arp/ndp_packet.h"

namespace ironlb::arp {

std::optional<Frame> AnswerFor(absl::Span<const uint8_t> frame, const ResponderContext& context,
                               Layer2Counters& counters) {
  if (frame.size() < kEthernetHeaderLen) {
    Bump(counters.malformed_dropped);
    return std::nullopt;
  }
  uint16_t ethertype = Load16(frame.data() + 12);
  if (ethertype == kEtherTypeArp) {
    absl::StatusOr<ArpMessage> arp = ParseArp(frame);
    if (!arp.ok()) {
      Bump(counters.malformed_dropped);
      return std::nullopt;
    }
    if (arp->op != ArpOp::kRequest) return std::nullopt;
    Bump(counters.arp_requests_seen);
    if (arp->sender_ip == arp->target_ip) return std::nullopt;  // someone's announcement
    if (arp->sender_mac.is_multicast()) return std::nullopt;    // nowhere to answer
    if (!context.owns(arp->target_ip)) return std::nullopt;
    return BuildArpReply(context.own_mac, *arp);
  }
  if (ethertype == kEtherTypeIpv6) {
    absl::StatusOr<NdpMessage> ndp = ParseNdp(frame);
    if (!ndp.ok()) {
      Bump(counters.malformed_dropped);
      return std::nullopt;
    }
    if (ndp->type != NdpType::kNeighborSolicitation) return std::nullopt;
    Bump(counters.ns_seen);
    if (!context.owns(ndp->target)) return std::nullopt;
    // Nowhere to send the answer: the asker's link-layer address must be unicast.
    if (ndp->link_layer_option.value_or(ndp->eth_source).is_multicast()) return std::nullopt;
    return BuildSolicitedAdvertisement(context.own_mac, *ndp, context.router);
  }
  return std::nullopt;  // the kernel filter lets nothing else through
}

}  // namespace ironlb::arp
