// A decision with its reason. Functions that decide (may this pool serve this Service, is this
// node eligible for this VIP, does this node announce this Service, may these Services share)
// return one, and every caller — the daemons, `ironlbctl explain`, logs, Events — prints the
// reason the decision was made for instead of working it out again.
#pragma once

#include <string>
#include <utility>

namespace ironlb {

struct Verdict {
  bool yes = false;
  std::string reason;  // why yes, or why not; for people

  static Verdict Yes(std::string reason = {}) { return {true, std::move(reason)}; }
  static Verdict No(std::string reason) { return {false, std::move(reason)}; }
  explicit operator bool() const { return yes; }
};

}  // namespace ironlb
