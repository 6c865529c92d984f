#include "config/decode.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config/decode_specs.h"
#include "config/fields.h"
#include "config/kinds.h"
#include "config/values.h"

namespace ironlb::config {
namespace {

const FieldPath kRoot{};

ObjectMeta DecodeMeta(const Json& obj, const Document& doc, FieldContext& ctx) {
  ObjectMeta meta;
  meta.source.file = doc.file;
  meta.source.line = doc.line;
  if (!doc.file.empty()) {
    meta.source.field_lines = std::make_shared<const std::map<std::string, int>>(doc.lines);
  }
  const FieldPath mp = kRoot.Key("metadata");
  const Json* m = ReadObject(obj, kRoot, "metadata", ctx);
  if (m == nullptr) {
    ctx.Error(mp, "metadata.name is required");
    return meta;
  }
  meta.name = ReadString(*m, mp, "name", ctx).value_or("");
  if (absl::Status st = ValidateObjectName(meta.name); !st.ok()) {
    ctx.Error(mp.Key("name"), std::string(st.message()));
  }
  meta.namespace_ = ReadString(*m, mp, "namespace", ctx).value_or("");
  meta.labels = ReadStringMap(*m, mp, "labels", ctx);
  return meta;
}

template <typename T>
T& Add(std::vector<T>& list, ObjectMeta meta) {
  list.emplace_back();
  list.back().meta = std::move(meta);
  return list.back();
}

}  // namespace

void DecodeObject(const Document& doc, Config* config, std::vector<RawObject>* others,
                  std::vector<Diagnostic>* diagnostics) {
  const Json& obj = doc.object;
  const std::string api_version = obj.contains("apiVersion") && obj["apiVersion"].is_string()
                                      ? obj["apiVersion"].get<std::string>()
                                      : "";
  const std::string kind =
      obj.contains("kind") && obj["kind"].is_string() ? obj["kind"].get<std::string>() : "";
  if (api_version.empty() || kind.empty()) {
    diagnostics->push_back({Diagnostic::Severity::kError, doc.file, doc.line, "", "",
                            "an object needs apiVersion and kind (for example apiVersion: "
                            "ironlb.io/v1alpha1, kind: AddressPool)"});
    return;
  }
  const std::string group = api_version.substr(0, api_version.find('/'));
  const std::string version = api_version.find('/') == std::string::npos
                                  ? ""
                                  : api_version.substr(api_version.find('/') + 1);
  if (group != kApiGroup && group != kMetalLBGroup) {
    RawObject raw{obj, {}};
    raw.source.file = doc.file;
    raw.source.line = doc.line;
    others->push_back(std::move(raw));
    return;
  }
  const bool metallb = group == kMetalLBGroup;
  std::string name = "?";
  if (obj.contains("metadata") && obj["metadata"].is_object() && obj["metadata"].contains("name") &&
      obj["metadata"]["name"].is_string()) {
    name = obj["metadata"]["name"].get<std::string>();
  }
  std::string label = doc.label;
  if (label.empty()) label = ObjectLabel(group, kind, name);
  FieldContext ctx(doc, label, diagnostics);
  if (!metallb && api_version != kApiVersion) {
    ctx.Error(
        kRoot.Key("apiVersion"),
        absl::StrCat("\"", api_version, "\" is not supported; this ironlb reads ", kApiVersion));
    return;
  }
  if (metallb && version != "v1beta1" && !(version == "v1beta2" && kind == "BGPPeer")) {
    ctx.Error(kRoot.Key("apiVersion"),
              absl::StrCat("\"", api_version,
                           "\" is not a version MetalLB serves this kind in (metallb.io/v1beta1; "
                           "BGPPeer also v1beta2)"));
    return;
  }
  const auto& kinds = metallb ? kMetalLBKinds : kKinds;
  if (std::none_of(kinds.begin(), kinds.end(), [&](const Kind& k) { return kind == k.name; })) {
    std::vector<std::string> names;
    for (const Kind& k : kinds) names.push_back(k.name);
    ctx.Warning(kRoot.Key("kind"),
                absl::StrCat("unknown kind, ignored (",
                             metallb ? "MetalLB kinds ironlb reads" : "known kinds", ": ",
                             absl::StrJoin(names, ", "), ")"));
    return;
  }
  WarnUnknownFields(obj, kRoot, {"apiVersion", "kind", "metadata", "spec", "status"}, ctx);
  ObjectMeta meta = DecodeMeta(obj, doc, ctx);
  meta.source.label = label == absl::StrCat(kind, "/", meta.name) ? "" : label;
  if (doc.field_names.empty()) meta.source.api_version = api_version;
  if (!doc.field_names.empty()) {
    meta.source.field_names =
        std::make_shared<const std::map<std::string, std::string>>(doc.field_names);
  }
  static const Json kEmpty = Json::object();
  const Json* spec = ReadObject(obj, kRoot, "spec", ctx);
  if (spec == nullptr) spec = &kEmpty;
  const Flavor flavor = metallb ? Flavor::kMetalLB : Flavor::kIronlb;

  if (kind == "AddressPool" || kind == "IPAddressPool") {
    DecodeAddressPool(*spec, flavor, Add(config->pools, std::move(meta)), ctx);
  } else if (kind == "L2Advertisement") {
    DecodeL2Advertisement(*spec, flavor, Add(config->l2_advertisements, std::move(meta)), ctx);
  } else if (kind == "BGPAdvertisement") {
    DecodeBGPAdvertisement(*spec, flavor, Add(config->bgp_advertisements, std::move(meta)), ctx);
  } else if (kind == "BGPPeer") {
    DecodeBGPPeer(*spec, Add(config->bgp_peers, std::move(meta)), ctx);
  } else if (kind == "BFDProfile") {
    DecodeBFDProfile(*spec, Add(config->bfd_profiles, std::move(meta)), ctx);
  } else if (kind == "PortForward") {
    DecodePortForward(*spec, Add(config->port_forwards, std::move(meta)), ctx);
  } else if (kind == "Community") {
    DecodeCommunityAliases(*spec, Add(config->community_aliases, std::move(meta)), ctx);
  }
}

std::string ObjectLabel(absl::string_view group, absl::string_view kind, absl::string_view name) {
  if (group == kMetalLBGroup) return absl::StrCat(kind, ".", kMetalLBGroup, "/", name);
  return absl::StrCat(kind, "/", name);
}

}  // namespace ironlb::config
