// The Kubernetes manifests in packaging/kubernetes/, read with the same YAML reader as the
// configuration: they parse, the kustomization applies every file, every configuration kind
// has a CRD whose fields the decoder knows, the speaker adds no capability but NET_ADMIN and
// NET_RAW, and RBAC grants no wildcard and nothing the components do not use.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "config/yaml_documents.h"
#include "controller/config_resources.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

const fs::path kDir = fs::path(IRONLB_SOURCE_DIR_FOR_TESTS) / "packaging" / "kubernetes";

struct Manifest {
  std::string file;
  json object;
};

std::vector<Manifest> ReadAll(std::vector<config::Diagnostic>* problems) {
  std::vector<Manifest> out;
  for (const auto& entry : fs::directory_iterator(kDir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string file = entry.path().filename().string();
    for (config::Document& d : config::ReadYamlDocuments(text.str(), file, problems)) {
      out.push_back({file, std::move(d.object)});
    }
  }
  return out;
}

class ManifestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifests_ = ReadAll(&problems_);
    ASSERT_FALSE(manifests_.empty()) << "no manifests in " << kDir;
  }
  std::vector<json> OfKind(const std::string& kind) const {
    std::vector<json> out;
    for (const Manifest& m : manifests_) {
      if (m.object.value("kind", "") == kind) out.push_back(m.object);
    }
    return out;
  }
  json Named(const std::string& kind, const std::string& name) const {
    for (const json& o : OfKind(kind)) {
      if (o["metadata"].value("name", "") == name) return o;
    }
    ADD_FAILURE() << "no " << kind << " named " << name;
    return json::object();
  }
  std::vector<Manifest> manifests_;
  std::vector<config::Diagnostic> problems_;
};

TEST_F(ManifestsTest, EveryFileParsesAndTheKustomizationAppliesEveryOne) {
  for (const config::Diagnostic& d : problems_) ADD_FAILURE() << d.ToString();
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kDir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".yaml" && name != "kustomization.yaml") files.push_back(name);
  }
  const std::vector<json> kustomizations = OfKind("Kustomization");
  ASSERT_EQ(kustomizations.size(), 1u);
  std::vector<std::string> resources = kustomizations[0]["resources"];
  EXPECT_THAT(resources, UnorderedElementsAreArray(files));
}

TEST_F(ManifestsTest, NamespacedObjectsLiveInIronlbSystem) {
  const std::set<std::string> cluster_scoped = {"Namespace", "CustomResourceDefinition",
                                                "ClusterRole", "ClusterRoleBinding",
                                                "Kustomization"};
  for (const Manifest& m : manifests_) {
    const std::string kind = m.object.value("kind", "");
    if (cluster_scoped.count(kind) > 0) continue;
    EXPECT_EQ(m.object["metadata"].value("namespace", ""), "ironlb-system")
        << m.file << ": " << kind << "/" << m.object["metadata"].value("name", "");
  }
}

// A value for every field `schema` describes (recursively), as the CRD would accept it.
json Sample(const json& schema) {
  if (schema.value("x-kubernetes-int-or-string", false)) return 1460;
  const std::string type = schema.value("type", "");
  if (type == "object") {
    json out = json::object();
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, property] : properties.items()) out[name] = Sample(property);
    return out;
  }
  if (type == "array") return json::array({Sample(schema["items"])});
  if (type == "integer") return schema.value("minimum", 1);
  if (type == "boolean") return false;
  if (schema.contains("enum")) return schema["enum"][0];
  return "x";
}

