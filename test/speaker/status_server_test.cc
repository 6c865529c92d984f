// The speaker's status socket end to end with `ironlbctl status`: answers from the event loop,
// refuses a second speaker on the same path, replaces a stale socket file, and the table says
// what an operator needs (owned VIPs and why, peers, takeovers, problems).
#include "speaker/status/status_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "ctl/status_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;

status::v1::SpeakerState Sample() {
  status::v1::SpeakerState s;
  s.set_node("node-a");
  s.set_version("0.1.0");
  s.set_now_unix_ms(100000);
  s.set_started_unix_ms(40000);
  auto* o = s.add_owned();
  o->set_address("10.0.0.240");
  o->set_interface("eth0");
  o->add_services("web/nginx");
  o->set_since_unix_ms(99000);
  o->set_reason("node-b's liveness link closed (its speaker died)");
  auto* seg = s.add_segments();
  seg->set_interface("eth0");
  seg->set_ready(true);
  auto* p = seg->add_peers();
  p->set_node("node-c");
  p->set_interface("eth1");
  p->set_ready(true);
  p->set_last_heard_unix_ms(99980);
  auto* t = s.add_takeovers();
  t->set_address("10.0.0.240");
  t->set_interface("eth0");
  t->set_previous_owner("node-b");
  t->set_cause("peer-died");
  t->set_at_unix_ms(99000);
  t->set_failover_seconds(0.0123);
  s.mutable_nft()->set_available(true);
  s.mutable_nft()->set_converged(true);
  s.mutable_nft()->set_clamped_vips(1);
  s.add_problems("nftables entry dropped: MSS 20 for 10.0.0.9 is below 536");
  return s;
}

class StatusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ilb-status-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "run" / "speaker.sock").string();
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(*loop);
    thread_ = std::thread([this] { (void)loop_->Run(); });
  }
  void TearDown() override {
    loop_->Stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

TEST_F(StatusServerTest, IronlbctlReadsTheStateBuiltOnTheLoop) {
  std::thread::id built_on;
  auto server = StatusServer::Start(path_, loop_.get(), [&] {
    built_on = std::this_thread::get_id();
    return Sample();
  });
  ASSERT_TRUE(server.ok()) << server.status();
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);  // not world-readable

  std::ostringstream out, err;
  ASSERT_EQ(ctl::RunStatus({.socket = path_, .output = "table"}, out, err), 0) << err.str();
  EXPECT_EQ(built_on, thread_.get_id());
  const std::string table = out.str();
  EXPECT_THAT(table, HasSubstr("node node-a"));
  EXPECT_THAT(table, HasSubstr("10.0.0.240"));
  EXPECT_THAT(table, HasSubstr("web/nginx"));
  EXPECT_THAT(table, HasSubstr("node-b's liveness link closed"));
  EXPECT_THAT(table, HasSubstr("node-c"));
  EXPECT_THAT(table, HasSubstr("0.02s ago"));  // last heard
  EXPECT_THAT(table, HasSubstr("peer-died"));
  EXPECT_THAT(table, HasSubstr("12.3 ms"));
  EXPECT_THAT(table, HasSubstr("programmed, 1 MSS clamp(s)"));
  EXPECT_THAT(table, HasSubstr("- nftables entry dropped"));

  std::ostringstream json;
  ASSERT_EQ(ctl::RunStatus({.socket = path_, .output = "json"}, json, err), 0);
  EXPECT_THAT(json.str(), HasSubstr("\"failoverSeconds\":0.0123"));
  EXPECT_THAT(json.str(), HasSubstr("\"previousOwner\":\"node-b\""));

  server->reset();
  EXPECT_FALSE(std::filesystem::exists(path_));  // removed on stop
}

TEST_F(StatusServerTest, SecondSpeakerOnTheSamePathIsRefusedAndStaleFilesReplaced) {
  auto first = StatusServer::Start(path_, loop_.get(), Sample);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(StatusServer::Start(path_, loop_.get(), Sample).status(),
              StatusIs(absl::StatusCode::kAlreadyExists, "another ironlb-speaker already serves"));
  first->reset();

  // A socket file nobody listens on (a speaker that was SIGKILLed) is replaced.
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  auto again = StatusServer::Start(path_, loop_.get(), Sample);
  ASSERT_TRUE(again.ok()) << again.status();
  std::ostringstream out, err;
  EXPECT_EQ(ctl::RunStatus({.socket = path_, .output = "table"}, out, err), 0) << err.str();
}

TEST_F(StatusServerTest, UnreachableSpeakerIsExplained) {
  std::ostringstream out, err;
  EXPECT_EQ(ctl::RunStatus({.socket = path_, .output = "table"}, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("cannot reach the speaker at " + path_));
  EXPECT_THAT(err.str(), HasSubstr("Is ironlb-speaker running"));
}

}  // namespace
}  // namespace ironlb::speaker
