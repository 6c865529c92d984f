// YAML -> config and JSON -> config must never crash, leak or hang, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.h"
#include "nlohmann/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    ironlb::config::ConfigReader reader;
    reader.AddYaml(text, "fuzz.yaml");
    const auto result = std::move(reader).Finish();
    for (const auto& d : result.diagnostics) (void)d.ToString();
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    ironlb::config::ConfigReader reader;
    reader.AddJson(j);
    const auto result = std::move(reader).Finish();
    for (const auto& d : result.diagnostics) (void)d.ToString();
  }
  return 0;
}
