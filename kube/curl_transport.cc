#include "kube/curl_transport.h"

#include <curl/curl.h>
#include <signal.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ironlb::kube {
namespace {

constexpr size_t kMaxIdleHandles = 8;
constexpr int64_t kMaxConnectMs = 10'000;
constexpr size_t kMaxResponseBytes = 256 << 20;

std::once_flag curl_init_once;

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
};

curl_blob Blob(const std::string& s) {
  return curl_blob{const_cast<char*>(s.data()), s.size(), CURL_BLOB_NOCOPY};
}

}  // namespace

// Per-call state the libcurl callbacks see.
struct CurlTransport::Call {
  CURL* curl = nullptr;
  HttpResponse response;
  const std::function<bool(absl::string_view)>* on_data = nullptr;
  const std::function<bool()>* cancelled = nullptr;
  bool aborted_by_us = false;
  bool too_big = false;

  static size_t Write(char* data, size_t size, size_t n, void* user) {
    auto* call = static_cast<Call*>(user);
    const size_t bytes = size * n;
    long code = 0;
    curl_easy_getinfo(call->curl, CURLINFO_RESPONSE_CODE, &code);
    if (call->on_data != nullptr && code >= 200 && code < 300) {
      if (!(*call->on_data)(absl::string_view(data, bytes))) {
        call->aborted_by_us = true;
        return 0;
      }
      return bytes;
    }
    if (call->response.body.size() + bytes > kMaxResponseBytes) {
      call->too_big = true;
      return 0;
    }
    call->response.body.append(data, bytes);
    return bytes;
  }

  static int Progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* call = static_cast<Call*>(user);
    if (call->cancelled != nullptr && *call->cancelled && (*call->cancelled)()) {
      call->aborted_by_us = true;
      return 1;
    }
    return 0;
  }
};

CurlTransport::CurlTransport(const ClientConfig& config)
    : config_(config),
      token_(config.token_file.empty() ? BearerToken::Fixed(config.token)
                                       : BearerToken::FromFile(config.token_file)) {}

absl::StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::Create(const ClientConfig& config) {
  if (config.server.empty()) return absl::InvalidArgumentError("kube client: no server");
  std::call_once(curl_init_once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    // With CURLOPT_NOSIGNAL (needed in threads) OpenSSL's write to a peer that hung up raises
    // SIGPIPE, whose default action kills the daemon; a failed request is the right outcome.
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
  auto transport = std::unique_ptr<CurlTransport>(new CurlTransport(config));
  // A missing token file is a configuration error worth reporting at start-up.
  IRONLB_RETURN_IF_ERROR(transport->token_.Get().status());
  return transport;
}

CurlTransport::~CurlTransport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlTransport::TakeHandle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      curl_easy_reset(static_cast<CURL*>(h));
      return h;
    }
  }
  return curl_easy_init();
}

void CurlTransport::ReturnHandle(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

absl::StatusOr<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  Call call;
  return Perform(request, &call, /*streaming=*/false);
}

absl::StatusOr<HttpResponse> CurlTransport::Stream(
    const HttpRequest& request, const std::function<bool(absl::string_view)>& on_data,
    const std::function<bool()>& cancelled) {
  Call call;
  call.on_data = &on_data;
  call.cancelled = &cancelled;
  return Perform(request, &call, /*streaming=*/true);
}

absl::StatusOr<HttpResponse> CurlTransport::Perform(const HttpRequest& request, Call* call,
                                                    bool streaming) {
  const std::string what = absl::StrCat(request.method, " ", request.path);
  IRONLB_ASSIGN_OR_RETURN(std::string token, token_.Get());
  CURL* curl = static_cast<CURL*>(TakeHandle());
  if (curl == nullptr) return absl::ResourceExhaustedError(absl::StrCat(what, ": curl init"));
  call->curl = curl;
  const std::string url = config_.server + request.path;
  char error[CURL_ERROR_SIZE] = {};
  HeaderList headers;
  headers.Add("Accept: application/json");
  if (!request.content_type.empty()) headers.Add("Content-Type: " + request.content_type);
  if (!token.empty()) headers.Add("Authorization: Bearer " + token);
  headers.Add("Expect:");  // no 100-continue round trip for bodies

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ironlb/" IRONLB_VERSION);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  const int64_t timeout_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(request.timeout));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(timeout_ms, kMaxConnectMs)));
  if (streaming) {
    // A watch lives long; what is bounded is silence (the server sends bookmarks).
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max<int64_t>(1, timeout_ms / 1000)));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);  // notice a dead peer under a quiet watch
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 10L);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Call::Progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, call);
  } else {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Call::Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, call);

  // TLS.
  curl_blob ca = Blob(config_.ca_pem), cert = Blob(config_.client_cert_pem),
            key = Blob(config_.client_key_pem);
  if (!config_.ca_pem.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
  if (!config_.client_cert_pem.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  const bool aborted = call->aborted_by_us;
  const bool too_big = call->too_big;
  // A handle whose transfer failed may hold a broken connection; do not pool it.
  if (rc == CURLE_OK) {
    ReturnHandle(curl);
  } else {
    curl_easy_cleanup(curl);
  }
  if (rc != CURLE_OK) {
    if (aborted) return absl::CancelledError(absl::StrCat(what, ": stopped"));
    if (too_big) {
      return absl::ResourceExhaustedError(
          absl::StrCat(what, ": response larger than ", kMaxResponseBytes, " bytes"));
    }
    const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(absl::StrCat(what, ": ", detail));
    }
    return absl::UnavailableError(absl::StrCat(what, ": ", detail));
  }
  call->response.status = static_cast<int>(code);
  return std::move(call->response);
}

}  // namespace ironlb::kube
