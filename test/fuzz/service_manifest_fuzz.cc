// libFuzzer target: arbitrary bytes as a Service manifest (YAML and JSON), then whatever was
// read is planned against fixed pools, so the allocator also sees hostile Services.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "controller/manifest_reader.h"
#include "controller/plan.h"

namespace {

ironlb::config::Config FuzzPools() {
  ironlb::config::Config c;
  const char* specs[][2] = {{"lan", "192.0.2.250-192.0.3.5"}, {"v6", "2001:db8::/120"}};
  for (const auto& spec : specs) {
    ironlb::config::AddressPool p;
    p.meta.name = spec[0];
    p.ranges.push_back(*ironlb::IpRange::Parse(spec[1]));
    p.avoid_buggy_ips = true;
    c.pools.push_back(p);
  }
  c.pools[1].auto_assign = false;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ironlb::config::Config kPools = FuzzPools();
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* file : {"fuzz.yaml", "fuzz.json"}) {
    ironlb::controller::ManifestReader reader;
    reader.AddText(text, file);
    const ironlb::controller::ServiceManifests m = std::move(reader).Finish();
    for (const auto& d : m.diagnostics) {
      if (d.message.empty()) __builtin_trap();  // every problem must say what it is
    }
    ironlb::controller::Plan(kPools, m.namespaces, m.services);
  }
  return 0;
}
