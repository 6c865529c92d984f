// Kubeconfig files come from users: parsing one must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/client_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Relative certificate paths resolve against a directory that does not exist, so the fuzzer
  // never reads real files.
  (void)ironlb::kube::ParseKubeconfig(text, "/nonexistent-ironlb-fuzz/config", "");
  (void)ironlb::kube::ParseKubeconfig(text, "/nonexistent-ironlb-fuzz/config", "c");
  return 0;
}
