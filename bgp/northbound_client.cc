#include "bgp/northbound_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proto/frr_northbound.grpc.pb.h"

namespace ironlb::bgp {
namespace {

absl::StatusCode FromGrpc(grpc::StatusCode code) {
  // gRPC's and Abseil's canonical codes share their numbering.
  return static_cast<absl::StatusCode>(static_cast<int>(code));
}

}  // namespace

struct GrpcNorthboundClient::Impl {
  std::string daemon;
  std::string target;
  absl::Duration deadline;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<frr::Northbound::Stub> stub;

  void Prepare(grpc::ClientContext& ctx) const {
    // Wait (up to the deadline) for a connection rather than failing at once while gRPC is
    // backing off between reconnects: FRR restarting is routine, not an error.
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline)));
  }

  absl::Status Error(absl::string_view step, const grpc::Status& st) const {
    const absl::StatusCode code = st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                                          st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                                      ? absl::StatusCode::kUnavailable
                                      : FromGrpc(st.error_code());
    return absl::Status(
        code, absl::StrCat("FRR ", daemon, " at ", target, ": ", step, ": ", st.error_message()));
  }
};

GrpcNorthboundClient::GrpcNorthboundClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GrpcNorthboundClient::~GrpcNorthboundClient() = default;

std::unique_ptr<GrpcNorthboundClient> GrpcNorthboundClient::Create(std::string daemon,
                                                                   std::string target,
                                                                   absl::Duration deadline) {
  auto impl = std::make_unique<Impl>();
  impl->daemon = std::move(daemon);
  impl->target = std::move(target);
  impl->deadline = deadline;
  grpc::ChannelArguments args;
  // Reconnect quickly after FRR restarts instead of backing off for up to two minutes.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  impl->channel = grpc::CreateCustomChannel(impl->target, grpc::InsecureChannelCredentials(), args);
  impl->stub = frr::Northbound::NewStub(impl->channel);
  return std::unique_ptr<GrpcNorthboundClient>(new GrpcNorthboundClient(std::move(impl)));
}

absl::StatusOr<bool> GrpcNorthboundClient::Commit(const std::vector<YangEdit>& edits,
                                                  absl::string_view comment) {
  if (edits.empty()) return false;
  bool changed = false;
  uint32_t candidate = 0;
  {
    grpc::ClientContext ctx;
    impl_->Prepare(ctx);
    frr::CreateCandidateRequest req;
    frr::CreateCandidateResponse resp;
    const grpc::Status st = impl_->stub->CreateCandidate(&ctx, req, &resp);
    if (!st.ok()) return impl_->Error("create candidate", st);
    candidate = resp.candidate_id();
  }
  absl::Status result = [&]() -> absl::Status {
    // FRR applies an EditCandidate's updates before its deletes, so edits go in runs of one
    // kind, in order: "delete X, then set X/..." replaces X as the caller meant.
    for (size_t begin = 0; begin < edits.size();) {
      size_t end = begin;
      while (end < edits.size() && edits[end].op == edits[begin].op) ++end;
      grpc::ClientContext ctx;
      impl_->Prepare(ctx);
      frr::EditCandidateRequest req;
      req.set_candidate_id(candidate);
      for (size_t i = begin; i < end; ++i) {
        const YangEdit& e = edits[i];
        frr::PathValue* pv = e.op == YangEdit::Op::kSet ? req.add_update() : req.add_delete_();
        pv->set_path(e.xpath);
        pv->set_value(e.value);
      }
      frr::EditCandidateResponse resp;
      const grpc::Status st = impl_->stub->EditCandidate(&ctx, req, &resp);
      if (!st.ok()) return impl_->Error("edit candidate", st);
      begin = end;
    }
    grpc::ClientContext ctx;
    impl_->Prepare(ctx);
    frr::CommitRequest req;
    req.set_candidate_id(candidate);
    req.set_phase(frr::CommitRequest::ALL);
    req.set_comment(std::string(comment));
    frr::CommitResponse resp;
    const grpc::Status st = impl_->stub->Commit(&ctx, req, &resp);
    // A commit that changes nothing: FRR's northbound maps NB_ERR_NO_CHANGES, and only that,
    // to ABORTED for a phase-ALL commit (lib/northbound_grpc.cpp, HandleUnaryCommit; its other
    // refusals are NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE, INVALID_ARGUMENT,
    // RESOURCE_EXHAUSTED, INTERNAL). The code decides, not FRR's English message;
    // bgp_northbound_client_test pins it against the real staticd.
    if (st.error_code() == grpc::StatusCode::ABORTED) return absl::OkStatus();
    if (!st.ok()) {
      return impl_->Error("commit", st.error_message().empty() && !resp.error_message().empty()
                                        ? grpc::Status(st.error_code(), resp.error_message())
                                        : st);
    }
    changed = true;
    return absl::OkStatus();
  }();
  // Always drop the candidate, or FRR keeps it (and its memory) until the session ends.
  grpc::ClientContext ctx;
  impl_->Prepare(ctx);
  frr::DeleteCandidateRequest req;
  req.set_candidate_id(candidate);
  frr::DeleteCandidateResponse resp;
  const grpc::Status st = impl_->stub->DeleteCandidate(&ctx, req, &resp);
  if (result.ok() && !st.ok()) return impl_->Error("delete candidate", st);
  if (!result.ok()) return result;
  return changed;
}

absl::StatusOr<std::string> GrpcNorthboundClient::GetJson(absl::string_view xpath, DataKind kind) {
  grpc::ClientContext ctx;
  impl_->Prepare(ctx);
  frr::GetRequest req;
  req.set_type(kind == DataKind::kConfig  ? frr::GetRequest::CONFIG
               : kind == DataKind::kState ? frr::GetRequest::STATE
                                          : frr::GetRequest::ALL);
  req.set_encoding(frr::JSON);
  req.set_with_defaults(false);
  req.add_path(std::string(xpath));
  auto reader = impl_->stub->Get(&ctx, req);
  std::string data;
  frr::GetResponse resp;
  while (reader->Read(&resp)) data += resp.data().data();
  const grpc::Status st = reader->Finish();
  if (!st.ok()) return impl_->Error(absl::StrCat("get ", xpath), st);
  return data;
}

absl::StatusOr<std::string> GrpcNorthboundClient::Version() {
  grpc::ClientContext ctx;
  impl_->Prepare(ctx);
  frr::GetCapabilitiesRequest req;
  frr::GetCapabilitiesResponse resp;
  const grpc::Status st = impl_->stub->GetCapabilities(&ctx, req, &resp);
  if (!st.ok()) return impl_->Error("get capabilities", st);
  return resp.frr_version();
}

std::string EditSummary(const std::vector<YangEdit>& edits) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < edits.size() && i < 3; ++i) {
    parts.push_back(
        absl::StrCat(edits[i].op == YangEdit::Op::kSet ? "set " : "delete ", edits[i].xpath,
                     edits[i].value.empty() ? "" : absl::StrCat(" = ", edits[i].value)));
  }
  if (edits.size() > 3) parts.push_back(absl::StrCat("... (", edits.size(), " edits)"));
  return absl::StrJoin(parts, "; ");
}

}  // namespace ironlb::bgp
