// libFuzzer target for arp/'s parsers of frames from the wire: ParseArp, ParseNdp and the
// responder on top of them. Whatever parses must rebuild to a frame that parses the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "arp/arp_packet.h"
#include "arp/counters.h"
#include "arp/ndp_packet.h"
#include "arp/responder.h"

using ironlb::IpAddress;
namespace arp = ironlb::arp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::Span<const uint8_t> frame(data, size);
  if (auto m = arp::ParseArp(frame); m.ok()) {
    auto again = arp::ParseArp(arp::BuildArp(*m).span());
    if (!again.ok() || !(*again == *m)) abort();
  }
  if (auto m = arp::ParseNdp(frame); m.ok()) {
    auto again = arp::ParseNdp(arp::BuildNdp(*m).span());
    if (!again.ok()) abort();
    if (again->target != m->target || again->type != m->type) abort();
  }
  arp::Layer2Counters counters;
  auto owns_all = [](const IpAddress&) { return true; };
  arp::ResponderContext context{
      .own_mac = arp::MacAddress::Broadcast(), .owns = owns_all, .router = false};
  if (auto reply = arp::AnswerFor(frame, context, counters); reply.has_value()) {
    // Every answer we would put on the wire must itself be well-formed.
    bool ok = arp::Load16(reply->bytes.data() + 12) == arp::kEtherTypeArp
                  ? arp::ParseArp(reply->span()).ok()
                  : arp::ParseNdp(reply->span()).ok();
    if (!ok) abort();
  }
  return 0;
}
