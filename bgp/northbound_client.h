// Driving one FRR daemon through its gRPC northbound (frr.Northbound, served by a daemon
// started with `-M grpc:PORT`). A change is one transaction: CreateCandidate -> EditCandidate
// -> Commit -> DeleteCandidate, and the candidate is deleted whatever happens in between.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ironlb::bgp {

// One edit of a YANG data tree: set `xpath` to `value` (empty for containers and list
// entries), or delete the subtree at `xpath`.
struct YangEdit {
  enum class Op { kSet, kDelete };
  Op op = Op::kSet;
  std::string xpath;
  std::string value;
};

// The first edits of a commit, for messages when FRR refuses it (FRR's own message often names
// only the node): "set /x = 1; delete /y; ... (40 edits)".
std::string EditSummary(const std::vector<YangEdit>& edits);

enum class DataKind { kAll, kConfig, kState };

class NorthboundClient {
 public:
  virtual ~NorthboundClient() = default;

  // Applies `edits` as one commit; whether FRR's configuration changed (a commit that changes
  // nothing is success, false). Errors carry FRR's own message and name the daemon.
  virtual absl::StatusOr<bool> Commit(const std::vector<YangEdit>& edits,
                                      absl::string_view comment) = 0;
  // The JSON data tree under `xpath`.
  virtual absl::StatusOr<std::string> GetJson(absl::string_view xpath, DataKind kind) = 0;
};

class GrpcNorthboundClient : public NorthboundClient {
 public:
  // `daemon` names the daemon in messages ("staticd"); `target` is "127.0.0.1:PORT".
  // Connects lazily: creation never blocks, and a restarted FRR is reconnected to by gRPC.
  static std::unique_ptr<GrpcNorthboundClient> Create(std::string daemon, std::string target,
                                                      absl::Duration deadline = absl::Seconds(5));
  ~GrpcNorthboundClient() override;

  absl::StatusOr<bool> Commit(const std::vector<YangEdit>& edits,
                              absl::string_view comment) override;
  absl::StatusOr<std::string> GetJson(absl::string_view xpath, DataKind kind) override;
  // FRR's version, from GetCapabilities (also a cheap liveness check).
  absl::StatusOr<std::string> Version();

 private:
  struct Impl;
  explicit GrpcNorthboundClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ironlb::bgp
