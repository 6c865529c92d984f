// The real Transport: libcurl with TLS from the ClientConfig (CA, client certificate, bearer
// token). Idle easy handles are pooled so connections (and TLS sessions) are reused. The first
// Create() sets SIGPIPE to ignored if it still has its default (process-killing) action.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kube/bearer_token.h"
#include "kube/client_config.h"
#include "kube/transport.h"

namespace ironlb::kube {

class CurlTransport : public Transport {
 public:
  static absl::StatusOr<std::unique_ptr<CurlTransport>> Create(const ClientConfig& config);
  ~CurlTransport() override;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;
  absl::StatusOr<HttpResponse> Stream(const HttpRequest& request,
                                      const std::function<bool(absl::string_view)>& on_data,
                                      const std::function<bool()>& cancelled) override;

 private:
  struct Call;
  explicit CurlTransport(const ClientConfig& config);
  absl::StatusOr<HttpResponse> Perform(const HttpRequest& request, Call* call, bool streaming);
  void* TakeHandle();
  void ReturnHandle(void* handle);

  ClientConfig config_;
  BearerToken token_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles
};

}  // namespace ironlb::kube
