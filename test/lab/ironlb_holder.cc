#include "test/lab/ironlb_holder.h"

#include <signal.h>

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "speaker/layer2/membership/owner_election.h"

namespace ironlb::lab {

IronlbHolder::IronlbHolder(Lab* lab, IronlbHolderOptions options)
    : lab_(lab), options_(std::move(options)), dir_(lab->work_dir() + "/ironlb-config") {}

IronlbHolder::~IronlbHolder() { daemons_.clear(); }

absl::Status IronlbHolder::WriteConfig() {
  IRONLB_RETURN_IF_ERROR(RunChecked({"mkdir", "-p", dir_}));
  std::ofstream cfg(dir_ + "/lab.yaml");
  cfg << "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lab}\n"
      << "spec: {addresses: [\"" << options_.vip
      << (options_.vip.find(':') == std::string::npos ? "/32" : "/128") << "\"]"
      << (options_.tcp_mss.empty() ? "" : ", tcpMSS: " + options_.tcp_mss) << "}\n---\n"
      << "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\nmetadata: {name: lab}\n"
      << "spec: {ipAddressPools: [lab], interfaces: [eth0]"
      << (options_.l2_spec_extra.empty() ? "" : ", " + options_.l2_spec_extra) << "}\n---\n"
      << "apiVersion: v1\nkind: Service\nmetadata:\n  name: backend\n  namespace: lab\n"
      << "  annotations: {ironlb.io/addresses: \"" << options_.vip << "\"}\n"
      << "spec: {type: LoadBalancer, ports: [{protocol: TCP, port: " << options_.port << "}]}\n";
  std::ofstream key(dir_ + "/key");
  key << "lab-speakers-shared-key-0123456789\n";
  if (!cfg || !key) return absl::InternalError("ironlb holder: cannot write " + dir_);
  return absl::OkStatus();
}

absl::Status IronlbHolder::Start(const Host& host) {
  if (daemons_.empty()) IRONLB_RETURN_IF_ERROR(WriteConfig());
  // The VIP on loopback: the backend answers on it; the kernel does not answer ARP for it
  // (the lab sets arp_ignore), the speaker does when it owns it.
  (void)lab_->AddVip(host, options_.vip);
  std::vector<std::string> argv = lab_->SpeakerArgv(options_.speaker_binary, host, dir_);
  argv.insert(argv.end(), {"--restart-state-file", RestartStateFile(host)});
  if (options_.rebalance) argv.push_back("--layer2-rebalance");
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  IRONLB_ASSIGN_OR_RETURN(auto daemon,
                          lab_->Spawn(host, argv, absl::StrCat("ironlb-speaker-", host.name)));
  daemons_[host.name] = std::move(daemon);
  absl::SleepFor(absl::Milliseconds(50));
  if (!daemons_[host.name]->Running()) {
    daemons_.erase(host.name);
    return absl::InternalError(
        absl::StrCat("ironlb-speaker on ", host.name, " exited at start; see ", lab_->work_dir()));
  }
  return absl::OkStatus();
}

void IronlbHolder::Kill(const Host& host) {
  auto it = daemons_.find(host.name);
  if (it != daemons_.end()) it->second->Kill();
}

absl::Status IronlbHolder::Stop(const Host& host) {
  auto it = daemons_.find(host.name);
  if (it == daemons_.end()) return absl::OkStatus();
  it->second->Signal(SIGUSR2);  // leaving for good; SIGTERM means restarting (Restart())
  const bool exited = it->second->WaitExit(absl::Seconds(5));
  daemons_.erase(it);
  if (!exited) {
    return absl::DeadlineExceededError(
        absl::StrCat("ironlb-speaker on ", host.name, " ignored SIGUSR2 for 5 s"));
  }
  return absl::OkStatus();
}

absl::Status IronlbHolder::Restore(const Host& host) {
  Kill(host);
  daemons_.erase(host.name);
  IRONLB_RETURN_IF_ERROR(lab_->RestoreLink(host));
  return Start(host);
}

absl::Status IronlbHolder::Signal(const Host& host, int signal) {
  auto it = daemons_.find(host.name);
  if (it == daemons_.end()) return absl::NotFoundError("no speaker on " + host.name);
  it->second->Signal(signal);
  return absl::OkStatus();
}

absl::Status IronlbHolder::TerminateForRestart(const Host& host) {
  auto it = daemons_.find(host.name);
  if (it == daemons_.end()) return absl::NotFoundError("no speaker on " + host.name);
  it->second->Signal(SIGTERM);
  const bool exited = it->second->WaitExit(absl::Seconds(5));
  daemons_.erase(it);
  if (!exited) {
    return absl::DeadlineExceededError(
        absl::StrCat("ironlb-speaker on ", host.name, " ignored SIGTERM for 5 s"));
  }
  return absl::OkStatus();
}

absl::Status IronlbHolder::Restart(const Host& host, absl::Duration gap) {
  IRONLB_RETURN_IF_ERROR(TerminateForRestart(host));
  if (gap > absl::ZeroDuration()) absl::SleepFor(gap);
  return Start(host);
}

std::string IronlbHolder::RestartStateFile(const Host& host) const {
  return absl::StrCat(lab_->work_dir(), "/restart-", host.name, ".json");
}

std::string IronlbHolder::StatusSocket(const Host& host) const { return lab_->StatusSocket(host); }

double SpeakerMetric(const Lab& lab, const Host& host, const std::string& sample) {
  auto r = lab.Run(host, {"curl", "-s", "--max-time", "2", "http://127.0.0.1:7473/metrics"});
  if (!r.ok()) return -1;
  for (absl::string_view line : absl::StrSplit(r->output, '\n')) {
    if (absl::ConsumePrefix(&line, sample + " ")) {
      double v;
      if (absl::SimpleAtod(line, &v)) return v;
    }
  }
  return -1;
}

double WaitForSpeakerMetric(const Lab& lab, const Host& host, const std::string& sample,
                            const std::function<bool(double)>& good, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  double v = SpeakerMetric(lab, host, sample);
  while (!good(v) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    v = SpeakerMetric(lab, host, sample);
  }
  return v;
}

const Host& IronlbHolder::PreferredOwner() const {
  std::vector<std::string> names;
  for (const Host& h : lab_->speakers()) names.push_back(h.name);
  const auto owner = speaker::OwnerFor(*IpAddress::Parse(options_.vip), names);
  for (const Host& h : lab_->speakers()) {
    if (owner && h.name == *owner) return h;
  }
  return lab_->speaker(0);
}

}  // namespace ironlb::lab
