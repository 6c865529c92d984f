#include "test/lab/lab.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "test/lab/announce.h"
#include "test/lab/cleanup_registry.h"
#include "test/lab/prober.h"

#ifndef IRONLB_LAB_BACKEND
#error "IRONLB_LAB_BACKEND must name the backend program (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

bool IsIpv6(const std::string& address) { return address.find(':') != std::string::npos; }

std::string HostRoute(const std::string& vip) {
  return absl::StrCat(vip, IsIpv6(vip) ? "/128" : "/32");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Lab>> Lab::Create(const LabOptions& options) {
  if (options.speakers < 1 || options.speakers > 50) {
    return absl::InvalidArgumentError(
        absl::StrCat("lab: speakers must be 1..50, got ", options.speakers));
  }
  CleanupRegistry::InstallSignalHandlers();
  static std::atomic<int> counter{0};
  auto lab = std::unique_ptr<Lab>(new Lab());
  lab->base_ = absl::StrCat("ilb-lab-", getpid(), "-", counter++);
  lab->work_dir_ = absl::StrCat("/tmp/", lab->base_);
  std::error_code ec;
  std::filesystem::create_directories(lab->work_dir_, ec);
  if (ec)
    return absl::InternalError(absl::StrCat("lab: mkdir ", lab->work_dir_, ": ", ec.message()));
  // On failure the half-built lab is destroyed here, which removes what was created.
  IRONLB_RETURN_IF_ERROR(lab->Build(options));
  return lab;
}

absl::Status Lab::AddNetns(const std::string& name) {
  CleanupRegistry::AddNamespace(name);
  namespaces_.push_back(name);
  IRONLB_RETURN_IF_ERROR(RunChecked({"ip", "netns", "add", name}));
  IRONLB_RETURN_IF_ERROR(RunChecked({"ip", "-n", name, "link", "set", "lo", "up"}));
  // No DAD delays: addresses are usable at once, and the lab's addresses are unique anyway.
  return RunChecked(
      {"sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"},
      name);
}

absl::Status Lab::AddHost(Host& host, const std::string& bridge, const std::string& prefix4,
                          const std::string& prefix6, int octet, bool speaker) {
  host.netns = absl::StrCat(base_, "-", host.name);
  host.lan_if = "eth0";
  host.ipv4 = absl::StrCat(prefix4, octet);
  host.ipv6 = absl::StrCat(prefix6, octet);
  // Locally administered, and the last two bytes say which segment and host.
  host.mac = absl::StrFormat("02:00:00:%02x:%02x:%02x", getpid() & 0xff,
                             bridge == "br0" ? 0x90 : 0x91, octet);
  host.switch_port = absl::StrCat("p-", host.name);
  IRONLB_RETURN_IF_ERROR(AddNetns(host.netns));
  IRONLB_RETURN_IF_ERROR(
      RunChecked({"ip", "-n", switch_netns_, "link", "add", host.switch_port, "type", "veth",
                  "peer", "name", host.lan_if, "netns", host.netns}));
  IRONLB_RETURN_IF_ERROR(RunChecked(
      {"ip", "-n", switch_netns_, "link", "set", host.switch_port, "master", bridge, "up"}));
  const std::string& ns = host.netns;
  IRONLB_RETURN_IF_ERROR(
      RunChecked({"ip", "-n", ns, "link", "set", host.lan_if, "address", host.mac, "up"}));
  IRONLB_RETURN_IF_ERROR(RunChecked(
      {"ip", "-n", ns, "addr", "add", absl::StrCat(host.ipv4, "/24"), "dev", host.lan_if}));
  IRONLB_RETURN_IF_ERROR(RunChecked({"ip", "-n", ns, "addr", "add", absl::StrCat(host.ipv6, "/64"),
                                     "dev", host.lan_if, "nodad"}));
  if (speaker) {
    // Answer ARP only for addresses on the asked interface and source ARP from them: a VIP on
    // lo is served locally but only claimed on the LAN by whoever announces it.
    IRONLB_RETURN_IF_ERROR(RunChecked(
        {"sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
         absl::StrCat("net.ipv4.conf.", host.lan_if, ".arp_ignore=1"),
         absl::StrCat("net.ipv4.conf.", host.lan_if, ".arp_announce=2")},
        ns));
  } else {
    // Client-side hosts play the upstream router: they take gratuitous ARP and unsolicited NA
    // into their neighbour tables (RFC 9131), as routers facing LB VIPs do; the kernel takes
    // untracked NAs only on a forwarding interface.
    IRONLB_RETURN_IF_ERROR(
        RunChecked({"sysctl", "-qw", absl::StrCat("net.ipv4.conf.", host.lan_if, ".arp_accept=1"),
                    "net.ipv6.conf.all.forwarding=1",
                    absl::StrCat("net.ipv6.conf.", host.lan_if, ".accept_untracked_na=1")},
                   ns));
  }
  return absl::OkStatus();
}

absl::Status Lab::Build(const LabOptions& options) {
  switch_netns_ = absl::StrCat(base_, "-sw");
  IRONLB_RETURN_IF_ERROR(AddNetns(switch_netns_));
  IRONLB_ASSIGN_OR_RETURN(switch_links_, LinkSetter::Open(switch_netns_));
  for (const char* bridge : {"br0", "br1"}) {
    if (std::string(bridge) == "br1" && !options.router) break;
    // No STP and no forwarding delay: a port that comes back up forwards at once.
    IRONLB_RETURN_IF_ERROR(RunChecked({"ip", "-n", switch_netns_, "link", "add", bridge, "type",
                                       "bridge", "stp_state", "0", "forward_delay", "0"}));
    IRONLB_RETURN_IF_ERROR(RunChecked({"ip", "-n", switch_netns_, "link", "set", bridge, "up"}));
  }
  client_.name = "client";
  IRONLB_RETURN_IF_ERROR(AddHost(client_, "br0", kLanPrefix4, kLanPrefix6, 2, false));
  for (int i = 0; i < options.speakers; ++i) {
    Host h;
    h.name = absl::StrCat("s", i);
    speakers_.push_back(h);
    IRONLB_RETURN_IF_ERROR(
        AddHost(speakers_.back(), "br0", kLanPrefix4, kLanPrefix6, 11 + i, true));
  }
  if (options.router) {
    router_.name = "router";
    IRONLB_RETURN_IF_ERROR(AddRouter(router_, 1));
    if (options.second_router) {
      router2_.name = "router2";
      IRONLB_RETURN_IF_ERROR(AddRouter(router2_, 3));
    }
    outside_.name = "outside";
    IRONLB_RETURN_IF_ERROR(AddHost(outside_, "br1", "10.91.0.", "fd00:91::", 2, false));
    for (const Host* h : {&outside_}) {
      IRONLB_RETURN_IF_ERROR(
          RunChecked({"ip", "-n", h->netns, "route", "add", "default", "via", "10.91.0.1"}));
      IRONLB_RETURN_IF_ERROR(
          RunChecked({"ip", "-n", h->netns, "-6", "route", "add", "default", "via", "fd00:91::1"}));
    }
    std::vector<const Host*> lan_hosts = {&client_};
    for (const Host& s : speakers_) lan_hosts.push_back(&s);
    for (const Host* h : lan_hosts) {
      IRONLB_RETURN_IF_ERROR(
          RunChecked({"ip", "-n", h->netns, "route", "add", "default", "via", router_.ipv4}));
      IRONLB_RETURN_IF_ERROR(
          RunChecked({"ip", "-n", h->netns, "-6", "route", "add", "default", "via", router_.ipv6}));
    }
  }
  return StartBackends(options.backend_ports);
}

// A router host: eth0 on the LAN, eth1 on the outside segment (br1), forwarding on.
absl::Status Lab::AddRouter(Host& router, int octet) {
  IRONLB_RETURN_IF_ERROR(AddHost(router, "br0", kLanPrefix4, kLanPrefix6, octet, false));
  const std::string& rns = router.netns;
  const std::string out_port = absl::StrCat("p-", router.name, "-out");
  router.outside_mac = absl::StrFormat("02:00:00:%02x:91:%02x", getpid() & 0xff, octet);
  IRONLB_RETURN_IF_ERROR(RunChecked({"ip", "-n", switch_netns_, "link", "add", out_port, "type",
                                     "veth", "peer", "name", "eth1", "netns", rns}));
  IRONLB_RETURN_IF_ERROR(
      RunChecked({"ip", "-n", switch_netns_, "link", "set", out_port, "master", "br1", "up"}));
  IRONLB_RETURN_IF_ERROR(
      RunChecked({"ip", "-n", rns, "link", "set", "eth1", "address", router.outside_mac, "up"}));
  IRONLB_RETURN_IF_ERROR(RunChecked(
      {"ip", "-n", rns, "addr", "add", absl::StrCat("10.91.0.", octet, "/24"), "dev", "eth1"}));
  IRONLB_RETURN_IF_ERROR(
      RunChecked({"ip", "-n", rns, "addr", "add", absl::StrCat("fd00:91::", octet, "/64"), "dev",
                  "eth1", "nodad"}));
  return RunChecked({"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"},
                    rns);
}

absl::Status Lab::StartBackends(const std::vector<uint16_t>& ports) {
  if (ports.empty()) return absl::OkStatus();
  for (const Host& h : speakers_) {
    std::vector<std::string> argv = {IRONLB_LAB_BACKEND, "--name", h.name};
    for (uint16_t p : ports) {
      argv.push_back("--port");
      argv.push_back(absl::StrCat(p));
    }
    IRONLB_ASSIGN_OR_RETURN(auto backend, Spawn(h, argv, absl::StrCat("backend-", h.name)));
    backends_.push_back(std::move(backend));
  }
  // Ready when every backend answers on loopback in its own host, TCP and UDP (bounded).
  for (const Host& h : speakers_) {
    for (uint16_t p : ports) {
      for (Protocol proto : {Protocol::kTcp, Protocol::kUdp}) {
        absl::StatusOr<std::string> name = absl::UnavailableError("not tried");
        for (int i = 0; i < 100 && !name.ok(); ++i) {
          name = ProbeOnce(h.netns, "127.0.0.1", p, proto, absl::Milliseconds(200));
          if (!name.ok()) absl::SleepFor(absl::Milliseconds(20));
        }
        if (!name.ok() || *name != h.name) {
          return absl::InternalError(absl::StrCat("lab: backend in ", h.name, " port ", p,
                                                  " not answering: ", name.status().ToString()));
        }
      }
    }
  }
  return absl::OkStatus();
}

Lab::~Lab() {
  backends_.clear();      // kills them by PID
  switch_links_.reset();  // its socket would keep the switch namespace alive
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    (void)RunCommand({"ip", "netns", "del", *it});
    CleanupRegistry::RemoveNamespace(*it);
  }
  // IRONLB_LAB_KEEP_LOGS=1 keeps the logs and configs for a post-mortem.
  const char* keep = std::getenv("IRONLB_LAB_KEEP_LOGS");
  std::error_code ec;
  if (!work_dir_.empty() && (keep == nullptr || std::string(keep) != "1")) {
    std::filesystem::remove_all(work_dir_, ec);
  }
}

