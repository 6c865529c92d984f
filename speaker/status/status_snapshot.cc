#include "speaker/status/status_snapshot.h"

#include "absl/strings/str_cat.h"
#include "common/daemon.h"

namespace ironlb::speaker {

namespace {

int64_t UnixMs(absl::Time t) { return absl::ToUnixMillis(t); }

void FillTakeover(const Takeover& t, status::v1::Takeover* out) {
  out->set_address(t.vip.ToString());
  out->set_interface(t.interface);
  out->set_previous_owner(t.previous_owner);
  out->set_cause(t.cause);
  out->set_reason(t.reason);
  out->set_at_unix_ms(UnixMs(t.at));
  if (t.failover) out->set_failover_seconds(absl::ToDoubleSeconds(*t.failover));
}

void FillLayer2(const Layer2Speaker& l2, status::v1::SpeakerState& s) {
  std::map<IpAddress, const Layer2Vip*> vips;
  for (const Layer2Vip& v : l2.vips()) vips[v.vip] = &v;
  for (const auto& [ifname, owned] : l2.Owned()) {
    for (const IpAddress& vip : owned) {
      auto* o = s.add_owned();
      o->set_address(vip.ToString());
      o->set_interface(ifname);
      if (auto v = vips.find(vip); v != vips.end()) {
        for (const std::string& svc : v->second->services) o->add_services(svc);
      }
      auto since = l2.owned_since().find({ifname, vip});
      if (since != l2.owned_since().end()) {
        o->set_since_unix_ms(UnixMs(since->second.at));
        o->set_cause(since->second.cause);
        o->set_reason(since->second.reason);
      }
    }
  }
  for (const SegmentStatus& seg : l2.Segments()) {
    auto* out = s.add_segments();
    out->set_interface(seg.interface);
    out->set_ready(seg.ready);
    for (const SegmentStatus::Peer& p : seg.peers) {
      auto* peer = out->add_peers();
      peer->set_node(p.node);
      peer->set_interface(p.interface);
      peer->set_ready(p.ready);
      peer->set_last_heard_unix_ms(UnixMs(p.last_heard));
      for (const auto& [k, v] : p.labels) (*peer->mutable_labels())[k] = v;
      for (const std::string& c : p.passing_checks) peer->add_passing_checks(c);
    }
  }
  for (const LocalCheckResult& r : l2.LocalCheckResults()) {
    auto* c = s.add_local_checks();
    c->set_advertisement(r.advertisement);
    c->set_check(r.check);
    c->set_passing(r.passing);
    c->set_known(r.known);
    c->set_detail(r.detail);
    if (!r.passing) {
      s.add_problems(absl::StrCat("layer 2: localCheck of L2Advertisement ", r.advertisement, " (",
                                  r.check, ") is not passing",
                                  r.detail.empty() ? "" : absl::StrCat(": ", r.detail),
                                  "; this node may not own its VIPs"));
    }
  }
  for (const Takeover& t : l2.takeovers()) FillTakeover(t, s.add_takeovers());
}

void FillBgp(const BgpSpeaker& bgp, status::v1::SpeakerState& s) {
  auto* out = s.mutable_bgp();
  out->set_enabled(true);
  const absl::Status err = bgp.LastError();
  out->set_in_sync(err.ok());
  if (!err.ok()) {
    out->set_last_error(std::string(err.message()));
    s.add_problems(absl::StrCat("BGP: FRR is not in sync: ", err.message()));
  }
  if (auto st = bgp.LastStatus()) {
    out->set_static_routes(static_cast<uint32_t>(st->originated_prefixes));
    out->set_bfd_sessions_up(static_cast<uint32_t>(st->bfd_sessions_up));
    out->set_bfd_sessions(static_cast<uint32_t>(st->bfd_sessions));
    for (const bgp::PeerStatus& p : st->peers) {
      auto* peer = out->add_peers();
      peer->set_name(p.name);
      peer->set_address(p.address);
      peer->set_family(p.family);
      peer->set_state(p.state);
      peer->set_prefixes_sent(p.prefixes_sent);
    }
  }
}

void FillRouter(const RouterRole& router, status::v1::SpeakerState& s) {
  auto* out = s.mutable_router();
  out->set_enabled(true);
  const PortForwardPlan& plan = router.plan();
  const std::map<std::string, health::BackendHealth> health = router.BackendHealth();
  for (size_t i = 0; i < plan.forwards.size(); ++i) {
    const nft::PortForwardEntry& f = plan.forwards[i];
    auto* fw = out->add_forwards();
    if (i < plan.info.size()) {
      fw->set_group(plan.info[i].group);
      fw->set_outside(plan.info[i].outside);
      fw->set_source(plan.info[i].source);
    }
    fw->set_protocol(std::string(nft::L4ProtocolName(f.protocol)));
    fw->set_port(f.port);
    fw->set_target(f.target_address.is_v6()
                       ? absl::StrCat("[", f.target_address.ToString(), "]:", f.target_port)
                       : absl::StrCat(f.target_address.ToString(), ":", f.target_port));
    fw->set_source_nat(f.source_nat);
    if (!f.balanced() || i >= plan.info.size()) continue;
    bool any_active = false;
    for (size_t b = 0; b < f.backends.size() && b < plan.info[i].backend_keys.size(); ++b) {
      const nft::Backend& be = f.backends[b];
      auto* out_b = fw->add_backends();
      out_b->set_address(be.address.is_v6()
                             ? absl::StrCat("[", be.address.ToString(), "]:", be.port)
                             : absl::StrCat(be.address.ToString(), ":", be.port));
      out_b->set_weight(be.weight);
      out_b->set_key(plan.info[i].backend_keys[b]);
      auto h = health.find(plan.info[i].backend_keys[b]);
      std::string state = "unchecked";
      if (h != health.end() && h->second.known) {
        state = h->second.up ? "up" : "down";
        out_b->set_detail(h->second.detail);
      }
      out_b->set_health(state);
      if (plan.info[i].draining[b]) state = "draining";
      out_b->set_state(state);
      any_active = any_active || be.active;
    }
    if (!any_active) {
      s.add_problems(
          absl::StrCat("port forward ", f.name,
                       ": all backends down or draining; new "
                       "connections are ",
                       f.when_all_down == nft::AllDownAction::kReject ? "rejected" : "dropped"));
    }
  }
  for (const ForwardConflict& c : plan.conflicts) out->add_conflicts(c.message);
  for (const std::string& p : plan.problems) s.add_problems(absl::StrCat("port forward: ", p));
}

}  // namespace

status::v1::SpeakerState BuildStatus(const StatusParts& parts) {
  status::v1::SpeakerState s;
  s.set_node(parts.node);
  for (const auto& [k, v] : parts.labels) (*s.mutable_node_labels())[k] = v;
  s.set_version(std::string(kVersion));
  s.set_started_unix_ms(UnixMs(parts.started));
  s.set_now_unix_ms(UnixMs(absl::Now()));
  auto* cfg = s.mutable_config();
  cfg->set_dir(parts.config_dir);
  if (parts.config != nullptr) {
    cfg->set_generation(static_cast<uint64_t>(parts.config->generation()));
    cfg->set_loaded(parts.config->current() != nullptr);
    std::string errors;
    for (const auto& d : parts.config->last_errors()) {
      if (!errors.empty()) errors += "\n";
      errors += d.ToString();
    }
    cfg->set_last_error(errors);
    if (!errors.empty()) {
      s.add_problems(
          absl::StrCat("the last configuration reload was refused (the previous one "
                       "stays in force): ",
                       errors));
    }
    if (!cfg->loaded()) {
      s.add_problems(
          absl::StrCat("no valid configuration in ", parts.config_dir, "; nothing is announced"));
    }
  }
  for (const std::string& p : parts.problems) s.add_problems(p);
  if (parts.layer2 != nullptr) FillLayer2(*parts.layer2, s);
  if (parts.bgp != nullptr) FillBgp(*parts.bgp, s);
  if (parts.router != nullptr) FillRouter(*parts.router, s);
  auto* nft = s.mutable_nft();
  nft->set_available(parts.nft != nullptr);
  if (parts.nft != nullptr) {
    nft->set_converged(parts.nft->converged());
    nft->set_clamped_vips(static_cast<uint32_t>(parts.nft->applied().clamped_vips.size()));
    nft->set_forwards(static_cast<uint32_t>(parts.nft->applied().forwards.size()));
    if (!parts.nft->last_error().ok()) {
      nft->set_last_error(std::string(parts.nft->last_error().message()));
      s.add_problems(absl::StrCat("nftables: ", parts.nft->last_error().message()));
    }
    for (const std::string& d : parts.nft->dropped()) {
      nft->add_dropped(d);
      s.add_problems(absl::StrCat("nftables entry dropped: ", d));
    }
  }
  return s;
}

}  // namespace ironlb::speaker
