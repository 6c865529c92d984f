// Edge cases of the FRR clients that a healthy FRR never shows, provoked without FRR:
//  - the vty client's poll() failing (not a timeout): reported at once, with errno, instead of
//    spinning until the deadline and calling it a timeout;
//  - a northbound commit that changes nothing is recognised by its gRPC status code (ABORTED,
//    FRR's NB_ERR_NO_CHANGES), whatever the words of the message; a fake northbound server
//    answers here, and bgp_northbound_client_test checks the same against the real staticd.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bgp/northbound_client.h"
#include "bgp/vty_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/frr_northbound.grpc.pb.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

// A vty "daemon" that answers every command with success, for as long as the peer talks.
class TinyVty {
 public:
  TinyVty() {
    path_ = absl::StrCat(std::filesystem::temp_directory_path().string(), "/ironlb-vty-", getpid(),
                         ".sock");
    unlink(path_.c_str());
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    ok_ = listener_ >= 0 &&
          bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
          listen(listener_, 1) == 0;
    thread_ = std::thread([this] {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] != '\0') continue;
          const char reply[] = {'\0', '\0', '\0', '\0'};  // no output, result code 0
          // The client may have closed already (it gives up on a failed poll): no SIGPIPE.
          if (send(fd, reply, sizeof(reply), MSG_NOSIGNAL) != sizeof(reply)) break;
        }
      }
      close(fd);
    });
  }
  ~TinyVty() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
    unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int listener_ = -1;
  bool ok_ = false;
  std::thread thread_;
};

TEST(VtyClientEdgeTest, APollErrorIsReportedAtOnceNotAsATimeout) {
  TinyVty vty;
  ASSERT_TRUE(vty.ok());
  auto client = VtyClient::Connect("bgpd", vty.path(), absl::Seconds(5));
  ASSERT_THAT(client, IsOk());
  ASSERT_THAT((*client)->Execute("show version"), IsOk());
  // poll() refuses more descriptors than RLIMIT_NOFILE allows (EINVAL): with the limit at 0,
  // every poll of our one descriptor fails, as a kernel error would.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit none = saved;
  none.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &none), 0);
  const absl::StatusOr<std::string> r = (*client)->Execute("show running-config");
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_NE(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument, "EINVAL"));
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument, "waiting for the answer"));
}

// A northbound server whose commits change nothing, in FRR's way (ABORTED), with `message`.
class NoChangeNorthbound final : public frr::Northbound::Service {
 public:
  explicit NoChangeNorthbound(grpc::StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}
  grpc::Status CreateCandidate(grpc::ServerContext*, const frr::CreateCandidateRequest*,
                               frr::CreateCandidateResponse* resp) override {
    resp->set_candidate_id(7);
    return grpc::Status::OK;
  }
  grpc::Status EditCandidate(grpc::ServerContext*, const frr::EditCandidateRequest*,
                             frr::EditCandidateResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status Commit(grpc::ServerContext*, const frr::CommitRequest*,
                      frr::CommitResponse* resp) override {
    resp->set_error_message(message_);
    return grpc::Status(code_, message_);
  }
  grpc::Status DeleteCandidate(grpc::ServerContext*, const frr::DeleteCandidateRequest*,
                               frr::DeleteCandidateResponse*) override {
    return grpc::Status::OK;
  }

 private:
  grpc::StatusCode code_;
  std::string message_;
};

absl::StatusOr<bool> CommitAgainst(grpc::StatusCode code, const std::string& message) {
  NoChangeNorthbound service(code, message);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return absl::InternalError("no server");
  auto client =
      GrpcNorthboundClient::Create("staticd", absl::StrCat("127.0.0.1:", port), absl::Seconds(5));
  absl::StatusOr<bool> out =
      client->Commit({{YangEdit::Op::kSet, "/frr-test:x", "1"}}, "edge case");
  server->Shutdown();
  return out;
}

TEST(NorthboundEdgeTest, ANoOpCommitIsKnownByItsStatusCodeNotItsWords) {
  // FRR 8.4's words, other words (a later FRR, a translation): both mean "nothing changed".
  for (const std::string& words :
       {std::string("No changes to apply were found during preparation phase"),
        std::string("Keine Änderungen gefunden"), std::string()}) {
    absl::StatusOr<bool> r = CommitAgainst(grpc::StatusCode::ABORTED, words);
    ASSERT_THAT(r, IsOk()) << words;
    EXPECT_FALSE(*r) << words;
  }
  // Another refusal is an error, even when its text mentions "No changes".
  EXPECT_THAT(CommitAgainst(grpc::StatusCode::INVALID_ARGUMENT, "No changes: invalid value"),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid value"));
}

}  // namespace
}  // namespace ironlb::bgp
