#include "kube/api_error.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {

absl::string_view ReasonPhrase(int code) {
  switch (code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

absl::Status StatusFromResponse(const HttpResponse& response, absl::string_view what) {
  const int code = response.status;
  std::string message;
  std::string reason;
  // The API answers errors with a meta/v1 Status object; proxies in between may not.
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.value("kind", "") == "Status") {
    if (body.contains("message") && body["message"].is_string()) message = body["message"];
    if (body.contains("reason") && body["reason"].is_string()) reason = body["reason"];
  } else if (!response.body.empty()) {
    message = response.body.substr(0, 200);
  }
  std::string text = absl::StrCat(what, ": HTTP ", code);
  if (const absl::string_view phrase = ReasonPhrase(code); !phrase.empty()) {
    absl::StrAppend(&text, " ", phrase);
  }
  if (!message.empty()) absl::StrAppend(&text, ": ", message);

  absl::StatusCode status_code;
  switch (code) {
    case 400:
    case 422:
      status_code = absl::StatusCode::kInvalidArgument;
      break;
    case 401:
      status_code = absl::StatusCode::kUnauthenticated;
      break;
    case 403:
      status_code = absl::StatusCode::kPermissionDenied;
      break;
    case 404:
      status_code = absl::StatusCode::kNotFound;
      break;
    case 409:
      status_code =
          reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists : absl::StatusCode::kAborted;
      break;
    case 410:
      status_code = absl::StatusCode::kOutOfRange;
      break;
    case 429:
      status_code = absl::StatusCode::kResourceExhausted;
      break;
    case 504:
      status_code = absl::StatusCode::kDeadlineExceeded;
      break;
    default:
      status_code = code >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
  return absl::Status(status_code, text);
}

}  // namespace ironlb::kube