std::vector<std::string> Lab::Namespaces() const { return namespaces_; }

std::vector<pid_t> Lab::BackendPids() const {
  std::vector<pid_t> pids;
  for (const auto& b : backends_) pids.push_back(b->pid());
  return pids;
}

std::string Lab::StatusSocket(const Host& host) const {
  return absl::StrCat(work_dir_, "/status-", host.name, ".sock");
}

std::vector<std::string> Lab::SpeakerArgv(const std::string& binary, const Host& host,
                                          const std::string& config_dir) const {
  return {binary,
          "--config-dir",
          config_dir,
          "--layer2-key-file",
          config_dir + "/key",
          "--node-name",
          host.name,
          "--metrics-address",
          "127.0.0.1:7473",
          "--status-socket",
          StatusSocket(host)};
}

void Lab::PrintLogs(const std::vector<std::string>& log_names) const {
  for (const std::string& name : log_names) {
    std::cout << "---- " << name << " log\n"
              << ReadFile(absl::StrCat(work_dir_, "/", name, ".log")) << "\n";
  }
}

const Host* Lab::HostByMac(const std::string& mac) const {
  const std::string lower = absl::AsciiStrToLower(mac);
  for (const Host& h : speakers_) {
    if (h.mac == lower) return &h;
  }
  return nullptr;
}

