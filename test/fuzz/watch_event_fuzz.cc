// The watch stream parser (line reassembly + WatchEvent JSON) must never crash, leak or hang,
// whatever an API server or a man in the middle sends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kube/watch_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Feed it in pieces whose size comes from the first byte, as a chunked stream would.
  const size_t piece = size > 0 ? 1 + data[0] % 64 : 1;
  ironlb::kube::LineSplitter splitter(/*max_line_bytes=*/4096);
  std::vector<std::string> lines;
  for (size_t i = 0; i < text.size(); i += piece) {
    if (!splitter.Add(absl::string_view(text).substr(i, piece), &lines).ok()) break;
  }
  for (const std::string& line : lines) {
    auto event = ironlb::kube::ParseWatchEvent(line);
    if (event.ok()) {
      (void)ironlb::kube::ObjectKey(event->object);
      (void)ironlb::kube::WatchEventTypeName(event->type);
    }
  }
  (void)ironlb::kube::ParseWatchEvent(text);
  return 0;
}
