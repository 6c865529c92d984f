// The controller's view of the cluster: informers on Services, Namespaces (their labels drive
// pools' namespaceSelectors) and ironlb's configuration kinds in the controller's namespace.
// Every change marks a key in the DirtyQueue for the controller's worker:
//   "svc/<namespace>/<name>", "ns/<name>", "config".
// The informers run on standby replicas too, so a takeover starts from a warm cache.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controller/dirty_queue.h"
#include "kube/client.h"
#include "kube/informer.h"

namespace ironlb::controller {

inline constexpr char kConfigKey[] = "config";
inline constexpr char kServicePrefix[] = "svc/";
inline constexpr char kNamespacePrefix[] = "ns/";

class ClusterCache {
 public:
  struct Options {
    std::string config_namespace;  // where the ironlb.io objects are read
    // Where MetalLB's objects (metallb.io) are read, as they are; "" reads none. Their CRDs
    // need not be installed: a kind the API does not serve counts as empty.
    std::string metallb_namespace;
    // MetalLB <= 0.12's ConfigMap of that name in metallb_namespace; "" reads none.
    std::string metallb_config_map;
    absl::Duration watch_timeout = absl::Minutes(5);
  };

  // `client` and `queue` must outlive the cache.
  ClusterCache(kube::Client* client, DirtyQueue* queue, Options options);
  ~ClusterCache();

  void Start();
  void Stop();
  bool Synced() const;
  bool WaitForSync(absl::Duration timeout);

  const kube::Store& services() const { return services_->store(); }
  const kube::Store& namespaces() const { return namespaces_->store(); }
  // Every ironlb.io object, of all kinds.
  std::vector<kube::ObjectPtr> ConfigObjects() const;
  // The last known version of a deleted Service ("namespace/name"), once; nullptr if none.
  kube::ObjectPtr TakeDeleted(const std::string& key);
  void ForgetDeleted();
  // Failed lists/watches so far, over all informers.
  int64_t WatchFailures() const;

 private:
  kube::InformerHandlers MarkingHandlers(const std::string& prefix, bool services);

  DirtyQueue* queue_;
  std::unique_ptr<kube::Informer> services_;
  std::unique_ptr<kube::Informer> namespaces_;
  std::vector<std::unique_ptr<kube::Informer>> config_;
  std::mutex mu_;
  std::map<std::string, kube::ObjectPtr> deleted_;
};

}  // namespace ironlb::controller
