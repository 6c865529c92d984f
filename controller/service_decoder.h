// A v1 Service object (from a manifest or the API server) as the allocation engine sees it.
// Outside input: every problem is a diagnostic naming the field, and a Service with errors is
// not returned.
#pragma once

#include <optional>
#include <vector>

#include "config/diagnostic.h"
#include "config/yaml_documents.h"
#include "controller/service.h"

namespace ironlb::controller {

std::optional<Service> DecodeService(const config::Document& doc,
                                     std::vector<config::Diagnostic>* diagnostics);

}  // namespace ironlb::controller
