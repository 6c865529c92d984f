#include "test/lab/router_pair_lab.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/neighbour.h"

namespace ironlb::lab {
namespace {

constexpr char kBackend[] = "10.90.0.11";  // s0

// The forward alone (keepalived holds the addresses).
std::string ForwardConfig() {
  return absl::StrCat(
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: pair}\nspec:\n"
      "  addresses: [",
      RouterPairLab::kOutsideAddress, "]\n  sourceNAT: Always\n  sourceNATAddresses: [",
      RouterPairLab::kSourceNatAddress,
      "]\n  targets:\n  - {protocol: TCP, port: 9000, address: ", kBackend,
      ", targetPort: 9000}\n");
}

// conntrack-tools' primary-backup.sh (its examples/sync), the commands keepalived's notify
// runs; conntrackd is already running here, so its start-up branch is left out.
std::string PrimaryBackupScript(const std::string& conf) {
  return absl::StrCat("#!/bin/sh\nC=\"conntrackd -C ", conf,
                      "\"\ncase \"$1\" in\n"
                      "  primary) $C -c; $C -f; $C -R; $C -B ;;\n"
                      "  backup) $C -t; $C -n ;;\n"
                      "  fault) $C -t ;;\n"
                      "esac\nexit 0\n");
}

std::string RouterConfig() {
  return absl::StrCat(
      "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: outside}\n"
      "spec: {addresses: [",
      RouterPairLab::kOutsideAddress,
      "/32], autoAssign: false}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\nmetadata: {name: outside}\n"
      "spec: {ipAddressPools: [outside], interfaces: [eth1]}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: outside-address\n  namespace: edge\n"
      "  annotations: {ironlb.io/addresses: ",
      RouterPairLab::kOutsideAddress,
      "}\nspec:\n  type: LoadBalancer\n  ports: [{protocol: TCP, port: 9000}]\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: pair}\nspec:\n"
      "  addresses: [",
      RouterPairLab::kOutsideAddress, "]\n  sourceNAT: Always\n  sourceNATAddresses: [",
      RouterPairLab::kSourceNatAddress,
      "]\n  targets:\n  - {protocol: TCP, port: 9000, address: ", kBackend,
      ", targetPort: 9000}\n");
}

}  // namespace

absl::StatusOr<std::unique_ptr<RouterPairLab>> RouterPairLab::Create(RouterPairOptions options) {
  auto pair = std::unique_ptr<RouterPairLab>(new RouterPairLab(std::move(options)));
  IRONLB_RETURN_IF_ERROR(pair->Build());
  return pair;
}

absl::Status RouterPairLab::Build() {
  IRONLB_ASSIGN_OR_RETURN(
      lab_,
      Lab::Create({.speakers = 1, .router = true, .second_router = true, .backend_ports = {}}));
  dir_ = lab_->work_dir() + "/pair";
  std::filesystem::create_directories(dir_);
  WriteFile(dir_ + "/key", "router-pair-conntrack-lab-key-0123456789\n");
  WriteFile(dir_ + "/config.yaml",
            options_.holder == RouterPairHolder::kIronlb ? RouterConfig() : ForwardConfig());
  const Host& r1 = *lab_->router();
  const Host& r2 = *lab_->second_router();
  for (const Host* r : {&r1, &r2}) {
    IRONLB_RETURN_IF_ERROR(RunChecked(
        {"sysctl", "-qw",
         absl::StrCat("net.netfilter.nf_conntrack_tcp_loose=", options_.tcp_loose ? 1 : 0)},
        r->netns));
  }
  WriteFile(Conf("router"), ConntrackdConfig(r1, r2));
  WriteFile(Conf("router2"), ConntrackdConfig(r2, r1));
  IRONLB_ASSIGN_OR_RETURN(
      server_, StreamServer::Start(lab_->speaker(0).netns, kPort, absl::Milliseconds(50)));
  for (const char* name : {"router", "router2"}) IRONLB_RETURN_IF_ERROR(StartRouter(name));
  return absl::OkStatus();
}

RouterPairLab::~RouterPairLab() {
  keepaliveds_.clear();
  speakers_.clear();
  conntrackds_.clear();
  if (server_) server_->Stop();
  lab_.reset();
}

std::string RouterPairLab::Conf(const std::string& name) const {
  return absl::StrCat(dir_, "/conntrackd-", name, ".conf");
}