TEST_F(ManifestsTest, EveryConfigKindHasACrdWhoseFieldsTheDecoderKnows) {
  const std::vector<json> crds = OfKind("CustomResourceDefinition");
  // ...and one more: the speakers' ServiceAnnouncement (not configuration; tested below).
  EXPECT_EQ(crds.size(), controller::ConfigResources().size() + 1);
  for (const kube::Resource& r : controller::ConfigResources()) {
    SCOPED_TRACE(r.kind);
    const json crd = Named("CustomResourceDefinition", absl::StrCat(r.plural, ".", r.group));
    const json& spec = crd["spec"];
    EXPECT_EQ(spec["group"], r.group);
    EXPECT_EQ(spec["scope"], "Namespaced");
    EXPECT_EQ(spec["names"]["kind"], r.kind);
    EXPECT_EQ(spec["names"]["plural"], r.plural);
    ASSERT_EQ(spec["versions"].size(), 1u);
    const json& version = spec["versions"][0];
    EXPECT_EQ(version["name"], r.version);
    EXPECT_TRUE(version["served"].get<bool>() && version["storage"].get<bool>());
    EXPECT_TRUE(version["subresources"].contains("status")) << "the controller writes status";
    const json& schema = version["schema"]["openAPIV3Schema"];
    const json& fields = schema["properties"]["spec"]["properties"];
    ASSERT_FALSE(fields.empty());
    EXPECT_TRUE(schema["properties"]["status"]["properties"].contains("conditions"));

    // An object using every field the CRD allows: the decoder must know each of them.
    config::ConfigReader reader;
    reader.AddJson({{"apiVersion", "ironlb.io/v1alpha1"},
                    {"kind", r.kind},
                    {"metadata", {{"name", "sample"}, {"namespace", "ironlb-system"}}},
                    {"spec", Sample(schema["properties"]["spec"])}});
    for (const config::Diagnostic& d : std::move(reader).Finish().diagnostics) {
      EXPECT_FALSE(absl::StrContains(d.message, "unknown field"))
          << "the CRD allows a field config/ does not read: " << d.ToString();
    }
  }
}

