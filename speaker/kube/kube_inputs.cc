#include "speaker/kube/kube_inputs.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "config/kinds.h"

namespace ironlb::speaker {
namespace {

std::vector<std::shared_ptr<const nlohmann::json>> Objects(const kube::Informer& informer) {
  return informer.store().List();
}

}  // namespace

KubeInputs::KubeInputs(kube::Client* client, EventLoop* loop, KubeInputsOptions options,
                       std::function<void()> on_change)
    : client_(client), loop_(loop), options_(std::move(options)), on_change_(std::move(on_change)) {
  auto informer = [&](kube::Resource resource, const std::string& ns, bool config,
                      bool optional = false, std::string field_selector = "") {
    kube::InformerOptions o;
    o.resource = std::move(resource);
    o.ns = ns;
    o.absent_is_empty = optional;
    o.field_selector = std::move(field_selector);
    o.watch_timeout = options_.watch_timeout;
    o.backoff = options_.backoff;
    return std::make_unique<kube::Informer>(client_, std::move(o), HandlersFor(config));
  };
  services_ = informer(kube::Resource::Services(), "", false);
  slices_ = informer(kube::Resource::EndpointSlices(), "", false);
  nodes_ = informer(kube::Resource::Nodes(), "", false);
  if (options_.read_config) {
    for (const kube::Resource& r : ConfigKinds()) {
      config_informers_.push_back(informer(r, options_.config_namespace, true));
    }
    if (!options_.metallb_namespace.empty()) {
      for (const config::Kind& k : config::kMetalLBKinds) {
        config_informers_.push_back(
            informer(kube::Resource{config::kMetalLBGroup, config::MetalLBVersionOf(k.name),
                                    k.plural, k.name, true},
                     options_.metallb_namespace, true, /*optional=*/true));
      }
      if (!options_.metallb_config_map.empty()) {
        config_informers_.push_back(informer(
            kube::Resource{"", "v1", "configmaps", "ConfigMap", true}, options_.metallb_namespace,
            true, /*optional=*/true, absl::StrCat("metadata.name=", options_.metallb_config_map)));
      }
    }
    if (options_.registry != nullptr) {
      config_metrics_ = std::make_unique<config::ConfigMetrics>(*options_.registry);
    }
  }
}

KubeInputs::~KubeInputs() {
  services_->Stop();
  slices_->Stop();
  nodes_->Stop();
  for (auto& i : config_informers_) i->Stop();
}

kube::InformerHandlers KubeInputs::HandlersFor(bool config) {
  return {.on_add = [this, config](const kube::ObjectPtr&) { Changed(config); },
          .on_update = [this, config](const kube::ObjectPtr&,
                                      const kube::ObjectPtr&) { Changed(config); },
          .on_delete = [this, config](const kube::ObjectPtr&) { Changed(config); }};
}

void KubeInputs::Start() {
  services_->Start();
  slices_->Start();
  nodes_->Start();
  for (auto& i : config_informers_) i->Start();
  Changed(true);  // fires once everything has synced, even when the caches stay empty
}

bool KubeInputs::synced() const {
  if (!services_->HasSynced() || !slices_->HasSynced() || !nodes_->HasSynced()) return false;
  for (const auto& i : config_informers_) {
    if (!i->HasSynced()) return false;
  }
  return true;
}

void KubeInputs::Changed(bool config) {
  if (config) config_dirty_ = true;
  if (scheduled_.exchange(true)) return;
  loop_->Post([this] {
    loop_->RunAfter(std::chrono::microseconds(absl::ToInt64Microseconds(options_.debounce)),
                    [this] { Fire(); });
  });
}

void KubeInputs::Fire() {
  if (!synced()) {  // a half-synced view would move VIPs for nothing: wait for all of it
    loop_->RunAfter(std::chrono::microseconds(absl::ToInt64Microseconds(options_.debounce)),
                    [this] { Fire(); });
    return;
  }
  scheduled_ = false;
  on_change_();
}

std::shared_ptr<const config::LoadResult> KubeInputs::config() {
  if (!options_.read_config) return nullptr;  // the configuration comes from elsewhere
  if (config_dirty_.exchange(false)) {
    KubeObjects objects;
    for (const auto& i : config_informers_) {
      for (auto& o : Objects(*i)) objects.config.push_back(std::move(o));
    }
    config::LoadResult result = ReadKubeConfig(objects);
    const bool had = config_store_.current() != nullptr;
    const size_t errors = config::CountErrors(result.diagnostics);
    const bool applied = config_store_.Offer(std::move(result));
    if (config_metrics_) config_metrics_->Record(config_store_, applied, errors);
    if (applied) {
      IRONLB_LOG(kInfo, "configuration loaded from the API")
          .With("generation", config_store_.generation());
    } else {
      for (const config::Diagnostic& d : config_store_.last_errors()) {
        IRONLB_LOG(kError, "configuration refused; the previous one stays in force")
            .With("error", d.ToString())
            .With("had_previous", had)
            .With("action", "fix the object named (kubectl -n ironlb-system edit ...)");
      }
    }
  }
  return config_store_.current();
}

KubeSnapshot KubeInputs::Snapshot() {
  auto current = config();
  static const config::Config kEmpty;
  return SnapshotWith(current ? current->config : kEmpty);
}

KubeSnapshot KubeInputs::SnapshotWith(const config::Config& config) {
  KubeObjects objects;
  objects.services = Objects(*services_);
  objects.endpoint_slices = Objects(*slices_);
  objects.nodes = Objects(*nodes_);
  return AssembleSnapshot(objects, config, options_.lb_class);
}

std::vector<std::string> KubeInputs::ConfigProblems() const {
  std::vector<std::string> out;
  for (const config::Diagnostic& d : config_store_.last_errors()) out.push_back(d.ToString());
  return out;
}

}  // namespace ironlb::speaker
