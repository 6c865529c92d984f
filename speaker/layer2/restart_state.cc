#include "speaker/layer2/restart_state.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "nlohmann/json.hpp"

namespace ironlb::speaker {

absl::Status WriteRestartState(const std::string& path, const RestartState& state) {
  nlohmann::json j;
  j["node"] = state.node;
  j["hostId"] = state.host_id;
  j["deadlineUnixMs"] = absl::ToUnixMillis(state.deadline);
  nlohmann::json claims = nlohmann::json::object();
  for (const auto& [ifname, vips] : state.claims) {
    nlohmann::json list = nlohmann::json::array();
    for (const IpAddress& v : vips) list.push_back(v.ToString());
    claims[ifname] = std::move(list);
  }
  j["claims"] = std::move(claims);
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, "restart state: mkdir " + dir);
    }
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out) return absl::InternalError("restart state: cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return ErrnoToStatus(errno, "restart state: rename to " + path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RestartState>> TakeRestartState(const std::string& path,
                                                             const std::string& node,
                                                             const std::string& host_id,
                                                             absl::Time now) {
  std::ifstream in(path);
  if (!in) return std::optional<RestartState>();
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::remove(path.c_str());  // never used twice
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", what, "; ignored"));
  };
  if (!j.is_object()) return bad("not a JSON object");
  if (!j.contains("node") || !j["node"].is_string()) return bad("field node: missing");
  if (!j.contains("deadlineUnixMs") || !j["deadlineUnixMs"].is_number_integer()) {
    return bad("field deadlineUnixMs: missing or not an integer");
  }
  if (!j.contains("claims") || !j["claims"].is_object()) return bad("field claims: missing");
  RestartState s;
  s.node = j["node"].get<std::string>();
  if (j.contains("hostId") && j["hostId"].is_string()) s.host_id = j["hostId"].get<std::string>();
  s.deadline = absl::FromUnixMillis(j["deadlineUnixMs"].get<int64_t>());
  for (const auto& [ifname, list] : j["claims"].items()) {
    if (!list.is_array()) return bad(absl::StrCat("field claims.", ifname, ": not a list"));
    for (const auto& v : list) {
      auto ip = v.is_string() ? IpAddress::Parse(v.get<std::string>())
                              : absl::StatusOr<IpAddress>(absl::InvalidArgumentError("?"));
      if (!ip.ok()) return bad(absl::StrCat("field claims.", ifname, ": not an IP address"));
      s.claims[ifname].push_back(*ip);
    }
  }
  if (s.node != node || s.host_id != host_id || s.deadline <= now) {
    return std::optional<RestartState>();
  }
  return std::optional<RestartState>(std::move(s));
}

std::string ThisHostId() {
  std::string boot;
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::getline(in, boot);
  struct stat st {};
  const unsigned long long ino =
      stat("/proc/self/ns/net", &st) == 0 ? static_cast<unsigned long long>(st.st_ino) : 0;
  return absl::StrCat(boot, "/net:", ino);
}

}  // namespace ironlb::speaker
