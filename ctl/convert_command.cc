#include "ctl/convert_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/encode.h"
#include "config/loader.h"
#include "config/yaml_documents.h"

namespace ironlb::ctl {

const char kConvertHelp[] = R"(Usage: ironlbctl convert FILE|DIR...

Prints MetalLB's configuration as ironlb's own objects (apiVersion ironlb.io/v1alpha1): the
metallb.io objects (IPAddressPool, L2Advertisement, BGPAdvertisement, BGPPeer, BFDProfile,
Community) or MetalLB's legacy ConfigMap (data.config with address-pools, peers,
bgp-communities, bfd-profiles). A comment above each object says which file, line and object
it came from. Community aliases are written as their values in the advertisements that use
them. What it prints defines exactly the configuration the input defines.

ironlb reads MetalLB's objects as they are: converting is optional, for moving to ironlb's own
kinds. Objects that are already ironlb.io are printed as they are read.

All files are read together (advertisements may name pools of another file). Problems are
printed as FILE:LINE: OBJECT FIELD: MESSAGE on stderr; with an error nothing is printed.

Exit status: 0 converted, 1 the input has errors, 2 bad usage.
)";

namespace {

namespace fs = std::filesystem;

// Where an object came from: "pools.yaml:3: IPAddressPool.metallb.io/lan" or, for the
// legacy ConfigMap, "cm.yaml:12: ConfigMap/config data.config address-pools[0]".
std::string Origin(const config::ObjectMeta& meta, const std::string& kind) {
  std::string where;
  if (!meta.source.file.empty()) {
    where = absl::StrCat(meta.source.file, meta.source.line > 0 ? ":" : "",
                         meta.source.line > 0 ? absl::StrCat(meta.source.line) : "", ": ");
  }
  std::string label = meta.Label(kind);
  if (meta.source.field_names) absl::StrAppend(&label, " ", meta.source.FieldName("spec"));
  return absl::StrCat(where, label);
}

bool ReadFile(const fs::path& p, std::string* text) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *text = s.str();
  return true;
}

}  // namespace

int RunConvert(const ConvertOptions& options, std::ostream& out, std::ostream& err) {
  if (options.paths.empty()) {
    err << "ironlbctl convert: name at least one file or directory\n\n" << kConvertHelp;
    return 2;
  }
  std::vector<fs::path> files;
  for (const std::string& path : options.paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(path, ec)) {
        const std::string ext = e.path().extension().string();
        if ((ext == ".yaml" || ext == ".yml") && e.is_regular_file(ec)) {
          in_dir.push_back(e.path());
        }
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(path);
    }
  }
  config::ConfigReader reader;
  for (const fs::path& f : files) {
    std::string text;
    if (!ReadFile(f, &text)) {
      err << "ironlbctl convert: cannot read " << f.string() << "\n";
      return 1;
    }
    if (text.size() > config::kMaxConfigFileBytes) {
      err << f.string() << ": file is " << text.size() << " bytes; at most "
          << config::kMaxConfigFileBytes << " are read\n";
      return 1;
    }
    reader.AddYaml(text, f.string());
  }
  const config::LoadResult r = std::move(reader).Finish();
  for (const config::Diagnostic& d : r.diagnostics) err << d.ToString() << "\n";
  if (!r.ok()) {
    err << "ironlbctl convert: the input has " << config::CountErrors(r.diagnostics)
        << " error(s); nothing converted\n";
    return 1;
  }
  std::vector<std::string> names;
  for (const fs::path& f : files) names.push_back(f.string());
  out << "# ironlb.io/v1alpha1 objects converted by ironlbctl convert from "
      << absl::StrJoin(names, ", ") << ".\n";
  for (const config::EncodedObject& o : config::EncodeConfig(r.config)) {
    out << "---\n# from " << Origin(*o.source, o.source_kind) << "\n" << config::ToYaml(o.object);
  }
  for (const config::CommunityAliases& c : r.config.community_aliases) {
    std::vector<std::string> aliases;
    for (const auto& [name, value] : c.aliases)
      aliases.push_back(absl::StrCat(name, "=", value.text));
    out << "# " << Origin(c.meta, "Community") << " (" << absl::StrJoin(aliases, ", ")
        << "): its aliases are written as their values in the BGPAdvertisements above\n";
  }
  for (const config::RawObject& o : r.other_objects) {
    err << o.source.file << (o.source.line > 0 ? absl::StrCat(":", o.source.line) : "")
        << ": not configuration (" << o.object.value("kind", "?") << "), not converted\n";
  }
  return 0;
}

}  // namespace ironlb::ctl
