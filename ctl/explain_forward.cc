#include "ctl/explain_forward.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ctl/table.h"
#include "nft/backend_slots.h"
#include "nlohmann/json.hpp"
#include "speaker/router/backend_health_view.h"

namespace ironlb::ctl {
namespace {

// The router's health as its status reports it, by backend key.
class StatusHealth : public speaker::BackendHealthView {
 public:
  explicit StatusHealth(const status::v1::SpeakerState& state) {
    for (const auto& f : state.router().forwards()) {
      for (const auto& b : f.backends()) {
        if (!b.key().empty()) health_[b.key()] = {b.health(), b.detail()};
      }
    }
  }
  bool IsUp(const std::string& key) const override {
    auto it = health_.find(key);
    return it == health_.end() || it->second.first != "down";
  }
  // "unchecked" for a backend the router does not report (not planned yet).
  std::pair<std::string, std::string> Of(const std::string& key) const {
    auto it = health_.find(key);
    return it == health_.end() ? std::pair<std::string, std::string>{"unchecked", ""} : it->second;
  }

 private:
  std::map<std::string, std::pair<std::string, std::string>> health_;
};

std::string CheckText(const config::ForwardTarget& t) {
  if (!t.health_check) return "none";
  const config::HealthCheck& c = *t.health_check;
  if (c.type == config::HealthCheckType::kNone) return "None (always up)";
  return absl::StrCat(
      config::HealthCheckTypeName(c.type), c.port != 0 ? absl::StrCat(" port ", c.port) : "",
      c.type == config::HealthCheckType::kHTTP || c.type == config::HealthCheckType::kHTTPS
          ? absl::StrCat(" ", c.path, " expecting ", c.expect_status)
          : "",
      " every ", c.interval_ms, "ms, timeout ", c.timeout_ms, "ms, rise ", c.rise, ", fall ",
      c.fall);
}

std::string HostPort(const IpAddress& a, uint16_t port) {
  return a.is_v6() ? absl::StrCat("[", a.ToString(), "]:", port)
                   : absl::StrCat(a.ToString(), ":", port);
}

}  // namespace

absl::StatusOr<ForwardExplanation> ExplainForward(const config::Config& config,
                                                  const std::string& name,
                                                  const status::v1::SpeakerState* state) {
  const config::PortForward* pf = nullptr;
  for (const config::PortForward& p : config.port_forwards) {
    if (p.meta.name == name) pf = &p;
  }
  if (pf == nullptr) {
    return absl::NotFoundError(absl::StrCat("no PortForward \"", name, "\" in the configuration"));
  }
  ForwardExplanation e{.group = name};
  std::vector<std::string> outside;
  for (const IpAddress& a : pf->addresses) outside.push_back(a.ToString());
  for (const std::string& i : pf->interfaces) outside.push_back(absl::StrCat("interface ", i));
  e.outside = outside.empty() ? "-" : absl::StrJoin(outside, ", ");
  std::unique_ptr<StatusHealth> health;
  if (state != nullptr) health = std::make_unique<StatusHealth>(*state);
  for (const config::ForwardTarget& t : pf->targets) {
    if (t.backends.empty()) continue;
    TargetAnswer ta{
        .protocol = std::string(config::ProtocolName(t.protocol)),
        .port = t.port,
        .affinity = t.source_affinity ? "ClientIP" : "None",
        .when_all_down = t.when_all_down == config::WhenAllDown::kReject ? "Reject" : "Drop",
        .check = CheckText(t)};
    std::vector<nft::Backend> slots_in;
    for (const config::ForwardBackend& b : t.backends) {
      const std::string key = speaker::BackendKey(name, t, b);
      BackendAnswer ba{
          .address = HostPort(b.address, b.port), .weight = b.weight, .draining = b.draining};
      if (health) {
        std::tie(ba.health, ba.detail) = health->Of(key);
      } else {
        ba.health = "unknown";
      }
      const Verdict v = speaker::TakesNewConnections(key, b, health.get());
      ba.takes_new = v.yes;
      ba.why = v.reason;
      slots_in.push_back({b.address, b.port, b.weight, v.yes});
      ta.backends.push_back(std::move(ba));
    }
    // The router's slot table over the same list: each backend's share of new connections.
    const std::vector<int> table = nft::BackendSlotTable(slots_in);
    std::vector<int> counts(slots_in.size(), 0);
    for (int i : table) {
      if (i >= 0) ++counts[static_cast<size_t>(i)];
    }
    for (size_t i = 0; i < ta.backends.size(); ++i) {
      ta.backends[i].share_pct = 100.0 * counts[i] / static_cast<double>(nft::kBackendSlots);
    }
    if (table.empty() || table[0] < 0) {
      ta.all_down =
          absl::StrCat("no backend takes new connections: they are ",
                       t.when_all_down == config::WhenAllDown::kReject ? "rejected" : "dropped",
                       " (whenAllDown: ", ta.when_all_down, "); established ones pass");
    }
    e.targets.push_back(std::move(ta));
  }
  if (e.targets.empty()) {
    e.notes.push_back("no balanced target (targets with backends) in this PortForward");
  }
  if (state == nullptr) {
    e.notes.push_back(
        "no router status (run on the router, or pass --status-socket): health unknown, every "
        "backend taken as up");
  } else {
    e.notes.push_back(absl::StrCat("health as the speaker on ", state->node(), " checks it"));
  }
  return e;
}

void PrintForwardExplanation(const ForwardExplanation& e, std::ostream& out) {
  out << "PortForward: " << e.group << "\n";
  out << "Outside:     " << e.outside << "\n";
  for (const std::string& n : e.notes) out << "Note:        " << n << "\n";
  for (const TargetAnswer& t : e.targets) {
    out << "\n"
        << t.protocol << " " << t.port << ": sessionAffinity " << t.affinity << ", whenAllDown "
        << t.when_all_down << ", health check " << t.check << "\n";
    if (!t.all_down.empty()) out << "  " << t.all_down << "\n";
    Table table({"BACKEND", "WEIGHT", "HEALTH", "NEW CONNECTIONS", "SHARE", "WHY", "LAST CHECK"});
    for (const BackendAnswer& b : t.backends) {
      table.AddRow({b.address, std::to_string(b.weight), b.health, b.takes_new ? "yes" : "no",
                    absl::StrFormat("%.1f%%", b.share_pct), b.why,
                    b.detail.empty() ? "-" : b.detail});
    }
    table.Print(out);
  }
}

void PrintForwardExplanationJson(const ForwardExplanation& e, std::ostream& out) {
  nlohmann::ordered_json j;
  j["port_forward"] = e.group;
  j["outside"] = e.outside;
  j["notes"] = e.notes;
  j["targets"] = nlohmann::json::array();
  for (const TargetAnswer& t : e.targets) {
    nlohmann::ordered_json tj;
    tj["protocol"] = t.protocol;
    tj["port"] = t.port;
    tj["session_affinity"] = t.affinity;
    tj["when_all_down"] = t.when_all_down;
    tj["health_check"] = t.check;
    tj["all_down"] = t.all_down;
    tj["backends"] = nlohmann::json::array();
    for (const BackendAnswer& b : t.backends) {
      tj["backends"].push_back({{"address", b.address},
                                {"weight", b.weight},
                                {"draining", b.draining},
                                {"health", b.health},
                                {"detail", b.detail},
                                {"takes_new_connections", b.takes_new},
                                {"why", b.why},
                                {"share_pct", b.share_pct}});
    }
    j["targets"].push_back(std::move(tj));
  }
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace ironlb::ctl
