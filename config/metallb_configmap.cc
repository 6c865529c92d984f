#include "config/metallb_configmap.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace ironlb::config {
namespace {

using Json = nlohmann::json;

std::string Token(absl::string_view key) {
  return absl::StrReplaceAll(key, {{"~", "~0"}, {"/", "~1"}});
}

// Reading data.config: where each of its fields was written, and how to name it.
class Legacy {
 public:
  Legacy(const Document& inner, std::string file, int line_offset, std::string label,
         std::vector<Diagnostic>* diagnostics)
      : inner_(inner),
        file_(std::move(file)),
        offset_(line_offset),
        label_(std::move(label)),
        diagnostics_(diagnostics) {}

  int LineOf(const std::string& pointer) const {
    return file_.empty() ? 0 : inner_.LineOf(pointer) + offset_;
  }
  // "/address-pools/0/addresses" -> "data.config address-pools[0].addresses"
  static std::string Dotted(const std::string& pointer) {
    std::string out = "data.config";
    bool first = true;
    size_t pos = 1;
    while (pos <= pointer.size() && !pointer.empty()) {
      size_t next = pointer.find('/', pos);
      if (next == std::string::npos) next = pointer.size();
      const std::string tok = pointer.substr(pos, next - pos);
      const bool index = !tok.empty() && tok.find_first_not_of("0123456789") == std::string::npos;
      if (index) {
        absl::StrAppend(&out, "[", tok, "]");
      } else {
        absl::StrAppend(&out, first ? " " : ".",
                        absl::StrReplaceAll(tok, {{"~1", "/"}, {"~0", "~"}}));
      }
      first = false;
      pos = next + 1;
    }
    return out;
  }

  void Problem(Diagnostic::Severity sev, const std::string& pointer, std::string message) {
    diagnostics_->push_back(
        {sev, file_, LineOf(pointer), label_, Dotted(pointer), std::move(message)});
  }

  // A new metallb.io object made from the legacy element at `pointer`.
  Document Object(const char* api_version, const char* kind, const std::string& name,
                  const std::string& ns, const std::string& pointer) {
    Document d;
    d.file = file_;
    d.line = LineOf(pointer);
    d.label = label_;
    d.object = {{"apiVersion", api_version},
                {"kind", kind},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"spec", Json::object()}};
    d.field_names["/metadata/name"] = Dotted(pointer);
    d.field_names["/spec"] = Dotted(pointer);
    d.lines["/metadata/name"] = d.line;
    d.lines["/spec"] = d.line;
    return d;
  }

  // Copies every line and name under `from` (legacy) to `to` (the object's pointer).
  void Map(Document& d, const std::string& to, const std::string& from) const {
    d.field_names[to] = Dotted(from);
    for (auto it = inner_.lines.lower_bound(from); it != inner_.lines.end(); ++it) {
      if (it->first.compare(0, from.size(), from) != 0) break;
      const std::string rest = it->first.substr(from.size());
      if (!rest.empty() && rest[0] != '/') continue;
      if (!file_.empty()) d.lines[to + rest] = it->second + offset_;
    }
    if (!d.lines.count(to)) d.lines[to] = LineOf(from);
  }

  // Copies legacy field `key` of `src` (at `pointer`) to spec field `spec_key` of `d`.
  void Copy(Document& d, const Json& src, const std::string& pointer, const char* key,
            const char* spec_key) const {
    const std::string to = absl::StrCat("/spec/", spec_key);
    const std::string from = absl::StrCat(pointer, "/", Token(key));
    d.field_names[to] = Dotted(from);  // also for messages about it missing
    auto it = src.find(key);
    if (it == src.end() || it->is_null()) return;
    d.object["spec"][spec_key] = *it;
    Map(d, to, from);
  }

  // Legacy keys of `obj` not in `known` are warned about, as for every other object.
  void WarnUnknown(const Json& obj, const std::string& pointer,
                   std::initializer_list<const char*> known) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items()) {
      bool found = false;
      for (const char* n : known) found |= k == n;
      if (!found) {
        Problem(Diagnostic::Severity::kWarning, absl::StrCat(pointer, "/", Token(k)),
                "unknown field of MetalLB's configuration, ignored");
      }
    }
  }

 private:
  const Document& inner_;
  std::string file_;
  int offset_;
  std::string label_;
  std::vector<Diagnostic>* diagnostics_;
};

