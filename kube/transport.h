// The one seam between the Kubernetes client logic and the network: a request/response call
// and a streaming call for watches. CurlTransport is the real one; tests run the logic against
// the fake API server (test/kube/) through the real transport, or against their own Transport.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ironlb::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;          // "/api/v1/namespaces/default/services?limit=500", already escaped
  std::string content_type;  // for bodies: "application/json", "application/merge-patch+json"
  std::string body;
  absl::Duration timeout = absl::Seconds(30);  // whole request; for streams: idle time allowed
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends `request` and reads the whole response. A non-2xx status is a response, not an error;
  // errors are connection failures and timeouts (kUnavailable / kDeadlineExceeded).
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;

  // Sends `request` and hands the body of a 2xx response to `on_data` as it arrives, in
  // arbitrary pieces. Returns when the server ends the stream (OK, with the status code and, for
  // non-2xx, the body), when `on_data` returns false or `cancelled` returns true (kCancelled),
  // or on a connection failure or when nothing arrived for `request.timeout` (kUnavailable).
  virtual absl::StatusOr<HttpResponse> Stream(const HttpRequest& request,
                                              const std::function<bool(absl::string_view)>& on_data,
                                              const std::function<bool()>& cancelled) = 0;
};

}  // namespace ironlb::kube