// conntrack-tools' FTFW example, over the LAN by unicast UDP; the routers' own connections (the
// speakers' liveness links, conntrackd itself) are not replicated.
std::string RouterPairLab::ConntrackdConfig(const Host& router, const Host& peer) const {
  const std::string d = absl::StrCat(dir_, "/", router.name);
  std::filesystem::create_directories(d);
  return absl::StrCat(
      "Sync {\n  Mode FTFW {\n    DisableExternalCache Off\n  }\n  UDP {\n    IPv4_address ",
      router.ipv4, "\n    IPv4_Destination_Address ", peer.ipv4,
      "\n    Port 3780\n    Interface eth0\n    Checksum on\n  }\n}\n"
      "General {\n  HashSize 8192\n  HashLimit 65536\n  LogFile ",
      d, "/conntrackd-file.log\n  Syslog off\n  LockFile ", d, "/lock\n  UNIX {\n    Path ", d,
      "/ctl\n  }\n  NetlinkBufferSize 2097152\n  NetlinkBufferSizeMaxGrowth 8388608\n"
      "  Filter From Userspace {\n    Protocol Accept {\n      TCP\n      UDP\n    }\n"
      "    Address Ignore {\n      IPv4_address 127.0.0.1\n      IPv4_address 10.90.0.1\n"
      "      IPv4_address 10.90.0.3\n      IPv4_address 10.91.0.1\n      IPv4_address 10.91.0.3\n"
      "    }\n  }\n}\n");
}

const Host& RouterPairLab::Router(const std::string& name) const {
  return name == "router" ? *lab_->router() : *lab_->second_router();
}

const std::string& RouterPairLab::Other(const std::string& name) const {
  static const std::string kR1 = "router", kR2 = "router2";
  return name == "router" ? kR2 : kR1;
}

absl::Status RouterPairLab::StartRouter(const std::string& name) {
  const Host& r = Router(name);
  const int n = ++starts_[name];
  if (options_.conntrackd) {
    const std::string ctl = absl::StrCat(dir_, "/", name, "/ctl");
    std::filesystem::remove(ctl);
    std::filesystem::remove(absl::StrCat(dir_, "/", name, "/lock"));
    IRONLB_ASSIGN_OR_RETURN(conntrackds_[name],
                            lab_->Spawn(r, {"conntrackd", "-C", Conf(name)},
                                        absl::StrCat("conntrackd-", name, "-", n)));
    absl::Status ready = absl::DeadlineExceededError(
        absl::StrCat("conntrackd on ", name, " did not answer in 20 s"));
    for (int i = 0; i < 400 && !ready.ok(); ++i) {
      auto st = lab_->Run(r, {"conntrackd", "-C", Conf(name), "-s"}, absl::Seconds(5));
      if (st.ok() && st->exit_code == 0)
        ready = absl::OkStatus();
      else
        absl::SleepFor(absl::Milliseconds(50));
    }
    IRONLB_RETURN_IF_ERROR(ready);
  }
  std::vector<std::string> argv = lab_->SpeakerArgv(options_.speaker_binary, r, dir_);
  argv.insert(argv.end(), {"--restart-state-file", absl::StrCat(dir_, "/", name, "/restart.json")});
  if (options_.conntrackd && options_.holder == RouterPairHolder::kIronlb) {
    argv.push_back("--conntrackd-config");
    argv.push_back(Conf(name));
  }
  if (!speakers_[name] || !speakers_[name]->Running()) {  // keepalived: it stays up
    IRONLB_ASSIGN_OR_RETURN(speakers_[name],
                            lab_->Spawn(r, argv, absl::StrCat("speaker-", name, "-", n)));
  }
  joined_[name] = absl::Now();
  if (options_.holder == RouterPairHolder::kKeepalived) return StartKeepalived(name);
  return absl::OkStatus();
}

std::string RouterPairLab::KeepalivedConfig(const std::string& name) const {
  const std::string d = absl::StrCat(dir_, "/", name);
  const std::string script = absl::StrCat(d, "/primary-backup.sh");
  const int priority = name == "router" ? 150 : 100;
  std::string c =
      absl::StrCat("global_defs {\n  router_id ", name,
                   "\n  vrrp_version 3\n  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 3\n"
                   "  vrrp_garp_interval 0.001\n  max_auto_priority -1\n  script_user root\n}\n");
  absl::StrAppend(&c, "vrrp_sync_group PAIR {\n  group {\n    OUT\n    LAN\n  }\n");
  if (options_.conntrackd) {
    absl::StrAppend(&c, "  notify_master \"", script, " primary\"\n  notify_backup \"", script,
                    " backup\"\n  notify_fault \"", script, " fault\"\n");
  }
  absl::StrAppend(&c, "}\n");
  for (const auto& [instance, iface, vrid, address] :
       {std::tuple<const char*, const char*, int, const char*>{"OUT", "eth1", 61, kOutsideAddress},
        {"LAN", "eth0", 62, kSourceNatAddress}}) {
    absl::StrAppend(&c, "vrrp_instance ", instance, " {\n  state BACKUP\n  nopreempt\n  interface ",
                    iface, "\n  virtual_router_id ", vrid, "\n  priority ", priority,
                    "\n  advert_int 0.1\n  virtual_ipaddress {\n    ", address, "/24 dev ", iface,
                    "\n  }\n}\n");
  }
  return c;
}

