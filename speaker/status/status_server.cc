#include "speaker/status/status_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <future>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "grpcpp/grpcpp.h"
#include "proto/ironlb_status.grpc.pb.h"

namespace ironlb::speaker {

namespace {

// True when something accepts connections on the unix socket at `path`.
bool SomeoneListens(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

class StatusServer::Service final : public status::v1::SpeakerStatus::Service {
 public:
  Service(EventLoop* loop, Snapshot snapshot) : loop_(loop), snapshot_(std::move(snapshot)) {}

  grpc::Status Get(grpc::ServerContext*, const status::v1::GetRequest*,
                   status::v1::SpeakerState* reply) override {
    auto promise = std::make_shared<std::promise<status::v1::SpeakerState>>();
    std::future<status::v1::SpeakerState> result = promise->get_future();
    loop_->Post([promise, this] { promise->set_value(snapshot_()); });
    if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      return grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          "the speaker's event loop did not answer within 2 s (stopping, or stuck)");
    }
    *reply = result.get();
    return grpc::Status::OK;
  }

 private:
  EventLoop* loop_;
  Snapshot snapshot_;
};

StatusServer::StatusServer(std::string path, std::unique_ptr<Service> service)
    : path_(std::move(path)), service_(std::move(service)) {}

absl::StatusOr<std::unique_ptr<StatusServer>> StatusServer::Start(const std::string& path,
                                                                  EventLoop* loop,
                                                                  Snapshot snapshot) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--status-socket: \"", path, "\" is longer than a unix socket path may be"));
  }
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("--status-socket: cannot create ",
                                                    p.parent_path().string(), ": ", ec.message()));
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return absl::AlreadyExistsError(
          absl::StrCat("--status-socket: ", path, " exists and is not a socket; remove it"));
    }
    if (SomeoneListens(path)) {
      return absl::AlreadyExistsError(
          absl::StrCat("--status-socket: another ironlb-speaker already serves ", path,
                       "; give each speaker on this host its own socket"));
    }
    unlink(path.c_str());  // stale: left by a speaker that died
  }
  auto self = std::unique_ptr<StatusServer>(
      new StatusServer(path, std::make_unique<Service>(loop, std::move(snapshot))));
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + path, grpc::InsecureServerCredentials());
  builder.RegisterService(self->service_.get());
  // Two threads at most: this is a status page, not a data path.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1);
  self->server_ = builder.BuildAndStart();
  if (!self->server_) {
    return absl::UnavailableError(absl::StrCat("--status-socket: cannot listen on ", path));
  }
  chmod(path.c_str(), 0660);
  return self;
}

StatusServer::~StatusServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  unlink(path_.c_str());
}

}  // namespace ironlb::speaker
