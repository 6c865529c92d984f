#include "config/decode_backends.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/decode_specs.h"

namespace ironlb::config {
namespace {

std::optional<uint32_t> ReadMillis(const Json& obj, const FieldPath& path, absl::string_view key,
                                   uint32_t min_ms, uint32_t max_ms, FieldContext& ctx) {
  auto text = ReadString(obj, path, key, ctx);
  if (!text) return std::nullopt;
  absl::Duration d;
  if (!absl::ParseDuration(*text, &d)) {
    ctx.Error(path.Key(key), absl::StrCat("\"", *text, "\" is not a duration (like 200ms or 1s)"));
    return std::nullopt;
  }
  const int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms < min_ms || ms > max_ms) {
    ctx.Error(path.Key(key), absl::StrCat(*text, " is outside ", min_ms, "ms..", max_ms, "ms"));
    return std::nullopt;
  }
  return static_cast<uint32_t>(ms);
}

// A request path as it goes on the request line: starts with '/', printable ASCII, no spaces.
bool GoodPath(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  for (unsigned char c : p) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// `local`: an L2Advertisement's localCheck (it also has `address`).
void DecodeHealthCheck(const Json& hc, const FieldPath& p, HealthCheck& out, FieldContext& ctx,
                       bool local = false) {
  if (local) {
    WarnUnknownFields(hc, p,
                      {"type", "address", "port", "path", "host", "expectStatus", "send", "expect",
                       "interval", "timeout", "rise", "fall"},
                      ctx);
  } else {
    WarnUnknownFields(hc, p,
                      {"type", "port", "path", "host", "expectStatus", "send", "expect", "interval",
                       "timeout", "rise", "fall"},
                      ctx);
  }
  if (auto type = ReadString(hc, p, "type", ctx)) {
    if (*type == "TCP") {
      out.type = HealthCheckType::kTCP;
    } else if (*type == "HTTP") {
      out.type = HealthCheckType::kHTTP;
    } else if (*type == "HTTPS") {
      out.type = HealthCheckType::kHTTPS;
    } else if (*type == "UDP") {
      out.type = HealthCheckType::kUDP;
    } else if (*type == "None") {
      out.type = HealthCheckType::kNone;
    } else {
      ctx.Error(p.Key("type"),
                absl::StrCat("\"", *type, "\" is not one of TCP, HTTP, HTTPS, UDP, None"));
    }
  }
  out.port = static_cast<uint16_t>(ReadInt(hc, p, "port", 1, 65535, ctx).value_or(0));
  const bool http = out.type == HealthCheckType::kHTTP || out.type == HealthCheckType::kHTTPS;
  if (auto path = ReadString(hc, p, "path", ctx)) {
    if (!http) {
      ctx.Error(p.Key("path"), "only HTTP and HTTPS checks have a path");
    } else if (absl::StrContains(*path, "://")) {
      ctx.Error(p.Key("path"),
                absl::StrCat("\"", *path,
                             "\" is a URL; give only the path (like /healthz): the check goes "
                             "to each backend's own address"));
    } else if (!GoodPath(*path)) {
      ctx.Error(p.Key("path"), absl::StrCat("\"", *path,
                                            "\" is not a request path: it must start with / "
                                            "and have no spaces or control characters"));
    } else {
      out.path = *path;
    }
  }
  if (auto host = ReadString(hc, p, "host", ctx)) {
    if (host->empty() || host->find_first_of(" \r\n\t/") != std::string::npos) {
      ctx.Error(p.Key("host"), absl::StrCat("\"", *host, "\" is not a host name"));
    } else {
      out.host = *host;
    }
  }
  if (auto s = ReadInt(hc, p, "expectStatus", 100, 599, ctx)) {
    if (!http) ctx.Error(p.Key("expectStatus"), "only HTTP and HTTPS checks have a status");
    out.expect_status = static_cast<uint32_t>(*s);
  }
  for (const char* key : {"send", "expect"}) {
    if (auto v = ReadString(hc, p, key, ctx)) {
      if (out.type != HealthCheckType::kUDP) {
        ctx.Error(p.Key(key), absl::StrCat("only UDP checks have ", key));
      } else if (v->size() > 1024) {
        ctx.Error(p.Key(key), "longer than 1024 bytes");
      } else {
        (std::string(key) == "send" ? out.send : out.expect) = *v;
      }
    }
  }
  if (out.type == HealthCheckType::kUDP && !out.expect.empty() && out.send.empty()) {
    ctx.Error(p.Key("send"), "a UDP check that expects a reply must send something");
  }
  const auto interval = ReadMillis(hc, p, "interval", 10, 3600000, ctx);
  const auto timeout = ReadMillis(hc, p, "timeout", 1, 3600000, ctx);
  if (interval) out.interval_ms = *interval;
  if (timeout) out.timeout_ms = *timeout;
  if (out.timeout_ms > out.interval_ms) {
    ctx.Error(p.Key(timeout ? "timeout" : "interval"),
              absl::StrCat("timeout ", out.timeout_ms, "ms is longer than interval ",
                           out.interval_ms, "ms: a check must end before the next one starts"));
  }
  if (auto v = ReadInt(hc, p, "rise", 1, 100, ctx)) out.rise = static_cast<uint32_t>(*v);
  if (auto v = ReadInt(hc, p, "fall", 1, 100, ctx)) out.fall = static_cast<uint32_t>(*v);
}

}  // namespace

void DecodeLocalCheck(const Json& spec, const FieldPath& path, std::optional<LocalCheck>& out,
                      FieldContext& ctx) {
  const Json* hc = ReadObject(spec, path, "localCheck", ctx);
  if (hc == nullptr) return;
  const FieldPath p = path.Key("localCheck");
  LocalCheck c;
  c.address = *IpAddress::Parse("127.0.0.1");
  DecodeHealthCheck(*hc, p, c.check, ctx, /*local=*/true);
  if (c.check.type == HealthCheckType::kNone) {
    ctx.Error(p.Key("type"),
              "None would make every node pass; leave localCheck out to have no check");
  }
  if (c.check.port == 0 && hc->find("port") == hc->end()) {
    ctx.Error(p.Key("port"), "required: the local port to check (e.g. 6443 for kube-apiserver)");
  }
  if (auto a = ReadAddress(*hc, p, "address", ctx)) c.address = *a;
  out = std::move(c);
}

std::string DescribeLocalCheck(const LocalCheck& c) {
  const bool http =
      c.check.type == HealthCheckType::kHTTP || c.check.type == HealthCheckType::kHTTPS;
  const std::string host =
      c.address.is_v6() ? absl::StrCat("[", c.address.ToString(), "]") : c.address.ToString();
  return absl::StrCat(HealthCheckTypeName(c.check.type), " ", host, ":", c.check.port,
                      http ? c.check.path : "");
}

const char* HealthCheckTypeName(HealthCheckType t) {
  switch (t) {
    case HealthCheckType::kTCP:
      return "TCP";
    case HealthCheckType::kHTTP:
      return "HTTP";
    case HealthCheckType::kHTTPS:
      return "HTTPS";
    case HealthCheckType::kUDP:
      return "UDP";
    case HealthCheckType::kNone:
      return "None";
  }
  return "?";
}

void DecodeTargetBackends(const Json& t, const FieldPath& p, ForwardTarget& ft, FieldContext& ctx) {
  const Json* backends = ReadArray(t, p, "backends", ctx);
  const bool has_backends = t.contains("backends");
  for (const char* key : {"sessionAffinity", "whenAllDown", "healthCheck"}) {
    if (t.contains(key) && !has_backends) {
      ctx.Error(p.Key(key), "only targets with backends have this");
    }
  }
  if (!has_backends) return;
  if (t.contains("address")) {
    ctx.Error(p.Key("address"), "set either address (one target) or backends, not both");
  }
  if (backends == nullptr) return;
  const FieldPath bp = p.Key("backends");
  if (backends->empty()) {
    ctx.Error(bp, "needs at least one backend");
    return;
  }
  for (size_t i = 0; i < backends->size(); ++i) {
    const Json& b = (*backends)[i];
    const FieldPath ip = bp.Index(i);
    if (!b.is_object()) {
      ctx.Error(ip, "a backend must be an object with address, port, weight, draining");
      continue;
    }
    WarnUnknownFields(b, ip, {"address", "port", "weight", "draining"}, ctx);
    ForwardBackend fb;
    auto text = ReadString(b, ip, "address", ctx);
    if (!text) {
      if (!b.contains("address")) ctx.Error(ip.Key("address"), "required: the backend's address");
      continue;
    }
    auto a = IpAddress::Parse(*text);
    if (!a.ok()) {
      ctx.Error(ip.Key("address"), std::string(a.status().message()));
      continue;
    }
    fb.address = *a;
    fb.port = static_cast<uint16_t>(ReadInt(b, ip, "port", 1, 65535, ctx).value_or(ft.target_port));
    fb.weight = static_cast<uint32_t>(ReadInt(b, ip, "weight", 1, 256, ctx).value_or(1));
    fb.draining = ReadBool(b, ip, "draining", ctx).value_or(false);
    for (size_t j = 0; j < ft.backends.size(); ++j) {
      if (ft.backends[j].address == fb.address && ft.backends[j].port == fb.port) {
        ctx.Error(
            ip, absl::StrCat(fb.address.ToString(), " port ", fb.port, " is already backend ", j));
      }
    }
    if (!ft.backends.empty() && ft.backends[0].address.family() != fb.address.family()) {
      ctx.Error(ip.Key("address"),
                absl::StrCat(fb.address.ToString(), " is ", IpFamilyName(fb.address.family()),
                             " but backend 0 is ", IpFamilyName(ft.backends[0].address.family()),
                             "; one target's backends are all of one family"));
      continue;
    }
    ft.backends.push_back(fb);
  }
  if (!ft.backends.empty()) ft.address = ft.backends[0].address;
  if (auto aff = ReadString(t, p, "sessionAffinity", ctx)) {
    if (*aff == "ClientIP") {
      ft.source_affinity = true;
    } else if (*aff != "None") {
      ctx.Error(p.Key("sessionAffinity"), absl::StrCat("\"", *aff, "\" is not None or ClientIP"));
    }
  }
  if (auto down = ReadString(t, p, "whenAllDown", ctx)) {
    if (*down == "Reject") {
      ft.when_all_down = WhenAllDown::kReject;
    } else if (*down != "Drop") {
      ctx.Error(p.Key("whenAllDown"), absl::StrCat("\"", *down, "\" is not Drop or Reject"));
    }
  }
  ft.health_check = HealthCheck{};
  if (const Json* hc = ReadObject(t, p, "healthCheck", ctx)) {
    DecodeHealthCheck(*hc, p.Key("healthCheck"), *ft.health_check, ctx);
  }
}

}  // namespace ironlb::config
