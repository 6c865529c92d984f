// The README's demo: three hosts on a LAN (network namespaces on a bridge), each running
// ironlb-speaker in standalone layer-2 mode with the same configuration; a client asks each
// VIP who serves it; then the owner of one VIP is killed, and another host takes over.
// Everything it creates is removed when it ends, however it ends.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "controller/plan.h"
#include "ctl/status_command.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"

namespace {

using ironlb::lab::Lab;

struct DemoVip {
  std::string service;
  std::string vip;
};

const char kConfig[] = R"(# The demo's whole configuration, the same file on every host.
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.90.0.100-10.90.0.110, "fd00:90::100-fd00:90::110"]}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: lan}
spec: {ipAddressPools: [lan], interfaces: [eth0]}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
  annotations: {ironlb.io/addresses: 10.90.0.100, ironlb.io/tcp-mss: "1300"}
spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: demo}
spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: grafana, namespace: demo}
spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web6, namespace: demo, annotations: {ironlb.io/addresses: "fd00:90::100"}}
spec: {type: LoadBalancer, ipFamilies: [IPv6], ports: [{protocol: TCP, port: 8080}]}
)";

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "demo failed: %s\n", std::string(st.message()).c_str());
  return 1;
}

std::string WhoServes(const Lab& lab, const std::string& vip) {
  auto who = ironlb::lab::ProbeOnce(lab.client().netns, vip, 8080, ironlb::lab::Protocol::kTcp,
                                    absl::Milliseconds(500));
  return who.ok() ? *who : absl::StrCat("nobody (", who.status().message(), ")");
}

// The demo's Services and addresses, planned as the standalone speakers plan them.
std::vector<DemoVip> PlannedVips() {
  ironlb::config::ConfigReader reader;
  reader.AddYaml(kConfig, "demo.yaml");
  const ironlb::config::LoadResult cfg = std::move(reader).Finish();
  ironlb::controller::ManifestReader services;
  services.AddText(kConfig, "demo.yaml");
  const auto manifests = std::move(services).Finish();
  const auto plan =
      ironlb::controller::Plan(cfg.config, manifests.namespaces, manifests.services, std::nullopt,
                               ironlb::controller::AddressChoice::kStableHash);
  std::vector<DemoVip> out;
  for (const auto& s : plan.services) {
    if (!s.allocation.addresses.empty()) {
      out.push_back({s.service, s.allocation.addresses[0].ToString()});
    }
  }
  return out;
}

}  // namespace

int main() {
  std::printf("== building the lab: 3 hosts (s0, s1, s2) and a client on one bridge\n");
  auto lab = Lab::Create({.speakers = 3, .router = false, .backend_ports = {8080}});
  if (!lab.ok()) return Fail(lab.status());
  Lab& l = **lab;
  const std::string dir = l.work_dir() + "/ironlb";
  std::system(("mkdir -p " + dir).c_str());
  std::ofstream(dir + "/demo.yaml") << kConfig;
  std::ofstream(dir + "/key") << "demo-key-shared-by-every-speaker\n";

  // api and grafana get theirs from the allocation engine, as every speaker computes it: from
  // a hash of each Service's name (so adding or removing a Service never moves another).
  const std::vector<DemoVip> vips = PlannedVips();
  if (vips.size() != 4)
    return Fail(absl::InternalError("the demo's Services were not all planned"));
  auto status_socket = [&](const ironlb::lab::Host& h) {
    return absl::StrCat(l.work_dir(), "/status-", h.name, ".sock");
  };
  std::vector<std::unique_ptr<ironlb::lab::HostProcess>> speakers;
  for (const auto& host : l.speakers()) {
    for (const auto& v : vips) (void)l.AddVip(host, v.vip);  // served by the backend there
    auto p = l.Spawn(host,
                     {IRONLB_SPEAKER_BINARY, "--config-dir", dir, "--layer2-key-file", dir + "/key",
                      "--node-name", host.name, "--metrics-address", "127.0.0.1:0",
                      "--status-socket", status_socket(host)},
                     "ironlb-speaker-" + host.name);
    if (!p.ok()) return Fail(p.status());
    speakers.push_back(std::move(*p));
  }
  std::printf("== started ironlb-speaker on s0, s1, s2 (same config, same key)\n");
  absl::SleepFor(absl::Milliseconds(500));

  std::printf("\n%-14s %-14s %s\n", "SERVICE", "VIP", "ANSWERED BY");
  for (const auto& v : vips) {
    std::printf("%-14s %-14s %s\n", v.service.c_str(), v.vip.c_str(), WhoServes(l, v.vip).c_str());
  }

  const std::string vip = vips[0].vip;
  const std::string owner = WhoServes(l, vip);
  int victim = -1;
  for (int i = 0; i < l.speaker_count(); ++i) {
    if (l.speaker(i).name == owner) victim = i;
  }
  if (victim < 0) return Fail(absl::InternalError("nobody answers " + vip));

  auto prober = ironlb::lab::Prober::Start(l.client().netns, {.vip = vip, .port = 8080});
  if (!prober.ok()) return Fail(prober.status());
  absl::SleepFor(absl::Milliseconds(200));
  std::printf("\n== the client requests %s every 10 ms; killing ironlb-speaker on %s (SIGKILL)\n",
              vip.c_str(), owner.c_str());
  const absl::Time killed = absl::Now();
  speakers[static_cast<size_t>(victim)]->Kill();
  auto heir = (*prober)->WaitForAnswerFrom(killed, owner, absl::Seconds(5));
  if (!heir.ok()) return Fail(heir.status());
  std::printf("   %s took over: first answer %.1f ms after the kill\n", heir->host.c_str(),
              absl::ToDoubleMilliseconds(heir->done - killed));
  for (const auto& h : l.speakers()) {
    if (h.name != heir->host) continue;
    std::printf("\n== ironlbctl status on %s (its own account of the takeover)\n", h.name.c_str());
    std::fflush(stdout);
    ironlb::ctl::RunStatus({.socket = status_socket(h), .output = "table"}, std::cout, std::cerr);
    std::cout.flush();
    // web asks for TCP MSS 1300 (ironlb.io/tcp-mss): every speaker programs the clamp.
    auto nft = l.Run(h, {"nft", "list", "map", "inet", "ironlb", "mss4"});
    if (nft.ok())
      std::printf("\n== nft list map inet ironlb mss4 on %s\n%s", h.name.c_str(),
                  nft->output.c_str());
  }

  std::printf("== cutting %s's cable (its switch port goes down)\n", heir->host.c_str());
  const ironlb::lab::Host* cut = nullptr;
  for (const auto& h : l.speakers()) {
    if (h.name == heir->host) cut = &h;
  }
  const absl::Time cut_at = absl::Now();
  if (absl::Status st = l.CutLink(*cut); !st.ok()) return Fail(st);
  auto last = (*prober)->WaitForAnswerFrom(cut_at, heir->host, absl::Seconds(5));
  if (!last.ok()) return Fail(last.status());
  std::printf("   %s took over: first answer %.1f ms after the cut\n", last->host.c_str(),
              absl::ToDoubleMilliseconds(last->done - cut_at));
  (*prober)->Stop();

  std::printf("\n%-14s %-14s %s\n", "SERVICE", "VIP", "ANSWERED BY (now)");
  for (const auto& v : vips) {
    std::printf("%-14s %-14s %s\n", v.service.c_str(), v.vip.c_str(), WhoServes(l, v.vip).c_str());
  }
  std::printf("\n== done; removing the lab\n");
  return 0;
}
