#include "test/arp/netns_lab.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errno_status.h"
#include "test/support/shell.h"

namespace ironlb::arp::testing {

int Sh(const std::string& command, std::string* output) {
  int code = 0;
  std::string text = ironlb::testing::RunShell(absl::StrCat(command, " 2>&1"), &code);
  if (output != nullptr) *output = std::move(text);
  return code;
}

int Lab::Exec(const std::string& ns, const std::string& command, std::string* out) {
  return Sh(absl::StrCat("ip netns exec ", ns, " ", command), out);
}

MacAddress Lab::SpeakerMac(int i) {
  return MacAddress({0x02, 0x00, 0x00, 0x77, 0x00, static_cast<uint8_t>(i + 1)});
}

absl::StatusOr<std::unique_ptr<Lab>> Lab::Create(int speakers) {
  static std::atomic<int> counter{0};
  std::string base = absl::StrCat("ilb-arp-", getpid(), "-", counter++);
  auto lab = std::unique_ptr<Lab>(new Lab());
  lab->client_ = base + "-c";
  std::vector<std::string> commands = {
      absl::StrCat("ip netns add ", lab->client_),
      absl::StrCat("ip -n ", lab->client_, " link set lo up"),
      // No automatic link-local addresses, hence no DAD solicitations: the tests count every
      // NS the speakers see, so the only ones on the wire are the tests' own.
      absl::StrCat("ip netns exec ", lab->client_,
                   " sysctl -qw net.ipv6.conf.default.addr_gen_mode=1"),
      absl::StrCat("ip -n ", lab->client_,
                   " link add br0 type bridge forward_delay 0 mcast_snooping 1"),
      absl::StrCat("ip -n ", lab->client_, " link set br0 address ", ClientMac().ToString()),
      absl::StrCat("ip -n ", lab->client_, " addr add 10.77.0.1/24 dev br0"),
      absl::StrCat("ip -n ", lab->client_, " addr add fd00:77::1/64 dev br0 nodad"),
      absl::StrCat("ip -n ", lab->client_, " link set br0 up"),
      // The client plays the upstream router: it takes gratuitous ARP and (RFC 9131)
      // untracked unsolicited NA into its neighbour table, as routers facing LB VIPs do.
      absl::StrCat("ip netns exec ", lab->client_,
                   " sh -c 'sysctl -qw net.ipv4.conf.br0.arp_accept=1 "
                   "net.ipv6.conf.all.forwarding=1 net.ipv6.conf.br0.accept_untracked_na=1'"),
  };
  for (int i = 0; i < speakers; ++i) {
    std::string ns = absl::StrCat(base, "-s", i);
    std::string port = absl::StrCat("port", i);
    lab->speakers_.push_back(ns);
    commands.push_back(absl::StrCat("ip netns add ", ns));
    commands.push_back(
        absl::StrCat("ip netns exec ", ns, " sysctl -qw net.ipv6.conf.default.addr_gen_mode=1"));
    commands.push_back(absl::StrCat("ip -n ", lab->client_, " link add ", port,
                                    " type veth peer name eth0 netns ", ns));
    commands.push_back(absl::StrCat("ip -n ", lab->client_, " link set ", port, " master br0 up"));
    commands.push_back(
        absl::StrCat("ip -n ", ns, " link set eth0 address ", SpeakerMac(i).ToString(), " up"));
    commands.push_back(absl::StrCat("ip -n ", ns, " link set lo up"));
  }
  for (const std::string& c : commands) {
    std::string out;
    if (Sh(c, &out) != 0) {
      return absl::InternalError(absl::StrCat("lab: `", c, "` failed: ", out));
    }
  }
  return lab;
}

Lab::~Lab() {
  for (const std::string& ns : speakers_) Sh(absl::StrCat("ip netns del ", ns));
  if (!client_.empty()) Sh(absl::StrCat("ip netns del ", client_));
}

absl::Status EnterNetns(const std::string& ns) {
  std::string path = absl::StrCat("/run/netns/", ns);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, path);
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc != 0) return ErrnoToStatus(err, absl::StrCat("setns ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Speaker>> Speaker::Start(const std::string& ns,
                                                        Layer2Options options) {
  auto speaker = std::unique_ptr<Speaker>(new Speaker());
  std::promise<absl::Status> ready;
  std::future<absl::Status> started = ready.get_future();
  speaker->thread_ = std::thread(&Speaker::Main, speaker.get(), ns, std::move(options), &ready);
  absl::Status s = started.get();
  if (!s.ok()) {
    speaker->thread_.join();
    return s;
  }
  return speaker;
}

void Speaker::Main(std::string ns, Layer2Options options, std::promise<absl::Status>* ready) {
  absl::Status s = EnterNetns(ns);
  if (s.ok()) {
    auto loop = EventLoop::Create();
    s = loop.status();
    if (s.ok()) loop_ = std::move(*loop);
  }
  if (s.ok()) {
    auto service = Layer2Service::Create(loop_.get(), &sockets_, std::move(options));
    s = service.status();
    if (s.ok()) service_ = std::move(*service);
  }
  if (s.ok()) {
    auto monitor = LinkMonitor::Create(
        loop_.get(), {.changed = [this](const Link& l) { service_->LinkChanged(l); },
                      .removed = [this](int ifindex) { service_->LinkRemoved(ifindex); }});
    s = monitor.status();
    if (s.ok()) monitor_ = std::move(*monitor);
  }
  bool ok = s.ok();
  ready->set_value(s);
  if (!ok) return;
  (void)loop_->Run();
  monitor_.reset();
  service_.reset();
}

Speaker::~Speaker() {
  if (loop_ != nullptr) loop_->Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ironlb::arp::testing
