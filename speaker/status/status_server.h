// Serves the speaker's live state (proto/ironlb_status.proto) on a local unix socket for
// `ironlbctl status`. Nothing listens on the network. The state lives on the event loop, so
// each request is answered by building the snapshot there (the gRPC thread posts and waits).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "proto/ironlb_status.pb.h"

namespace grpc {
class Server;
}

namespace ironlb::speaker {

class StatusServer {
 public:
  using Snapshot = std::function<status::v1::SpeakerState()>;

  // Creates the socket's directory if needed, refuses when another live speaker already serves
  // `path`, removes a stale socket file, and makes the socket readable by its group only.
  static absl::StatusOr<std::unique_ptr<StatusServer>> Start(const std::string& path,
                                                             EventLoop* loop, Snapshot snapshot);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  const std::string& path() const { return path_; }

 private:
  class Service;
  StatusServer(std::string path, std::unique_ptr<Service> service);

  std::string path_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace ironlb::speaker