// MetalLB 0.12 node selectors: match-labels / match-expressions -> Kubernetes' spelling.
Json NodeSelectors(const Json& legacy, Legacy& l, Document& d, const std::string& pointer) {
  Json out = Json::array();
  if (!legacy.is_array()) return legacy;  // the decoder says what is wrong with it
  for (size_t i = 0; i < legacy.size(); ++i) {
    const Json& sel = legacy[i];
    const std::string p = absl::StrCat(pointer, "/", i);
    const std::string to = absl::StrCat("/spec/nodeSelectors/", i);
    if (!sel.is_object()) {
      out.push_back(sel);
      continue;
    }
    l.WarnUnknown(sel, p, {"match-labels", "match-expressions"});
    Json s = Json::object();
    if (sel.contains("match-labels")) {
      s["matchLabels"] = sel["match-labels"];
      l.Map(d, to + "/matchLabels", p + "/match-labels");
    }
    if (sel.contains("match-expressions")) {
      s["matchExpressions"] = sel["match-expressions"];
      l.Map(d, to + "/matchExpressions", p + "/match-expressions");
    }
    d.field_names[to] = Legacy::Dotted(p);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

bool IsMetalLBConfigMap(const Json& object) {
  if (!object.is_object()) return false;
  auto kind = object.find("kind");
  auto api = object.find("apiVersion");
  auto data = object.find("data");
  return kind != object.end() && *kind == "ConfigMap" && api != object.end() && *api == "v1" &&
         data != object.end() && data->is_object() && data->contains("config");
}

std::vector<Document> LegacyConfigMapObjects(const Document& doc,
                                             std::vector<Diagnostic>* diagnostics) {
  std::vector<Document> out;
  const Json& cm = doc.object;
  std::string name = "config";
  std::string ns = "metallb-system";
  if (auto m = cm.find("metadata"); m != cm.end() && m->is_object()) {
    if (m->contains("name") && (*m)["name"].is_string()) name = (*m)["name"];
    if (m->contains("namespace") && (*m)["namespace"].is_string()) ns = (*m)["namespace"];
  }
  const std::string label = absl::StrCat("ConfigMap/", name);
  const Json& text = cm["data"]["config"];
  if (!text.is_string()) {
    diagnostics->push_back({Diagnostic::Severity::kError, doc.file, doc.LineOf("/data/config"),
                            label, "data.config", "must be text: MetalLB's configuration as YAML"});
    return out;
  }
  // data.config is YAML inside YAML: its lines count from the line after `config: |`.
  std::vector<Diagnostic> inner_problems;
  std::vector<Document> docs =
      ReadYamlDocuments(text.get<std::string>(), doc.file, &inner_problems);
  const int offset = doc.file.empty() ? 0 : doc.LineOf("/data/config");
  for (Diagnostic& d : inner_problems) {
    if (d.line > 0) d.line += offset;
    d.object = label;
    d.field = "data.config";
    diagnostics->push_back(std::move(d));
  }
  if (docs.empty()) return out;
  if (docs.size() > 1) {
    diagnostics->push_back({Diagnostic::Severity::kError, doc.file, docs[1].line + offset, label,
                            "data.config", "holds more than one YAML document"});
  }
  const Document& inner = docs[0];
  Legacy l(inner, doc.file, offset, label, diagnostics);
  const Json& c = inner.object;
  l.WarnUnknown(c, "", {"peers", "address-pools", "bgp-communities", "bfd-profiles"});

  if (auto peers = c.find("peers"); peers != c.end() && peers->is_array()) {
    for (size_t i = 0; i < peers->size(); ++i) {
      const Json& p = (*peers)[i];
      const std::string ptr = absl::StrCat("/peers/", i);
      Document d = l.Object("metallb.io/v1beta2", "BGPPeer", absl::StrCat("peer", i + 1), ns, ptr);
      if (!p.is_object()) {
        l.Problem(Diagnostic::Severity::kError, ptr, "a peer must be an object");
        continue;
      }
      l.WarnUnknown(p, ptr,
                    {"my-asn", "peer-asn", "peer-address", "source-address", "peer-port",
                     "hold-time", "keepalive-time", "router-id", "node-selectors", "password",
                     "bfd-profile", "ebgp-multihop"});
      l.Copy(d, p, ptr, "my-asn", "myASN");
      l.Copy(d, p, ptr, "peer-asn", "peerASN");
      l.Copy(d, p, ptr, "peer-address", "peerAddress");
      l.Copy(d, p, ptr, "source-address", "sourceAddress");
      l.Copy(d, p, ptr, "peer-port", "peerPort");
      l.Copy(d, p, ptr, "hold-time", "holdTime");
      l.Copy(d, p, ptr, "keepalive-time", "keepaliveTime");
      l.Copy(d, p, ptr, "router-id", "routerID");
      l.Copy(d, p, ptr, "password", "password");
      l.Copy(d, p, ptr, "bfd-profile", "bfdProfile");
      l.Copy(d, p, ptr, "ebgp-multihop", "ebgpMultiHop");
      if (auto ns_it = p.find("node-selectors"); ns_it != p.end() && !ns_it->is_null()) {
        d.object["spec"]["nodeSelectors"] = NodeSelectors(*ns_it, l, d, ptr + "/node-selectors");
        l.Map(d, "/spec/nodeSelectors", ptr + "/node-selectors");
      }
      out.push_back(std::move(d));
    }
  } else if (peers != c.end() && !peers->is_null()) {
    l.Problem(Diagnostic::Severity::kError, "/peers", "must be a list");
  }

  std::vector<Document> l2;
  std::vector<Document> bgp;
  if (auto pools = c.find("address-pools"); pools != c.end() && pools->is_array()) {
    for (size_t i = 0; i < pools->size(); ++i) {
      const Json& p = (*pools)[i];
      const std::string ptr = absl::StrCat("/address-pools/", i);
      if (!p.is_object()) {
        l.Problem(Diagnostic::Severity::kError, ptr, "an address pool must be an object");
        continue;
      }
      l.WarnUnknown(p, ptr,
                    {"name", "protocol", "addresses", "auto-assign", "avoid-buggy-ips",
                     "bgp-advertisements"});
      const std::string pool =
          p.contains("name") && p["name"].is_string() ? p["name"].get<std::string>() : "";
      Document d = l.Object("metallb.io/v1beta1", "IPAddressPool", pool, ns, ptr);
      l.Map(d, "/metadata/name", ptr + "/name");
      l.Copy(d, p, ptr, "addresses", "addresses");
      l.Copy(d, p, ptr, "auto-assign", "autoAssign");
      l.Copy(d, p, ptr, "avoid-buggy-ips", "avoidBuggyIPs");
      const Json proto = p.value("protocol", Json());
      const auto advs = p.find("bgp-advertisements");
      const bool has_advs = advs != p.end() && advs->is_array() && !advs->empty();
      if (proto == "layer2") {
        if (has_advs) {
          l.Problem(Diagnostic::Severity::kError, ptr + "/bgp-advertisements",
                    "bgp-advertisements belong to a pool with protocol: bgp, not layer2");
        }
        Document a = l.Object("metallb.io/v1beta1", "L2Advertisement",
                              absl::StrCat("l2advertisement", l2.size() + 1), ns, ptr);
        a.object["spec"]["ipAddressPools"] = Json::array({pool});
        l2.push_back(std::move(a));
      } else if (proto == "bgp") {
        if (!has_advs) {
          Document a = l.Object("metallb.io/v1beta1", "BGPAdvertisement",
                                absl::StrCat("bgpadvertisement", bgp.size() + 1), ns, ptr);
          a.object["spec"]["ipAddressPools"] = Json::array({pool});
          bgp.push_back(std::move(a));
        }
        for (size_t j = 0; has_advs && j < advs->size(); ++j) {
          const Json& adv = (*advs)[j];
          const std::string aptr = absl::StrCat(ptr, "/bgp-advertisements/", j);
          Document a = l.Object("metallb.io/v1beta1", "BGPAdvertisement",
                                absl::StrCat("bgpadvertisement", bgp.size() + 1), ns, aptr);
          a.object["spec"]["ipAddressPools"] = Json::array({pool});
          if (!adv.is_object()) {
            l.Problem(Diagnostic::Severity::kError, aptr, "an advertisement must be an object");
            continue;
          }
          l.WarnUnknown(
              adv, aptr,
              {"aggregation-length", "aggregation-length-v6", "localpref", "communities"});
          l.Copy(a, adv, aptr, "aggregation-length", "aggregationLength");
          l.Copy(a, adv, aptr, "aggregation-length-v6", "aggregationLengthV6");
          l.Copy(a, adv, aptr, "localpref", "localPref");
          l.Copy(a, adv, aptr, "communities", "communities");
          bgp.push_back(std::move(a));
        }
      } else {
        l.Problem(Diagnostic::Severity::kError, ptr + (p.contains("protocol") ? "/protocol" : ""),
                  proto.is_null() ? "protocol is required: layer2 or bgp"
                                  : absl::StrCat(proto.dump(),
                                                 " is not a protocol MetalLB "
                                                 "knows: layer2 or bgp"));
      }
      out.push_back(std::move(d));
    }
  } else if (pools != c.end() && !pools->is_null()) {
    l.Problem(Diagnostic::Severity::kError, "/address-pools", "must be a list");
  }
  for (Document& d : bgp) out.push_back(std::move(d));
  for (Document& d : l2) out.push_back(std::move(d));

  if (auto bfd = c.find("bfd-profiles"); bfd != c.end() && bfd->is_array()) {
    for (size_t i = 0; i < bfd->size(); ++i) {
      const Json& p = (*bfd)[i];
      const std::string ptr = absl::StrCat("/bfd-profiles/", i);
      if (!p.is_object()) {
        l.Problem(Diagnostic::Severity::kError, ptr, "a BFD profile must be an object");
        continue;
      }
      l.WarnUnknown(p, ptr,
                    {"name", "receive-interval", "transmit-interval", "detect-multiplier",
                     "echo-interval", "echo-mode", "passive-mode", "minimum-ttl"});
      Document d = l.Object("metallb.io/v1beta1", "BFDProfile",
                            p.contains("name") && p["name"].is_string() ? p["name"] : "", ns, ptr);
      l.Map(d, "/metadata/name", ptr + "/name");
      l.Copy(d, p, ptr, "receive-interval", "receiveInterval");
      l.Copy(d, p, ptr, "transmit-interval", "transmitInterval");
      l.Copy(d, p, ptr, "detect-multiplier", "detectMultiplier");
      l.Copy(d, p, ptr, "echo-interval", "echoInterval");
      l.Copy(d, p, ptr, "echo-mode", "echoMode");
      l.Copy(d, p, ptr, "passive-mode", "passiveMode");
      l.Copy(d, p, ptr, "minimum-ttl", "minimumTtl");
      out.push_back(std::move(d));
    }
  } else if (bfd != c.end() && !bfd->is_null()) {
    l.Problem(Diagnostic::Severity::kError, "/bfd-profiles", "must be a list");
  }

  if (auto comms = c.find("bgp-communities"); comms != c.end() && comms->is_object()) {
    if (!comms->empty()) {
      Document d =
          l.Object("metallb.io/v1beta1", "Community", "communities", ns, "/bgp-communities");
      Json list = Json::array();
      size_t i = 0;
      for (const auto& [alias, value] : comms->items()) {
        list.push_back({{"name", alias}, {"value", value}});
        const std::string to = absl::StrCat("/spec/communities/", i++);
        l.Map(d, to + "/value", absl::StrCat("/bgp-communities/", Token(alias)));
        l.Map(d, to, absl::StrCat("/bgp-communities/", Token(alias)));
        l.Map(d, to + "/name", absl::StrCat("/bgp-communities/", Token(alias)));
      }
      d.object["spec"]["communities"] = std::move(list);
      out.push_back(std::move(d));
    }
  } else if (comms != c.end() && !comms->is_null()) {
    l.Problem(Diagnostic::Severity::kError, "/bgp-communities",
              "must be a map of alias names to community values");
  }
  return out;
}

}  // namespace ironlb::config
