// The Kubernetes manifests in packaging/kubernetes/, read with the same YAML reader as the
// configuration: they parse, the kustomization applies every file, every configuration kind
// has a CRD whose fields the decoder knows, the speaker adds no capability but NET_ADMIN and
// NET_RAW, and RBAC grants no wildcard and nothing the components do not use.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/kinds.h"
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
    // The speaker: NET_ADMIN and NET_RAW only. FRR's daemons also require SYS_ADMIN and
    // NET_BIND_SERVICE.
    const bool frr = c.value("name", "") == "frr";
    for (const json& cap : caps.value("add", json::array())) {
      EXPECT_TRUE(cap == "NET_ADMIN" || cap == "NET_RAW" ||
                  (frr && (cap == "SYS_ADMIN" || cap == "NET_BIND_SERVICE")))
          << "adds " << cap;
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

// A cluster switches from MetalLB with nothing else: both daemons may read (only read) every
// MetalLB kind they watch.
TEST_F(ManifestsTest, BothDaemonsMayReadMetalLBsObjects) {
  using Verbs = std::set<std::string>;
  std::map<std::pair<std::string, std::string>, Verbs> expected;
  for (const config::Kind& k : config::kMetalLBKinds) {
    expected[{config::kMetalLBGroup, k.plural}] = Verbs{"get", "list", "watch"};
  }
  EXPECT_EQ(Grants(Named("ClusterRole", "ironlb-metallb-reader")), expected);
  const json binding = Named("ClusterRoleBinding", "ironlb-metallb-reader");
  EXPECT_EQ(binding["roleRef"].value("name", ""), "ironlb-metallb-reader");
  std::set<std::string> subjects;
  for (const json& s : binding["subjects"]) {
    EXPECT_EQ(s.value("kind", ""), "ServiceAccount");
    subjects.insert(s.value("name", ""));
  }
  EXPECT_EQ(subjects, (std::set<std::string>{"ironlb-controller", "ironlb-speaker"}));
}

json Env(const json& container, const std::string& name) {
  for (const json& e : container.value("env", json::array())) {
    if (e.value("name", "") == name) return e;
  }
  return json();
}

json Container(const json& workload, const std::string& name) {
  for (const json& c : Containers(workload)) {
    if (c.value("name", "") == name) return c;
  }
  ADD_FAILURE() << "no container " << name;
  return json::object();
}

json Volume(const json& workload, const std::string& name) {
  for (const json& v : workload["spec"]["template"]["spec"].value("volumes", json::array())) {
    if (v.value("name", "") == name) return v;
  }
  ADD_FAILURE() << "no volume " << name;
  return json::object();
}

// Both daemons take their namespace from the pod's (the downward API), so a kustomize
// `namespace:` moves them together.
TEST_F(ManifestsTest, BothDaemonsFollowTheirPodsNamespace) {
  for (const auto& [kind, name, container] :
       {std::tuple{"DaemonSet", "ironlb-speaker", "speaker"},
        std::tuple{"Deployment", "ironlb-controller", "controller"}}) {
    SCOPED_TRACE(name);
    const json c = Container(Named(kind, name), container);
    EXPECT_THAT(c.value("args", std::vector<std::string>{}),
                Contains("--namespace=$(POD_NAMESPACE)"));
    EXPECT_EQ(Env(c, "POD_NAMESPACE")["valueFrom"]["fieldRef"]["fieldPath"], "metadata.namespace");
  }
}

// BGP-only clusters need no key: the Secret's volume is optional (the speaker starts and says
// layer 2 stays off). The status socket is on the node for `ironlbctl status` there.
TEST_F(ManifestsTest, SpeakerKeyIsOptionalAndItsStatusSocketIsOnTheNode) {
  const json ds = Named("DaemonSet", "ironlb-speaker");
  const json key = Volume(ds, "layer2-key");
  EXPECT_EQ(key["secret"]["secretName"], "ironlb-layer2-key");
  EXPECT_TRUE(key["secret"].value("optional", false));
  const json run = Volume(ds, "speaker-run");
  EXPECT_EQ(run["hostPath"]["path"], "/run/ironlb");
  bool mounted = false;
  const json speaker = Container(ds, "speaker");
  for (const json& m : speaker["volumeMounts"]) {
    mounted |= m["name"] == "speaker-run" && m["mountPath"] == "/run/ironlb";
  }
  EXPECT_TRUE(mounted) << "the speaker's default --status-socket is /run/ironlb/speaker.sock";
  EXPECT_EQ(Env(Container(ds, "frr"), "FRR_GRPC_GUARD")["value"], "1")
      << "FRR's gRPC ports answer on loopback only";
}

TEST_F(ManifestsTest, EveryContainerHasRequestsAMemoryLimitAndProbes) {
  for (const auto& [kind, name] :
       {std::pair{"DaemonSet", "ironlb-speaker"}, std::pair{"Deployment", "ironlb-controller"}}) {
    for (const json& c : Containers(Named(kind, name))) {
      SCOPED_TRACE(c.value("name", ""));
      EXPECT_TRUE(c["resources"]["requests"].contains("cpu"));
      EXPECT_TRUE(c["resources"]["requests"].contains("memory"));
      EXPECT_TRUE(c["resources"]["limits"].contains("memory"));
      EXPECT_TRUE(c.contains("livenessProbe"));
    }
  }
}

TEST_F(ManifestsTest, ControllerHasADisruptionBudgetKeepingOneReplica) {
  const json pdb = Named("PodDisruptionBudget", "ironlb-controller");
  EXPECT_EQ(pdb["apiVersion"], "policy/v1");
  EXPECT_EQ(pdb["spec"]["minAvailable"], 1);
  EXPECT_EQ(pdb["spec"]["selector"]["matchLabels"],
            Named("Deployment", "ironlb-controller")["spec"]["selector"]["matchLabels"]);
}

TEST_F(ManifestsTest, SpeakerMayOnlyGetSecretsOfItsOwnNamespace) {
  // BGPPeer passwordSecret: one GET per read, in the speaker's namespace only (no list, no watch,
  // nothing cluster-wide).
  for (const json& role : OfKind("ClusterRole")) {
    for (const auto& [what, verbs] : Grants(role)) {
      EXPECT_NE(what.second, "secrets") << "ClusterRole " << role["metadata"]["name"];
    }
  }
  const json role = Named("Role", "ironlb-speaker");
  EXPECT_EQ(role["metadata"]["namespace"], "ironlb-system");
  const auto grants = Grants(role);
  ASSERT_TRUE(grants.count({"", "secrets"}));
  EXPECT_EQ(grants.at({"", "secrets"}), std::set<std::string>{"get"});
}

// Debian's kubectl (kubernetes-client, unpacked by packaging/install-deps.sh) builds the
// kustomization, as `kubectl apply -k` does; an overlay with another namespace moves every
// namespaced object and every ServiceAccount subject there, and its `images:` renames the
// three images.
std::string Run(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = pclose(p);
  return out;
}

std::vector<json> Kustomize(const fs::path& dir) {
  const std::string kubectl = IRONLB_DEBIAN_KUBECTL;
  EXPECT_TRUE(fs::exists(kubectl)) << kubectl << " missing: run packaging/install-deps.sh";
  int status = -1;
  const std::string yaml =
      Run(absl::StrCat(kubectl, " kustomize ", dir.string(), " 2>&1"), &status);
  EXPECT_EQ(status, 0) << yaml;
  std::vector<config::Diagnostic> problems;
  std::vector<json> out;
  for (config::Document& d : config::ReadYamlDocuments(yaml, "kustomize", &problems)) {
    out.push_back(std::move(d.object));
  }
  for (const config::Diagnostic& d : problems) ADD_FAILURE() << d.ToString();
  return out;
}

TEST_F(ManifestsTest, DebiansKubectlKustomizeBuildsEveryObject) {
  const std::vector<json> built = Kustomize(kDir);
  std::multiset<std::string> want, got;
  for (const Manifest& m : manifests_) {
    if (m.object.value("kind", "") == "Kustomization") continue;
    want.insert(absl::StrCat(m.object["kind"].get<std::string>(), "/",
                             m.object["metadata"]["name"].get<std::string>()));
  }
  for (const json& o : built) {
    got.insert(
        absl::StrCat(o["kind"].get<std::string>(), "/", o["metadata"]["name"].get<std::string>()));
  }
  EXPECT_EQ(got, want);
}

TEST_F(ManifestsTest, AKustomizeOverlayMovesEverythingToItsNamespaceAndRenamesTheImages) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ironlb-overlay";
  fs::remove_all(dir);
  fs::create_directories(dir / "overlay");
  fs::copy(kDir, dir / "base", fs::copy_options::recursive);
  std::ofstream(dir / "overlay" / "kustomization.yaml")
      << "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
         "namespace: lb\nbases:\n- ../base\n"
         "patchesJson6902:\n- target:\n    version: v1\n    kind: Namespace\n"
         "    name: ironlb-system\n  path: namespace-name.yaml\nimages:\n"
         "- name: ironlb/speaker\n  newName: registry.example/ironlb/speaker\n  newTag: v9\n"
         "- name: ironlb/controller\n  newName: registry.example/ironlb/controller\n"
         "  newTag: v9\n- name: ironlb/frr\n  newName: registry.example/ironlb/frr\n"
         "  newTag: v9\n";
  // kustomize before v3 (kubectl 1.20's) leaves the Namespace object's name as it is.
  std::ofstream(dir / "overlay" / "namespace-name.yaml")
      << "- op: replace\n  path: /metadata/name\n  value: lb\n";
  const std::vector<json> built = Kustomize(dir / "overlay");
  ASSERT_FALSE(built.empty());
  int images = 0;
  for (const json& o : built) {
    const std::string kind = o.value("kind", "");
    SCOPED_TRACE(absl::StrCat(kind, "/", o["metadata"].value("name", "")));
    if (o["metadata"].contains("namespace")) EXPECT_EQ(o["metadata"]["namespace"], "lb");
    if (kind == "Namespace") EXPECT_EQ(o["metadata"]["name"], "lb");
    for (const json& subject : o.value("subjects", json::array())) {
      EXPECT_EQ(subject.value("namespace", ""), "lb");
    }
    if (kind == "DaemonSet" || kind == "Deployment") {
      for (const json& c : Containers(o)) {
        EXPECT_TRUE(absl::StartsWith(c.value("image", ""), "registry.example/ironlb/"));
        EXPECT_TRUE(absl::EndsWith(c.value("image", ""), ":v9"));
        ++images;
      }
    }
  }
  EXPECT_EQ(images, 3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ironlb