absl::Status RouterPairLab::StartKeepalived(const std::string& name) {
  const std::string d = absl::StrCat(dir_, "/", name);
  for (const char* f : {"/keepalived.pid", "/vrrp.pid", "/checkers.pid"}) {
    std::filesystem::remove(d + f);
  }
  WriteFile(d + "/primary-backup.sh", PrimaryBackupScript(Conf(name)));
  std::filesystem::permissions(d + "/primary-backup.sh", std::filesystem::perms::owner_all);
  WriteFile(d + "/keepalived.conf", KeepalivedConfig(name));
  IRONLB_ASSIGN_OR_RETURN(
      keepaliveds_[name],
      lab_->Spawn(Router(name),
                  {"keepalived", "--dont-fork", "--log-console", "--vrrp", "--use-file",
                   d + "/keepalived.conf", "--pid", d + "/keepalived.pid", "--vrrp_pid",
                   d + "/vrrp.pid", "--checkers_pid", d + "/checkers.pid"},
                  absl::StrCat("keepalived-", name, "-", starts_.at(name))));
  return absl::OkStatus();
}

bool RouterPairLab::HoldsAddress(const std::string& name) const {
  if (options_.holder == RouterPairHolder::kIronlb) {
    return SpeakerMetric(*lab_, Router(name), "ironlb_l2_vips_owned{interface=\"eth1\"}") == 1;
  }
  auto r = lab_->Run(Router(name), {"ip", "-o", "addr", "show", "dev", "eth1"}, absl::Seconds(5));
  return r.ok() && absl::StrContains(r->output, absl::StrCat(" ", kOutsideAddress, "/"));
}

absl::Status RouterPairLab::KillRouter(const std::string& name) {
  if (options_.holder == RouterPairHolder::kKeepalived) {
    if (auto it = keepaliveds_.find(name); it != keepaliveds_.end() && it->second) {
      it->second->Kill();
    }
    for (const auto& [address, iface] :
         {std::pair<const char*, const char*>{kOutsideAddress, "eth1"},
          {kSourceNatAddress, "eth0"}}) {
      (void)RunCommand({"ip", "addr", "del", absl::StrCat(address, "/24"), "dev", iface},
                       Router(name).netns);
    }
  } else if (auto it = speakers_.find(name); it != speakers_.end() && it->second) {
    it->second->Kill();
  }
  if (auto it = conntrackds_.find(name); it != conntrackds_.end() && it->second) {
    it->second->Kill();
  }
  return RunChecked({"sysctl", "-qw", "net.ipv4.ip_forward=0"}, Router(name).netns);
}

absl::Status RouterPairLab::ReviveRouter(const std::string& name) {
  IRONLB_RETURN_IF_ERROR(
      RunChecked({"sysctl", "-qw", "net.ipv4.ip_forward=1"}, Router(name).netns));
  return StartRouter(name);
}

absl::Status RouterPairLab::CutOutsideCable(const std::string& name) {
  return lab_->CutOutsideLink(Router(name));
}

absl::Status RouterPairLab::RestoreOutsideCable(const std::string& name) {
  joined_[name] = absl::Now();
  return lab_->RestoreOutsideLink(Router(name));
}

std::string RouterPairLab::OwnerSeenOutside() const {
  auto n = NeighbourFor(*lab_, *lab_->outside_client(), kOutsideAddress);
  if (!n.ok()) return "";
  for (const char* name : {"router", "router2"}) {
    if (Router(name).outside_mac == n->mac) return name;
  }
  return "";
}

