// MetalLB's legacy ConfigMap reader: any data.config text must never crash, leak or hang. And
// when it reads without errors, `ironlbctl convert`'s encoding of it reads back to the same
// configuration (the round trip convert promises).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/encode.h"
#include "config/loader.h"
#include "config/yaml_documents.h"
#include "nlohmann/json.hpp"

namespace {

ironlb::config::LoadResult Read(const nlohmann::json& object) {
  ironlb::config::ConfigReader reader;
  reader.AddJson(object);
  return std::move(reader).Finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json cm = {{"apiVersion", "v1"},
                             {"kind", "ConfigMap"},
                             {"metadata", {{"name", "config"}, {"namespace", "metallb-system"}}},
                             {"data", {{"config", text}}}};
  const ironlb::config::LoadResult r = Read(cm);
  for (const auto& d : r.diagnostics) (void)d.ToString();
  // The same ConfigMap as a YAML file (lines are counted into data.config).
  {
    ironlb::config::ConfigReader reader;
    reader.AddYaml(ironlb::config::ToYaml(cm), "cm.yaml");
    for (const auto& d : std::move(reader).Finish().diagnostics) (void)d.ToString();
  }
  if (!r.ok()) return 0;
  std::string converted;
  for (const auto& o : ironlb::config::EncodeConfig(r.config)) {
    converted += "---\n" + ironlb::config::ToYaml(o.object);
  }
  ironlb::config::ConfigReader again;
  again.AddYaml(converted, "converted.yaml");
  const ironlb::config::LoadResult back = std::move(again).Finish();
  if (!back.ok() || back.config.pools != r.config.pools ||
      back.config.l2_advertisements != r.config.l2_advertisements ||
      back.config.bgp_advertisements != r.config.bgp_advertisements ||
      back.config.bgp_peers != r.config.bgp_peers ||
      back.config.bfd_profiles != r.config.bfd_profiles) {
    __builtin_trap();  // convert would print something that means another configuration
  }
  return 0;
}
