#include "controller/allocation.h"

namespace ironlb::controller {

absl::string_view AllocationStatusName(AllocationStatus s) {
  switch (s) {
    case AllocationStatus::kAssigned:
      return "assigned";
    case AllocationStatus::kPending:
      return "pending";
    case AllocationStatus::kIgnored:
      return "ignored";
  }
  return "pending";
}

}  // namespace ironlb::controller
