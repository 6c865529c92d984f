#include "controller/service.h"

namespace ironlb::controller {

absl::string_view PortProtocolName(PortProtocol p) {
  switch (p) {
    case PortProtocol::kTCP:
      return "TCP";
    case PortProtocol::kUDP:
      return "UDP";
    case PortProtocol::kSCTP:
      return "SCTP";
  }
  return "TCP";
}

}  // namespace ironlb::controller