absl::StatusOr<std::string> RouterPairLab::WaitForOwner(absl::Duration limit) const {
  const absl::Time end = absl::Now() + limit;
  std::string seen;
  while (absl::Now() < end) {
    for (const char* name : {"router", "router2"}) {
      // keepalived can end up with both routers master (split brain): not settled.
      if (HoldsAddress(name) &&
          !(options_.holder == RouterPairHolder::kKeepalived && HoldsAddress(Other(name)))) {
        seen = OwnerSeenOutside();
        if (seen.empty()) {  // no entry yet: make the outside client ask
          (void)lab_->Run(*lab_->outside_client(), {"ping", "-c1", "-W1", kOutsideAddress},
                          absl::Seconds(3));
          seen = OwnerSeenOutside();
        }
        if (seen == name) return seen;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "no router owns ", kOutsideAddress, " as seen from outside (entry names \"", seen, "\")"));
}

absl::Status RouterPairLab::WaitForPeers(const std::string& name, absl::Duration limit) const {
  if (options_.holder == RouterPairHolder::kKeepalived) {
    // keepalived says nothing of its peers; it is up when its process is.
    auto it = keepaliveds_.find(name);
    return it != keepaliveds_.end() && it->second && it->second->Running()
               ? absl::OkStatus()
               : absl::UnavailableError(absl::StrCat("keepalived on ", name, " is not running"));
  }
  const double n = WaitForSpeakerMetric(
      *lab_, Router(name), "ironlb_l2_members_alive{interface=\"eth1\"}",
      [](double v) { return v == 2; }, limit);
  if (n == 2) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat(name, "'s speaker sees ", n, " members on eth1, not 2"));
}

int RouterPairLab::ExternalCacheEntries(const std::string& name) const {
  auto r = lab_->Run(Router(name), {"conntrackd", "-C", Conf(name), "-e"}, absl::Seconds(5));
  if (!r.ok() || r->exit_code != 0) return -1;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(r->output, '\n')) {
    n += absl::StrContains(line, absl::StrCat("dport=", kPort, " ")) &&
         absl::StrContains(line, "ESTABLISHED");
  }
  return n;
}

absl::Status RouterPairLab::WaitForExternalCache(const std::string& name, int entries,
                                                 absl::Duration limit) const {
  const absl::Time end = absl::Now() + limit;
  int n = -1;
  while (absl::Now() < end) {
    n = ExternalCacheEntries(name);
    if (n >= entries) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      name, "'s conntrackd holds ", n, " of the other router's connections, not ", entries));
}

absl::StatusOr<std::string> RouterPairLab::WaitForSettledOwner(int entries,
                                                               absl::Duration limit) const {
  const absl::Time end = absl::Now() + limit;
  for (const char* r : {"router", "router2"}) {
    IRONLB_RETURN_IF_ERROR(WaitForPeers(r, end - absl::Now()));
  }
  if (options_.holder == RouterPairHolder::kIronlb && joined_.size() == 2) {
    // speaker/layer2/layer2_plan.h: SegmentView::settle_ns, 10 s.
    const absl::Duration window = absl::Seconds(10) + absl::Milliseconds(500);
    const absl::Time a = joined_.at("router"), b = joined_.at("router2");
    if (absl::AbsDuration(a - b) < window) {
      const absl::Time settled = std::max(a, b) + window;
      if (settled > end) return absl::DeadlineExceededError("no time to settle");
      absl::SleepFor(settled - absl::Now());
    }
  }
  std::string owner;
  while (absl::Now() < end) {
    IRONLB_ASSIGN_OR_RETURN(std::string now, WaitForOwner(end - absl::Now()));
    if (options_.conntrackd) {
      IRONLB_RETURN_IF_ERROR(WaitForExternalCache(Other(now), entries, end - absl::Now()));
    }
    if (now == owner) return owner;
    owner = now;
  }
  return absl::DeadlineExceededError("ownership of the outside address did not settle");
}

int RouterPairLab::KernelEntries(const std::string& name) const {
  auto r = lab_->Run(Router(name),
                     {"conntrack", "-L", "-p", "tcp", "--orig-port-dst", absl::StrCat(kPort)},
                     absl::Seconds(5));
  if (!r.ok()) return -1;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(r->output, '\n')) {
    n += absl::StrContains(line, "ESTABLISHED");
  }
  return n;
}

std::string RouterPairLab::Logs(const std::string& name) const {
  std::string out;
  for (int i = 1; i <= (starts_.count(name) ? starts_.at(name) : 0); ++i) {
    for (const char* what : {"speaker-", "conntrackd-", "keepalived-"}) {
      const std::string f = absl::StrCat(lab_->work_dir(), "/", what, name, "-", i, ".log");
      out += absl::StrCat("---- ", f, "\n", ReadFile(f), "\n");
    }
  }
  return out;
}

}  // namespace ironlb::lab