TEST_F(ManifestsTest, ServiceAnnouncementCrdMatchesWhatSpeakersWrite) {
  const json crd = Named("CustomResourceDefinition", "serviceannouncements.ironlb.io");
  const json& spec = crd["spec"];
  EXPECT_EQ(spec["names"]["kind"], "ServiceAnnouncement");
  EXPECT_EQ(spec["scope"], "Namespaced");
  const json& fields =
      spec["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
  for (const char* f : {"service", "node", "mode", "addresses", "interfaces", "peers"}) {
    EXPECT_TRUE(fields.contains(f)) << f;
  }
}

std::vector<json> Containers(const json& workload) {
  return workload["spec"]["template"]["spec"]["containers"];
}

TEST_F(ManifestsTest, SpeakerRunsOnTheHostNetworkWithOnlyNetAdminAndNetRaw) {
  const json ds = Named("DaemonSet", "ironlb-speaker");
  const json& pod = ds["spec"]["template"]["spec"];
  EXPECT_TRUE(pod.value("hostNetwork", false));
  EXPECT_EQ(pod.value("serviceAccountName", ""), "ironlb-speaker");
  std::set<std::string> names;
  for (const json& c : Containers(ds)) {
    SCOPED_TRACE(c.value("name", ""));
    names.insert(c.value("name", ""));
    const json sc = c.value("securityContext", json::object());
    EXPECT_FALSE(sc.value("privileged", false));
    EXPECT_FALSE(sc.value("allowPrivilegeEscalation", true));
    const json caps = sc.value("capabilities", json::object());
    EXPECT_EQ(caps.value("drop", json::array()), json::array({"ALL"}));
    for (const json& cap : caps.value("add", json::array())) {
      EXPECT_TRUE(cap == "NET_ADMIN" || cap == "NET_RAW") << "adds " << cap;
    }
  }
  EXPECT_TRUE(names.count("speaker") && names.count("frr")) << "speaker and its FRR sidecar";
  EXPECT_FALSE(pod.contains("hostPID") || pod.contains("hostIPC"));
}

TEST_F(ManifestsTest, ControllerRunsTwoReplicasWithLeaderElectionAndNoPrivileges) {
  const json deploy = Named("Deployment", "ironlb-controller");
  EXPECT_EQ(deploy["spec"]["replicas"], 2);
  const json& pod = deploy["spec"]["template"]["spec"];
  EXPECT_EQ(pod.value("serviceAccountName", ""), "ironlb-controller");
  EXPECT_FALSE(pod.value("hostNetwork", false));
  EXPECT_TRUE(pod["securityContext"].value("runAsNonRoot", false));
  for (const json& c : Containers(deploy)) {
    std::vector<std::string> args = c.value("args", std::vector<std::string>{});
    EXPECT_THAT(args, Contains("--leader-elect"));
    EXPECT_TRUE(c["securityContext"].value("readOnlyRootFilesystem", false));
    EXPECT_EQ(c["securityContext"]["capabilities"].value("drop", json::array()),
              json::array({"ALL"}));
    EXPECT_FALSE(c["securityContext"]["capabilities"].contains("add"));
  }
}

// (apiGroup, resource) -> verbs granted by the rules of `role`.
std::map<std::pair<std::string, std::string>, std::set<std::string>> Grants(const json& role) {
  std::map<std::pair<std::string, std::string>, std::set<std::string>> out;
  for (const json& rule : role["rules"]) {
    for (const std::string g : rule["apiGroups"]) {
      for (const std::string r : rule["resources"]) {
        for (const std::string v : rule["verbs"]) out[{g, r}].insert(v);
      }
    }
  }
  return out;
}

TEST_F(ManifestsTest, RbacIsLeastPrivilegeAndCoversWhatTheControllerDoes) {
  for (const char* kind : {"Role", "ClusterRole"}) {
    for (const json& role : OfKind(kind)) {
      for (const json& rule : role["rules"]) {
        for (const char* field : {"apiGroups", "resources", "verbs"}) {
          EXPECT_THAT(rule[field].get<std::vector<std::string>>(), ::testing::Not(Contains("*")))
              << kind << "/" << role["metadata"]["name"] << " " << field;
        }
      }
    }
  }
  const auto cluster = Grants(Named("ClusterRole", "ironlb-controller"));
  const auto local = Grants(Named("Role", "ironlb-controller"));
  using Verbs = std::set<std::string>;
  EXPECT_EQ(cluster.at({"", "services"}), (Verbs{"get", "list", "watch", "patch"}));
  EXPECT_EQ(cluster.at({"", "services/status"}), (Verbs{"update"}));
  EXPECT_EQ(cluster.at({"", "namespaces"}), (Verbs{"get", "list", "watch"}));
  EXPECT_EQ(cluster.at({"", "events"}), (Verbs{"create", "patch"}));
  EXPECT_EQ(cluster.size(), 4u);
  for (const kube::Resource& r : controller::ConfigResources()) {
    EXPECT_EQ(local.at({r.group, r.plural}), (Verbs{"get", "list", "watch"})) << r.plural;
    EXPECT_EQ(local.at({r.group, r.plural + "/status"}), (Verbs{"update"})) << r.plural;
  }
  EXPECT_TRUE(local.at({"coordination.k8s.io", "leases"}).count("update"));

  // The speaker writes nothing but Events, and its ServiceAnnouncements (a role of their own).
  EXPECT_EQ(Grants(Named("ClusterRole", "ironlb-speaker-announcements")),
            (std::map<std::pair<std::string, std::string>, Verbs>{
                {{"ironlb.io", "serviceannouncements"},
                 Verbs{"get", "list", "create", "update", "delete"}}}));
  for (const char* kind : {"Role", "ClusterRole"}) {
    for (const auto& [what, verbs] : Grants(Named(kind, "ironlb-speaker"))) {
      if (what.second == "events") continue;
      for (const std::string& v : verbs) {
        EXPECT_TRUE(v == "get" || v == "list" || v == "watch")
            << kind << " ironlb-speaker may " << v << " " << what.second;
      }
    }
  }
}

}  // namespace
}  // namespace ironlb
