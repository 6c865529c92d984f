#include "controller/lb_controller.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ip_list.h"
#include "common/log.h"
#include "controller/ip_usage.h"
#include "controller/service_decoder.h"
#include "controller/service_status.h"

namespace ironlb::controller {
namespace {

using nlohmann::json;
using Type = kube::EventRecorder::Type;

std::string Join(const std::vector<IpAddress>& ips) { return JoinIps(ips, ", "); }

std::vector<IpAddress> Minus(const std::vector<IpAddress>& a, const std::vector<IpAddress>& b) {
  std::vector<IpAddress> out;
  for (const IpAddress& ip : a) {
    if (std::find(b.begin(), b.end(), ip) == b.end()) out.push_back(ip);
  }
  return out;
}

// Whether the engine would see no difference: everything but the status, ports normalized as
// the engine keeps them.
bool SameForEngine(const Service& service, const Service& known) {
  Service fresh = WithNormalizedPorts(service);
  fresh.current = known.current;
  return fresh == known;
}

std::optional<Service> Decode(const json& object) {
  config::Document doc;
  doc.object = object;
  std::vector<config::Diagnostic> problems;
  std::optional<Service> s = DecodeService(doc, &problems);
  if (!s) {
    std::string what;
    for (const config::Diagnostic& d : problems) {
      if (d.is_error()) absl::StrAppend(&what, what.empty() ? "" : "; ", d.ToString());
    }
    IRONLB_LOG(kWarn, "cannot read a Service; it keeps what it has")
        .With("service", kube::ObjectKey(object))
        .With("problems", what);
  }
  return s;
}

Labels LabelsOf(const json& object) {
  Labels out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return out;
  for (const auto& [k, v] : labels->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

}  // namespace

LoadBalancerController::LoadBalancerController(kube::Client* client, ClusterCache* cache,
                                               DirtyQueue* queue, kube::EventRecorder* recorder,
                                               ControllerMetrics* metrics,
                                               ControllerOptions options)
    : cache_(cache),
      queue_(queue),
      metrics_(metrics),
      options_(std::move(options)),
      reporter_(client, recorder) {
  StatusWriter::Hooks hooks;
  hooks.lookup = [cache](const std::string& key) { return cache->services().Get(key); };
  hooks.on_failure = [this](const std::string& key, const absl::Status&) {
    queue_->MarkAfter(absl::StrCat(kServicePrefix, key), options_.retry_delay);
  };
  hooks.on_api_error = [metrics](absl::string_view operation) { metrics->ApiError(operation); };
  writer_ =
      std::make_unique<StatusWriter>(client, recorder, std::move(hooks), options_.writer_threads);
}

LoadBalancerController::~LoadBalancerController() { Stop(); }

void LoadBalancerController::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void LoadBalancerController::Stop() {
  stopping_ = true;
  queue_->Wake();
  if (thread_.joinable()) thread_.join();
}

void LoadBalancerController::SetLeading(bool leading) {
  ++term_;
  leading_ = leading;
  if (!leading) writer_->Drop();
  metrics_->SetLeader(leading);
  queue_->Wake();
}

absl::Status LoadBalancerController::Ready() const {
  if (!cache_->Synced()) {
    return absl::UnavailableError(
        "waiting for the first list of Services, Namespaces and ironlb configuration from the "
        "Kubernetes API server");
  }
  if (leading_ && !bootstrapped_) {
    return absl::UnavailableError(
        "leading, but there is no valid ironlb configuration yet: see the Events and the "
        "Accepted condition of the AddressPool objects");
  }
  return absl::OkStatus();
}

void LoadBalancerController::Run() {
  uint64_t term = 0;
  bool booted = false;
  while (!stopping_) {
    if (!leading_) {
      // A standby: the informers keep the cache; nothing to decide. Bootstrap reads it all.
      bootstrapped_ = false;
      booted = false;
      queue_->Take(absl::Seconds(1));
      continue;
    }
    if (!booted || term != term_) {
      term = term_;
      booted = Bootstrap(term);
      bootstrapped_ = booted;
      if (!booted && !stopping_) queue_->Take(absl::Seconds(1));
      continue;
    }
    std::vector<std::string> keys = queue_->Take(absl::Seconds(1));
    if (keys.empty() || !Leading(term)) continue;
    const absl::Time started = absl::Now();
    HandleBatch(keys);
    metrics_->ObserveReconcile(absl::ToDoubleSeconds(absl::Now() - started));
  }
}

bool LoadBalancerController::Bootstrap(uint64_t term) {
  while (!cache_->WaitForSync(absl::Seconds(1))) {
    if (!Leading(term) || stopping_) return false;
  }
  const absl::Time started = absl::Now();
  // Everything is read below, so what was marked so far is covered.
  queue_->Clear();
  cache_->ForgetDeleted();
  allocator_ = std::make_unique<Allocator>(options_.load_balancer_class);
  shown_.clear();
  assigned_ = pending_ = 0;
  fingerprint_.clear();
  have_config_ = false;
  if (!ApplyConfig()) return false;
  for (const kube::ObjectPtr& ns : cache_->namespaces().List()) {
    allocator_->SetNamespaceLabels(kube::NameOf(*ns), LabelsOf(*ns));
  }
  config_namespace_missing_ = false;
  CheckConfigNamespace();
  std::vector<kube::ObjectPtr> objects = cache_->services().List();
  std::vector<Service> services;
  services.reserve(objects.size());
  for (const kube::ObjectPtr& o : objects) {
    std::optional<Service> s = Decode(*o);
    if (s) services.push_back(*std::move(s));
    // What ironlb showed before (this process or another): the baseline for Events.
    if (std::optional<std::string> pool = AllocatedFromPool(*o)) {
      Allocation had{.status = AllocationStatus::kAssigned, .pool = *pool};
      for (const std::string& text : IngressAddresses(*o)) {
        if (auto ip = IpAddress::Parse(text); ip.ok()) had.addresses.push_back(*ip);
      }
      if (!had.addresses.empty()) Remember(kube::ObjectKey(*o), &had);
    }
  }
  // Every Service at once: the addresses they show are kept before anything new is placed.
  allocator_->UpsertAll(services);
  allocator_->TakeChanged();
  for (const kube::ObjectPtr& o : objects) Show(kube::ObjectKey(*o));
  UpdateGauges();
  IRONLB_LOG(kInfo, "leading: every Service decided")
      .With("services", services.size())
      .With("assigned", assigned_)
      .With("pending", pending_)
      .With("ms", absl::ToInt64Milliseconds(absl::Now() - started));
  return Leading(term);
}

void LoadBalancerController::HandleBatch(const std::vector<std::string>& keys) {
  std::vector<std::string> services;
  for (const std::string& key : keys) {
    if (key == kConfigKey) {
      ApplyConfig();
    } else if (absl::StartsWith(key, kNamespacePrefix)) {
      ApplyNamespace(key.substr(strlen(kNamespacePrefix)));
      CheckConfigNamespace();
    } else if (absl::StartsWith(key, kServicePrefix)) {
      services.push_back(key.substr(strlen(kServicePrefix)));
    }
  }
  for (const std::string& key : services) ApplyService(key);
  std::set<std::string> to_show(services.begin(), services.end());
  for (std::string& key : allocator_->TakeChanged()) to_show.insert(std::move(key));
  for (const std::string& key : to_show) Show(key);
  UpdateGauges();
}

bool LoadBalancerController::ApplyConfig() {
  const std::vector<kube::ObjectPtr> objects = cache_->ConfigObjects();
  std::vector<json> raw;
  raw.reserve(objects.size());
  for (const kube::ObjectPtr& o : objects) raw.push_back(*o);
  ConfigAssembly assembly = assembler_.Assemble(raw);
  metrics_->SetRejectedObjects(assembly.rejected.size());
  size_t errors = 0;
  for (const config::Diagnostic& d : assembly.other) errors += d.is_error() ? 1 : 0;
  metrics_->SetConfigOutcome(assembly.config && assembly.rejected.empty() && errors == 0,
                             errors + assembly.rejected.size());
  const int failures = reporter_.Report(objects, assembly);
  for (int i = 0; i < failures; ++i) metrics_->ApiError("config_status");
  if (!assembly.config) {
    std::string why;
    for (const config::Diagnostic& d : assembly.other) {
      if (d.is_error()) absl::StrAppend(&why, why.empty() ? "" : "; ", d.ToString());
    }
    IRONLB_LOG(kWarn, have_config_ ? "configuration rejected; the previous one stays in force"
                                   : "no valid configuration; no Service is decided until there is")
        .With("errors", why);
    return have_config_;
  }
  if (assembly.fingerprint != fingerprint_) {
    for (const config::Diagnostic& d : assembly.other) {
      IRONLB_LOG(kWarn, "configuration").With("problem", d.ToString());
    }
    allocator_->SetConfig(*assembly.config);
    fingerprint_ = assembly.fingerprint;
    metrics_->ConfigApplied();
    IRONLB_LOG(kInfo, "configuration in force")
        .With("pools", assembly.config->pools.size())
        .With("rejected_objects", assembly.rejected.size());
  }
  have_config_ = true;
  return true;
}

void LoadBalancerController::CheckConfigNamespace() {
  const std::string& ns = options_.config_namespace;
  // No namespace listed at all: the API did not let us see them; say nothing rather than guess.
  const bool missing = !ns.empty() && cache_->namespaces().Get(ns) == nullptr &&
                       !cache_->namespaces().List().empty();
  if (missing == config_namespace_missing_) return;
  config_namespace_missing_ = missing;
  if (missing) {
    IRONLB_LOG(kWarn,
               "the namespace ironlb's configuration is read from does not exist: no "
               "AddressPool or other ironlb.io object can be read; check --namespace (the "
               "pod's namespace) and where the objects were applied")
        .With("namespace", ns);
  } else {
    IRONLB_LOG(kInfo, "the configuration namespace exists now").With("namespace", ns);
  }
}

void LoadBalancerController::ApplyNamespace(const std::string& name) {
  kube::ObjectPtr ns = cache_->namespaces().Get(name);
  allocator_->SetNamespaceLabels(name, ns != nullptr ? LabelsOf(*ns) : Labels{});
}

void LoadBalancerController::ApplyService(const std::string& key) {
  kube::ObjectPtr object = cache_->services().Get(key);
  if (object == nullptr) {
    allocator_->Delete(key);
    return;
  }
  std::optional<Service> service = Decode(*object);
  if (!service) return;
  const Service* known = allocator_->FindService(key);
  if (known != nullptr && SameForEngine(*service, *known)) return;
  allocator_->Upsert(*service);
}

void LoadBalancerController::Show(const std::string& key) {
  const Allocation* now = allocator_->Find(key);
  auto it = shown_.find(key);
  const Allocation* before = it == shown_.end() ? nullptr : &it->second;
  const std::vector<IpAddress> had =
      before != nullptr ? before->addresses : std::vector<IpAddress>{};
  std::vector<ServiceEvent> events;
  auto released = [&](const std::vector<IpAddress>& lost, const std::string& why) {
    if (lost.empty()) return;
    events.push_back({Type::kNormal, "IPReleased",
                      absl::StrCat("Released ", Join(lost), why.empty() ? "" : ": ", why)});
  };

  if (now == nullptr) {  // deleted
    kube::ObjectPtr last = cache_->TakeDeleted(key);
    released(had, "the Service was deleted");
    Remember(key, nullptr);
    if (!events.empty() && last != nullptr) {
      writer_->Submit({.key = key, .write = false, .last_known = last, .events = events});
    }
    return;
  }
  switch (now->status) {
    case AllocationStatus::kAssigned:
      if (before == nullptr || before->status != AllocationStatus::kAssigned ||
          before->addresses != now->addresses) {
        released(Minus(had, now->addresses),
                 now->release_reason.empty() ? "replaced" : now->release_reason);
        const std::vector<std::string> shared = allocator_->SharedWith(key);
        events.push_back(
            {Type::kNormal, "IPAllocated",
             absl::StrCat("Assigned IP ", Join(now->addresses), " from pool ", now->pool,
                          shared.empty()
                              ? ""
                              : absl::StrCat(" (shared with ", absl::StrJoin(shared, ", "), ")"))});
      }
      break;
    case AllocationStatus::kPending:
      if (before == nullptr || before->status != AllocationStatus::kPending ||
          before->reason != now->reason) {
        released(had, now->release_reason);
        events.push_back(
            {Type::kWarning, "AllocationFailed",
             absl::StrCat("No IP assigned: ", now->reason,
                          config_namespace_missing_
                              ? absl::StrCat(" (the namespace ", options_.config_namespace,
                                             " where ironlb's configuration is read does not "
                                             "exist: check --namespace)")
                              : "")});
        metrics_->AllocationError();
      }
      break;
    case AllocationStatus::kIgnored:
      released(had, now->reason);
      break;
  }
  Remember(key, now->status == AllocationStatus::kIgnored ? nullptr : now);
  kube::ObjectPtr cached = cache_->services().Get(key);
  if (cached == nullptr) return;  // deleted since: the next batch handles it
  if (events.empty() && ChangeFor(*cached, *now).empty()) return;
  // No object in the task: the writer reads the latest one when it runs, and thousands of
  // queued tasks do not pin thousands of outdated copies.
  writer_->Submit({.key = key, .write = true, .allocation = *now, .events = events});
}

void LoadBalancerController::Remember(const std::string& key, const Allocation* allocation) {
  auto count = [this](AllocationStatus s, int64_t delta) {
    if (s == AllocationStatus::kAssigned) assigned_ += delta;
    if (s == AllocationStatus::kPending) pending_ += delta;
  };
  auto it = shown_.find(key);
  if (it != shown_.end()) {
    count(it->second.status, -1);
    if (allocation == nullptr) {
      shown_.erase(it);
      return;
    }
  }
  if (allocation == nullptr) return;
  Allocation& slot = shown_[key];
  slot.status = allocation->status;
  slot.addresses = allocation->addresses;
  slot.pool = allocation->pool;
  slot.reason = allocation->reason;
  count(slot.status, +1);
}

void LoadBalancerController::UpdateGauges() {
  metrics_->SetServices(assigned_, pending_);
  metrics_->SetPools(allocator_->Stats());
}

}  // namespace ironlb::controller
