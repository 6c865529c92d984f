#include "test/lab/frr_host.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "test/support/frr_process.h"

namespace ironlb::lab {

FrrHost::FrrHost(Lab* lab, const Host& host)
    : lab_(lab), host_(host), dir_(absl::StrCat("/var/run/ironlb-frr/", host.netns)) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/empty.conf").flush();
  std::ofstream(dir_ + "/vtysh.conf").flush();
}

FrrHost::~FrrHost() {
  KillAll();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> FrrHost::WithNetnsVrfs(const std::vector<std::string>& zebra) const {
  // In a mount namespace of its own (unshare fails rather than mount anything in the caller's):
  // each VRF's namespace file bound aside, a tmpfs over /run/netns, the files bound back.
  const std::string keep = absl::StrCat(dir_, "/netns-vrfs");
  std::string script = absl::StrCat("set -e; mkdir -p ", keep, "; ");
  for (const std::string& ns : netns_vrfs_) {
    absl::StrAppend(&script, "touch ", keep, "/", ns, "; mount --bind /run/netns/", ns, " ", keep,
                    "/", ns, "; ");
  }
  absl::StrAppend(&script, "mount -t tmpfs ironlb-netns-vrfs /run/netns; ");
  for (const std::string& ns : netns_vrfs_) {
    absl::StrAppend(&script, "touch /run/netns/", ns, "; mount --bind ", keep, "/", ns,
                    " /run/netns/", ns, "; ");
  }
  absl::StrAppend(&script, "exec \"$@\"");
  std::vector<std::string> argv = {"unshare", "-m", "--propagation", "private",
                                   "sh",      "-c", script,          "zebra"};
  argv.insert(argv.end(), zebra.begin(), zebra.end());
  argv.push_back("-n");
  return argv;
}

int FrrHost::GrpcPort(const std::string& daemon) const {
  if (daemon == "staticd") return kStaticdGrpc;
  if (daemon == "bgpd") return kBgpdGrpc;
  if (daemon == "bfdd") return kBfddGrpc;
  return 0;
}

absl::Status FrrHost::Start(const std::vector<std::string>& daemons) {
  for (const std::string& d : daemons) {
    const std::string vty = absl::StrCat(dir_, "/", d, ".vty");
    std::filesystem::remove(vty);
    std::vector<std::string> argv = {
        absl::StrCat(testing::FrrPrefix(), "/sbin/", d),
        "-N",
        host_.netns,
        "-f",
        dir_ + "/empty.conf",
        "-A",
        "127.0.0.1",
        "-P",
        "0",
        "-u",
        "root",
        "-g",
        "root",
        "--log",
        absl::StrCat("file:", lab_->work_dir(), "/frr-", host_.name, "-", d, ".log")};
    const int port = GrpcPort(d);
    if (port != 0) {
      argv.push_back("-M");
      argv.push_back(absl::StrCat("grpc:", port));
    }
    if (d == "zebra" && !netns_vrfs_.empty()) argv = WithNetnsVrfs(argv);
    daemons_.erase(d);
    IRONLB_ASSIGN_OR_RETURN(auto proc, lab_->Spawn(host_, argv));
    daemons_[d] = std::move(proc);
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      if (!daemons_[d]->Running()) {
        return absl::InternalError(
            absl::StrCat(d, " on ", host_.name, " exited at start; see ", lab_->work_dir()));
      }
      ready = std::filesystem::exists(vty);
      if (ready && port != 0) {
        auto probe =
            lab_->Run(host_, {"bash", "-c", absl::StrCat("echo > /dev/tcp/127.0.0.1/", port)},
                      absl::Seconds(2));
        ready = probe.ok() && probe->exit_code == 0;
      }
      if (!ready) absl::SleepFor(absl::Milliseconds(50));
    }
    if (!ready) {
      return absl::DeadlineExceededError(
          absl::StrCat(d, " on ", host_.name, " not ready in 10 s; see ", lab_->work_dir()));
    }
  }
  return absl::OkStatus();
}

void FrrHost::Kill(const std::string& daemon) {
  auto it = daemons_.find(daemon);
  if (it == daemons_.end()) return;
  it->second->Kill();
  daemons_.erase(it);
}

void FrrHost::KillAll() {
  // bgpd and the others before zebra, as a machine dying would lose them all at once anyway.
  for (const char* d : {"bgpd", "staticd", "bfdd", "zebra"}) Kill(d);
  daemons_.clear();
}

absl::StatusOr<std::string> FrrHost::Vtysh(const std::vector<std::string>& commands) const {
  std::vector<std::string> argv = {absl::StrCat(testing::FrrPrefix(), "/bin/vtysh"), "-N",
                                   host_.netns, "--config_dir", "/var/run/ironlb-frr"};
  for (const std::string& c : commands) {
    argv.push_back("-c");
    argv.push_back(c);
  }
  IRONLB_ASSIGN_OR_RETURN(CommandResult r, lab_->Run(host_, argv, absl::Seconds(10)));
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("vtysh on ", host_.name, " failed: ", r.output));
  }
  return r.output;
}

}  // namespace ironlb::lab
