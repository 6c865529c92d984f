#include "test/lab/local_check_holder.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "test/lab/prober.h"

#ifndef IRONLB_LAB_BACKEND
#error "IRONLB_LAB_BACKEND must name the backend program (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

IronlbHolderOptions WithLocalCheck(IronlbHolderOptions options) {
  options.l2_spec_extra = absl::StrCat("localCheck: {port: ", kApiServerPort, "}");
  return options;
}

}  // namespace

LocalCheckHolder::LocalCheckHolder(Lab* lab, IronlbHolderOptions options)
    : lab_(lab), speakers_(lab, WithLocalCheck(std::move(options))) {}

absl::Status LocalCheckHolder::StartStandIn(const Host& host) {
  if (stand_ins_.count(host.name) > 0) return absl::OkStatus();
  IRONLB_ASSIGN_OR_RETURN(auto p, lab_->Spawn(host,
                                              {IRONLB_LAB_BACKEND, "--name", host.name, "--port",
                                               std::to_string(kApiServerPort)},
                                              absl::StrCat("apiserver-", host.name)));
  stand_ins_[host.name] = std::move(p);
  for (int i = 0; i < 250; ++i) {  // bounded: 5 s
    auto name =
        ProbeOnce(host.netns, "127.0.0.1", kApiServerPort, Protocol::kTcp, absl::Milliseconds(200));
    if (name.ok()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the kube-apiserver stand-in on ", host.name, " never listened"));
}

absl::Status LocalCheckHolder::Start(const Host& host) {
  IRONLB_RETURN_IF_ERROR(StartStandIn(host));
  return speakers_.Start(host);
}

absl::Status LocalCheckHolder::Stop(const Host& host) {
  StopStandIn(host);
  return absl::OkStatus();
}

absl::Status LocalCheckHolder::Restore(const Host& host) {
  IRONLB_RETURN_IF_ERROR(lab_->RestoreLink(host));
  return StartStandIn(host);
}

}  // namespace ironlb::lab
