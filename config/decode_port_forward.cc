#include "absl/strings/str_cat.h"
#include "config/decode_backends.h"
#include "config/decode_specs.h"
#include "config/values.h"

namespace ironlb::config {
namespace {
const FieldPath kSpec = FieldPath{}.Key("spec");

}  // namespace

void DecodePortForward(const Json& spec, PortForward& pf, FieldContext& ctx) {
  WarnUnknownFields(
      spec, kSpec,
      {"interfaces", "addresses", "serviceSelectors", "targets", "sourceNAT", "sourceNATAddresses"},
      ctx);
  pf.interfaces = ReadStringList(spec, kSpec, "interfaces", ctx);
  const std::vector<std::string> addrs = ReadStringList(spec, kSpec, "addresses", ctx);
  const FieldPath ap = kSpec.Key("addresses");
  for (size_t i = 0; i < addrs.size(); ++i) {
    auto a = IpAddress::Parse(addrs[i]);
    if (!a.ok()) {
      ctx.Error(ap.Index(i), std::string(a.status().message()));
      continue;
    }
    pf.addresses.push_back(*a);
  }
  if (pf.interfaces.empty() && addrs.empty()) {
    ctx.Error(kSpec, "say where to publish: set interfaces (outside NICs) or addresses");
  }
  pf.service_selectors = ReadSelectorList(spec, kSpec, "serviceSelectors", ctx);
  if (auto snat = ReadString(spec, kSpec, "sourceNAT", ctx)) {
    if (*snat == "Auto") {
      pf.source_nat = SourceNat::kAuto;
    } else if (*snat == "Always") {
      pf.source_nat = SourceNat::kAlways;
    } else if (*snat == "Never") {
      pf.source_nat = SourceNat::kNever;
    } else {
      ctx.Error(kSpec.Key("sourceNAT"),
                absl::StrCat("\"", *snat, "\" is not one of Auto, Always, Never"));
    }
  }
  const std::vector<std::string> snat_addrs =
      ReadStringList(spec, kSpec, "sourceNATAddresses", ctx);
  const FieldPath sp = kSpec.Key("sourceNATAddresses");
  for (size_t i = 0; i < snat_addrs.size(); ++i) {
    auto a = IpAddress::Parse(snat_addrs[i]);
    if (!a.ok()) {
      ctx.Error(sp.Index(i), std::string(a.status().message()));
      continue;
    }
    for (const IpAddress& seen : pf.source_nat_addresses) {
      if (seen.is_v6() == a->is_v6()) {
        ctx.Error(sp.Index(i), absl::StrCat(a->ToString(), ": at most one address per family (",
                                            seen.ToString(), " is already given)"));
      }
    }
    pf.source_nat_addresses.push_back(*a);
  }
  if (!pf.source_nat_addresses.empty() && pf.source_nat == SourceNat::kNever) {
    ctx.Error(sp,
              "sourceNAT is Never: these addresses would never be used (set sourceNAT to "
              "Always or Auto, or remove them)");
  }
  const Json* targets = ReadArray(spec, kSpec, "targets", ctx);
  if (targets == nullptr) return;
  const FieldPath tp = kSpec.Key("targets");
  for (size_t i = 0; i < targets->size(); ++i) {
    const Json& t = (*targets)[i];
    const FieldPath p = tp.Index(i);
    if (!t.is_object()) {
      ctx.Error(
          p, "a target must be an object with protocol, port, address (or backends), targetPort");
      continue;
    }
    WarnUnknownFields(t, p,
                      {"protocol", "port", "address", "targetPort", "backends", "sessionAffinity",
                       "whenAllDown", "healthCheck"},
                      ctx);
    ForwardTarget ft;
    if (auto proto = ReadString(t, p, "protocol", ctx)) {
      auto pr = ParseProtocol(*proto);
      if (!pr.ok()) {
        ctx.Error(p.Key("protocol"), std::string(pr.status().message()));
      } else {
        ft.protocol = *pr;
      }
    }
    auto port = ReadInt(t, p, "port", 1, 65535, ctx);
    if (!port && !t.contains("port")) ctx.Error(p.Key("port"), "required: the outside port");
    ft.port = static_cast<uint16_t>(port.value_or(0));
    ft.target_port =
        static_cast<uint16_t>(ReadInt(t, p, "targetPort", 1, 65535, ctx).value_or(ft.port));
    if (t.contains("backends")) {
      DecodeTargetBackends(t, p, ft, ctx);
    } else if (auto a = ReadAddress(t, p, "address", ctx)) {
      ft.address = *a;
      DecodeTargetBackends(t, p, ft, ctx);  // names backend-only fields given here
    } else if (!t.contains("address")) {
      ctx.Error(p.Key("address"), "required: the address to forward to (or backends)");
    }
    pf.targets.push_back(ft);
  }
}

}  // namespace ironlb::config
