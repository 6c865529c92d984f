#include "ctl/explain_kube.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ip_list.h"
#include "controller/manifest_reader.h"
#include "ctl/explain_command.h"
#include "kube/resource.h"
#include "speaker/cluster_facts.h"
#include "speaker/kube/kube_snapshot.h"

namespace ironlb::ctl {
namespace {

using nlohmann::json;

absl::StatusOr<std::vector<json>> ListAll(kube::Client& client, const kube::Resource& resource) {
  std::vector<json> out;
  kube::ListOptions options;
  for (int page = 0; page < 100000; ++page) {
    absl::StatusOr<kube::ListPage> p = client.List(resource, "", options);
    if (!p.ok()) return p.status();
    for (json& item : p->items) out.push_back(std::move(item));
    if (p->continue_token.empty()) return out;
    options.continue_token = p->continue_token;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("listing ", resource.plural, ": the API never ended the list"));
}

absl::Status AppendShared(kube::Client& client, const kube::Resource& resource,
                          std::vector<std::shared_ptr<const json>>& into) {
  absl::StatusOr<std::vector<json>> items = ListAll(client, resource);
  if (!items.ok()) return items.status();
  for (json& item : *items) into.push_back(std::make_shared<const json>(std::move(item)));
  return absl::OkStatus();
}

// The nodes to judge: the API's Nodes (labels as the API has them); with a local speaker's
// state, per segment, those it does not hear there are not alive on it.
std::vector<NodeGroup> ClusterNodeGroups(const speaker::ClusterFacts& facts,
                                         const status::v1::SpeakerState* state) {
  std::vector<NodeGroup> groups;
  if (state == nullptr) {
    NodeGroup all;
    for (const auto& [name, labels] : facts.node_labels)
      all.nodes.push_back({.name = name, .labels = labels});
    groups.push_back(std::move(all));
    return groups;
  }
  groups = NodeGroupsFromStatus(*state);
  for (NodeGroup& g : groups) {
    std::set<std::string> heard;
    for (NodeFacts& n : g.nodes) {
      heard.insert(n.name);
      n.labels = facts.LabelsOf(n.name, n.labels);
    }
    for (const auto& [name, labels] : facts.node_labels) {
      if (heard.count(name) > 0) continue;
      NodeFacts missing{.name = name, .labels = labels, .ready = false};
      missing.unavailable =
          g.segment.empty()
              ? absl::StrCat("not heard by the speaker on ", state->node(),
                             " (its speaker is down, or it has no layer-2 segment)")
              : absl::StrCat("not heard on segment ", g.segment, " by the speaker on ",
                             state->node(), " (its speaker is down, or it is on another segment)");
      g.nodes.push_back(std::move(missing));
    }
  }
  return groups;
}

}  // namespace

absl::StatusOr<ClusterObjects> ListCluster(kube::Client& client) {
  ClusterObjects out;
  for (const kube::Resource& r : speaker::ConfigKinds()) {
    if (absl::Status s = AppendShared(client, r, out.objects.config); !s.ok()) return s;
  }
  if (absl::Status s = AppendShared(client, kube::Resource::Services(), out.objects.services);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          AppendShared(client, kube::Resource::EndpointSlices(), out.objects.endpoint_slices);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = AppendShared(client, kube::Resource::Nodes(), out.objects.nodes); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<json>> namespaces = ListAll(client, kube::Resource::Namespaces());
  if (!namespaces.ok()) return namespaces.status();
  out.namespaces = *std::move(namespaces);
  return out;
}

absl::StatusOr<Explanation> ExplainCluster(const ClusterObjects& cluster, const std::string& key,
                                           const std::optional<std::string>& lb_class,
                                           const status::v1::SpeakerState* speaker) {
  const config::LoadResult cfg = speaker::ReadKubeConfig(cluster.objects);
  if (!cfg.ok()) {
    std::vector<std::string> why;
    for (const auto& d : cfg.diagnostics) why.push_back(d.ToString());
    return absl::FailedPreconditionError(absl::StrCat(
        "the ironlb.io configuration in the cluster is invalid (the controller and speakers keep "
        "their last good one, which explain cannot see); fix it first: ",
        absl::StrJoin(why, "; ")));
  }
  // Services decoded as the controller and speakers decode them, statuses included.
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
  for (const auto& s : cluster.objects.services) list["items"].push_back(*s);
  controller::ManifestReader reader;
  reader.AddText(list.dump(), "the API's Services");
  const controller::ServiceManifests manifests = std::move(reader).Finish();
  std::map<std::string, controller::Labels> namespaces;
  for (const json& ns : cluster.namespaces) {
    const json meta = ns.value("metadata", json::object());
    // A named copy: items() of the temporary value() returns would dangle in the loop.
    const json label_map = meta.value("labels", json::object());
    controller::Labels labels;
    for (const auto& [k, v] : label_map.items()) {
      if (v.is_string()) labels[k] = v.get<std::string>();
    }
    namespaces[meta.value("name", "")] = std::move(labels);
  }
  const speaker::KubeSnapshot snapshot =
      speaker::AssembleSnapshot(cluster.objects, cfg.config, lb_class);
  ExplainInput input{.config = &cfg.config,
                     .namespaces = &namespaces,
                     .services = &manifests.services,
                     .nodes = ClusterNodeGroups(*snapshot.facts, speaker),
                     .choice = controller::AddressChoice::kLowestFree,
                     .lb_class = lb_class,
                     .facts = snapshot.facts};
  absl::StatusOr<Explanation> e = Explain(input, key);
  if (!e.ok()) {
    if (absl::IsNotFound(e.status()) && !manifests.diagnostics.empty()) {
      std::vector<std::string> why;
      for (const auto& d : manifests.diagnostics) why.push_back(d.ToString());
      return absl::NotFoundError(
          absl::StrCat(e.status().message(), "; Services left out: ", absl::StrJoin(why, "; ")));
    }
    return e.status();
  }
  // What the API says today next to what the controller decides.
  for (const controller::Service& s : manifests.services) {
    if (s.Key() != key || e->status != "assigned") continue;
    if (s.current.empty()) {
      e->notes.push_back(
          "status.loadBalancer.ingress is still empty: the controller has not written this "
          "address yet (is ironlb-controller running? kubectl -n ironlb-system get pods)");
    } else if (SortedIps(s.current) != SortedIps(e->addresses)) {
      e->notes.push_back(absl::StrCat("status.loadBalancer.ingress says ", JoinIps(s.current),
                                      "; the controller's next pass gives ",
                                      JoinIps(e->addresses)));
    }
  }
  e->notes.push_back(speaker != nullptr
                         ? absl::StrCat("nodes from the API; alive as the speaker on ",
                                        speaker->node(), " hears them")
                         : "nodes from the API, all taken as alive (no local speaker's status "
                           "socket; run explain on a node to see who is heard)");
  return e;
}

}  // namespace ironlb::ctl
