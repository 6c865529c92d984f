#include "test/lab/keepalived_holder.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace ironlb::lab {

KeepalivedHolder::KeepalivedHolder(Lab* lab, KeepalivedOptions options)
    : lab_(lab), options_(std::move(options)) {}

KeepalivedHolder::~KeepalivedHolder() {
  daemons_.clear();
  // Killed keepalived daemons leave the VIP behind; the lab outlives this holder.
  const char* prefix = absl::StrContains(options_.vip, ":") ? "/128" : "/32";
  for (const Host& h : lab_->speakers()) {
    (void)RunCommand({"ip", "addr", "del", absl::StrCat(options_.vip, prefix), "dev", h.lan_if},
                     h.netns);
  }
}

std::string KeepalivedHolder::name() const {
  const int64_t ms = absl::ToInt64Milliseconds(options_.advert_interval);
  return ms % 1000 == 0 ? absl::StrCat("keepalived_", ms / 1000, "s")
                        : absl::StrCat("keepalived_", ms, "ms");
}

int KeepalivedHolder::Priority(const Host& host) const {
  // s0 254 (the owner), s1 250, s2 200, s3 150, ...: a backup's master-down timer is three
  // adverts plus a skew of (256 - priority)/256 of one, so the next in line (s1) gets the
  // shortest skew keepalived allows short of 255 (reserved for the address owner), the best
  // case for the baseline. The others are 50 apart: with near-equal priorities two backups
  // time out within a millisecond, both become master and both send gratuitous ARP, and the
  // client can be left pointing at the one that then backs down.
  for (int i = 0; i < lab_->speaker_count(); ++i) {
    if (lab_->speaker(i).name != host.name) continue;
    return i == 0 ? 254 : std::max(1, 250 - 50 * (i - 1));
  }
  return 1;
}

std::string KeepalivedHolder::ConfigFor(const Host& host) const {
  const double advert_s = absl::ToDoubleSeconds(options_.advert_interval);
  const char* prefix = absl::StrContains(options_.vip, ":") ? "/128" : "/32";
  // VRRPv3 (sub-second adverts need it), multicast on the LAN, no scripts, no delays before
  // gratuitous ARP; keepalived's own defaults for everything that decides failover time.
  return absl::StrFormat(
      "global_defs {\n"
      "  router_id %s\n"
      "  vrrp_version 3\n"
      "  vrrp_garp_master_delay 0\n"
      "  vrrp_garp_master_repeat 3\n"
      "  vrrp_garp_interval 0.001\n"
      "  max_auto_priority -1\n"
      "}\n"
      "vrrp_instance VI_LAB {\n"
      "  state BACKUP\n"
      "  interface %s\n"
      "  virtual_router_id %d\n"
      "  priority %d\n"
      "  advert_int %g\n"
      "  virtual_ipaddress {\n"
      "    %s%s dev %s\n"
      "  }\n"
      "}\n",
      host.name, host.lan_if, options_.virtual_router_id, Priority(host), advert_s, options_.vip,
      prefix, host.lan_if);
}

absl::Status KeepalivedHolder::Start(const Host& host) {
  const std::string dir = absl::StrCat(lab_->work_dir(), "/keepalived-", host.name);
  IRONLB_RETURN_IF_ERROR(RunChecked({"mkdir", "-p", dir}));
  // A killed keepalived leaves pid files naming processes that may linger as zombies for a
  // moment; keepalived would take them for a running instance and refuse to start.
  for (const char* f : {"/keepalived.pid", "/vrrp.pid", "/checkers.pid"}) {
    std::remove((dir + f).c_str());
  }
  const std::string conf = dir + "/keepalived.conf";
  {
    std::ofstream f(conf);
    f << ConfigFor(host);
    if (!f) return absl::InternalError(absl::StrCat("keepalived: cannot write ", conf));
  }
  // Foreground, VRRP only, logs to the console (our log file); pid files of its own so
  // instances in the lab's namespaces do not see each other as "already running".
  IRONLB_ASSIGN_OR_RETURN(
      auto daemon, lab_->Spawn(host,
                               {"keepalived", "--dont-fork", "--log-console", "--vrrp",
                                "--use-file", conf, "--pid", dir + "/keepalived.pid", "--vrrp_pid",
                                dir + "/vrrp.pid", "--checkers_pid", dir + "/checkers.pid"},
                               absl::StrCat("keepalived-", host.name, "-", name())));
  daemons_[host.name] = std::move(daemon);
  absl::SleepFor(absl::Milliseconds(50));
  if (!daemons_[host.name]->Running()) {
    daemons_.erase(host.name);
    return absl::InternalError(
        absl::StrCat("keepalived on ", host.name, " exited at start; see ", lab_->work_dir()));
  }
  return absl::OkStatus();
}

void KeepalivedHolder::Kill(const Host& host) {
  auto it = daemons_.find(host.name);
  if (it != daemons_.end()) it->second->Kill();  // the parent and its VRRP child at once
}

absl::Status KeepalivedHolder::Stop(const Host& host) {
  auto it = daemons_.find(host.name);
  if (it == daemons_.end()) return absl::OkStatus();
  it->second->Signal(SIGTERM);
  const bool exited = it->second->WaitExit(absl::Seconds(5));
  daemons_.erase(it);
  if (!exited)
    return absl::DeadlineExceededError(
        absl::StrCat("keepalived on ", host.name, " ignored SIGTERM for 5 s"));
  return absl::OkStatus();
}

std::vector<pid_t> KeepalivedHolder::Pids() const {
  std::vector<pid_t> pids;
  for (const auto& [host, daemon] : daemons_) {
    pids.push_back(daemon->pid());
    for (pid_t child : daemon->Descendants()) pids.push_back(child);
  }
  return pids;
}

bool KeepalivedHolder::HasVip(const Host& host) const {
  auto r = lab_->Run(host, {"ip", "-o", "addr", "show", "dev", host.lan_if});
  return r.ok() && absl::StrContains(r->output, absl::StrCat(" ", options_.vip, "/"));
}

absl::Status KeepalivedHolder::Restore(const Host& host) {
  Kill(host);
  daemons_.erase(host.name);
  // A killed keepalived leaves its VIP on the interface; a restarted one would not know.
  if (HasVip(host)) {
    const char* prefix = absl::StrContains(options_.vip, ":") ? "/128" : "/32";
    IRONLB_RETURN_IF_ERROR(RunChecked(
        {"ip", "addr", "del", absl::StrCat(options_.vip, prefix), "dev", host.lan_if}, host.netns));
  }
  IRONLB_RETURN_IF_ERROR(lab_->RestoreLink(host));
  return Start(host);
}

}  // namespace ironlb::lab