absl::StatusOr<CommandResult> Lab::Run(const Host& host, const std::vector<std::string>& argv,
                                       absl::Duration timeout) const {
  return RunCommand(argv, host.netns, timeout);
}

absl::StatusOr<std::unique_ptr<HostProcess>> Lab::Spawn(const Host& host,
                                                        const std::vector<std::string>& argv,
                                                        const std::string& log_name) {
  const std::string log = log_name.empty() ? "" : absl::StrCat(work_dir_, "/", log_name, ".log");
  return HostProcess::Start(argv, host.netns, log);
}

absl::Status Lab::AddVip(const Host& host, const std::string& vip) {
  return RunChecked({"ip", "addr", "add", HostRoute(vip), "dev", "lo"}, host.netns);
}

absl::Status Lab::RemoveVip(const Host& host, const std::string& vip) {
  return RunChecked({"ip", "addr", "del", HostRoute(vip), "dev", "lo"}, host.netns);
}

absl::Status Lab::AnnounceVip(const Host& host, const std::string& vip) {
  if (IsIpv6(vip)) return SendUnsolicitedNa(host.netns, host.lan_if, host.mac, vip);
  return SendGratuitousArp(host.netns, host.lan_if, host.mac, vip);
}

absl::Status Lab::CutLink(const Host& host) {
  return switch_links_->SetUp(host.switch_port, false);
}

absl::Status Lab::RestoreLink(const Host& host) {
  return switch_links_->SetUp(host.switch_port, true);
}

absl::Status Lab::CutOutsideLink(const Host& router) {
  return switch_links_->SetUp(absl::StrCat("p-", router.name, "-out"), false);
}

absl::Status Lab::RestoreOutsideLink(const Host& router) {
  return switch_links_->SetUp(absl::StrCat("p-", router.name, "-out"), true);
}

}  // namespace ironlb::lab
