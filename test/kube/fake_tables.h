// Server-side printing for the fake API server: the meta.k8s.io/v1 Table that `kubectl get`
// asks for (Accept: application/json;as=Table;v=v1;g=meta.k8s.io). Columns as the real server
// gives them for Services (Name, Type, Cluster-IP, External-IP, Port(s), Age, Selector) and for
// custom resources (Name, then the CRD's additionalPrinterColumns, Age when it has none);
// every other kind gets Name and Age (the real server has a printer per built-in kind: a
// known gap, its columns differ).
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube::testing {

struct TableSpec {
  std::string kind;
  bool builtin = true;
  nlohmann::json printer_columns = nlohmann::json::array();  // a CRD's
};

// True if the Accept header asks for a Table.
bool WantsTable(const std::string& accept);

// The Table of `objects` (full objects, with kind/apiVersion or not); rows carry the objects'
// metadata as PartialObjectMetadata (includeObject=Metadata, the default) or the whole object
// (includeObject=Object), or nothing (None). `headers` false leaves the column definitions out
// (watch events after the first, as the real server does).
nlohmann::json TableOf(const TableSpec& spec, const std::vector<nlohmann::json>& objects,
                       const std::string& resource_version, const std::string& include_object,
                       absl::Time now, bool headers = true);

// Kubernetes' short human duration ("5s", "3m12s", "4h", "2d3h", "40d").
std::string HumanDuration(absl::Duration d);

// A kubectl/CRD JSONPath (".spec.x", "[0]", "[*]", "[?(@.type==\"Ready\")]") evaluated on
// `object`: the values found.
std::vector<nlohmann::json> JsonPathValues(const nlohmann::json& object, const std::string& path);

}  // namespace ironlb::kube::testing
