#include "config/resolve.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/values.h"

namespace ironlb::config {

void ResolveReferences(Config* config, std::vector<Diagnostic>* diagnostics) {
  struct Alias {
    Community value;
    const ObjectMeta* owner;
  };
  std::map<std::string, Alias> aliases;
  for (const CommunityAliases& c : config->community_aliases) {
    for (size_t i = 0; i < c.aliases.size(); ++i) {
      const auto& [name, value] = c.aliases[i];
      auto [it, inserted] = aliases.emplace(name, Alias{value, &c.meta});
      if (!inserted) {
        const std::string field = absl::StrCat("spec.communities[", i, "].name");
        diagnostics->push_back({Diagnostic::Severity::kError, c.meta.source.file,
                                c.meta.source.LineOf(field), c.meta.Label("Community"),
                                c.meta.source.FieldName(field),
                                absl::StrCat("the alias \"", name, "\" is also defined by ",
                                             it->second.owner->Label("Community"))});
      }
    }
  }
  for (BGPAdvertisement& adv : config->bgp_advertisements) {
    adv.communities.clear();
    for (size_t i = 0; i < adv.community_texts.size(); ++i) {
      const std::string& text = adv.community_texts[i];
      if (auto it = aliases.find(text); it != aliases.end()) {
        Community c = it->second.value;
        adv.communities.push_back(c);
        continue;
      }
      auto c = ParseCommunity(text);
      if (c.ok()) {
        adv.communities.push_back(*c);
        continue;
      }
      const std::string field = absl::StrCat("spec.communities[", i, "]");
      diagnostics->push_back(
          {Diagnostic::Severity::kError, adv.meta.source.file, adv.meta.source.LineOf(field),
           adv.meta.Label("BGPAdvertisement"), adv.meta.source.FieldName(field),
           absl::StrContains(text, ':') ? std::string(c.status().message())
                                        : absl::StrCat(c.status().message(),
                                                       "; nor is it the name of an alias of a "
                                                       "MetalLB Community object")});
    }
  }
}

}  // namespace ironlb::config
