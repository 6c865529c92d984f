#include "ctl/status_command.h"

#include <chrono>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctl/table.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "proto/ironlb_status.grpc.pb.h"

namespace ironlb::ctl {

namespace {

constexpr char kStatusHelp[] =
    R"(Reads the live state of ironlb-speaker from its local unix socket (default
/run/ironlb/speaker.sock; run as root or as a member of the socket's group): the VIPs this node
answers for and why it took them, the other speakers heard on each segment and when, recent
takeovers with their failover time, the nftables state and any problem to look at.

Exit status: 0 answered, 1 the speaker could not be reached, 2 bad usage.
)";

std::string Ago(int64_t now_ms, int64_t then_ms) {
  if (then_ms <= 0) return "-";
  const double s = static_cast<double>(now_ms - then_ms) / 1000.0;
  if (s < 60) return absl::StrFormat("%.2fs ago", s);
  if (s < 3600)
    return absl::StrFormat("%dm%02ds ago", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return absl::StrFormat("%dh%02dm ago", static_cast<int>(s) / 3600,
                         static_cast<int>(s) % 3600 / 60);
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out;
  for (const std::string& s : items) absl::StrAppend(&out, out.empty() ? "" : ",", s);
  return out.empty() ? "-" : out;
}

}  // namespace

void PrintStatus(const status::v1::SpeakerState& s, std::ostream& out) {
  const int64_t now = s.now_unix_ms();
  out << "node " << s.node() << "   ironlb " << s.version() << "   up since "
      << Ago(now, s.started_unix_ms()) << "\n";
  out << "config " << s.config().dir() << "   generation " << s.config().generation()
      << (s.config().loaded() ? "" : "   (no valid configuration)") << "\n\n";

  out << "VIPs this node answers for:\n";
  Table owned({"ADDRESS", "INTERFACE", "SERVICES", "SINCE", "WHY"});
  for (const auto& o : s.owned()) {
    owned.AddRow({o.address(), o.interface(), Join(o.services()), Ago(now, o.since_unix_ms()),
                  o.reason().empty() ? "-" : o.reason()});
  }
  if (owned.empty()) {
    out << "  none\n";
  } else {
    owned.Print(out);
  }

  if (!s.local_checks().empty()) {
    out << "\nLocal checks (this node may own an advertisement's VIPs only while its check "
           "passes):\n";
    Table checks({"L2ADVERTISEMENT", "CHECK", "STATE", "LAST RESULT"});
    for (const auto& c : s.local_checks()) {
      checks.AddRow({c.advertisement(), c.check(),
                     c.passing() ? "passing" : (c.known() ? "failing" : "no result yet"),
                     c.detail().empty() ? "-" : c.detail()});
    }
    checks.Print(out);
  }

  out << "\nSpeakers heard:\n";
  // With local checks, which of them pass on each peer (its adverts say so).
  const bool with_checks = !s.local_checks().empty();
  std::vector<std::string> columns = {"INTERFACE", "THIS NODE", "PEER", "PEER INTERFACE",
                                      "LAST HEARD"};
  if (with_checks) columns.push_back("CHECKS PASSING");
  Table peers(columns);
  for (const auto& seg : s.segments()) {
    const std::string self = seg.ready() ? "ready" : "joining";
    std::vector<std::string> none = {seg.interface(), self, "(none)", "-", "-"};
    if (with_checks) none.push_back("-");
    if (seg.peers().empty()) peers.AddRow(none);
    for (const auto& p : seg.peers()) {
      std::vector<std::string> row = {seg.interface(), self,
                                      p.node() + (p.ready() ? "" : " (joining)"), p.interface(),
                                      Ago(now, p.last_heard_unix_ms())};
      if (with_checks)
        row.push_back(p.passing_checks().empty() ? "none" : Join(p.passing_checks()));
      peers.AddRow(row);
    }
  }
  if (peers.empty()) {
    out << "  no layer-2 segment\n";
  } else {
    peers.Print(out);
  }

  if (!s.takeovers().empty()) {
    out << "\nRecent takeovers (newest last):\n";
    Table t({"WHEN", "ADDRESS", "INTERFACE", "FROM", "CAUSE", "FAILOVER"});
    for (const auto& tk : s.takeovers()) {
      t.AddRow({Ago(now, tk.at_unix_ms()), tk.address(), tk.interface(),
                tk.previous_owner().empty() ? "-" : tk.previous_owner(), tk.cause(),
                tk.failover_seconds() > 0 ? absl::StrFormat("%.1f ms", tk.failover_seconds() * 1000)
                                          : "-"});
    }
    t.Print(out);
  }

  if (s.bgp().enabled()) {
    const auto& bgp = s.bgp();
    out << "\nBGP (FRR " << (bgp.in_sync() ? "in sync" : "NOT in sync") << ", "
        << bgp.static_routes() << " prefix(es) originated in bgpd, BFD " << bgp.bfd_sessions_up()
        << "/" << bgp.bfd_sessions() << " up):\n";
    Table peers_table({"PEER", "ADDRESS", "FAMILY", "STATE", "PREFIXES SENT"});
    for (const auto& p : bgp.peers()) {
      peers_table.AddRow(
          {p.name(), p.address(), p.family(), p.state(), std::to_string(p.prefixes_sent())});
    }
    if (peers_table.empty()) {
      out << "  no peer yet\n";
    } else {
      peers_table.Print(out);
    }
  }

  if (s.router().enabled()) {
    out << "\nPort forwards:\n";
    Table fw({"GROUP", "OUTSIDE", "PORT", "TARGET", "FOR", "SNAT"});
    for (const auto& f : s.router().forwards()) {
      if (f.backends_size() == 0) {
        fw.AddRow({f.group(), f.outside(), absl::StrCat(f.protocol(), "/", f.port()), f.target(),
                   f.source(), f.source_nat() ? "yes" : "no"});
        continue;
      }
      // Balanced: one row per backend, with its weight and health.
      for (int b = 0; b < f.backends_size(); ++b) {
        const auto& be = f.backends(b);
        fw.AddRow({b == 0 ? f.group() : "", b == 0 ? f.outside() : "",
                   b == 0 ? absl::StrCat(f.protocol(), "/", f.port()) : "",
                   absl::StrCat(be.address(), " w", be.weight(), " ", be.state(),
                                be.detail().empty() ? "" : absl::StrCat(" (", be.detail(), ")")),
                   b == 0 ? f.source() : "", b == 0 ? (f.source_nat() ? "yes" : "no") : ""});
      }
    }
    if (fw.empty()) {
      out << "  none\n";
    } else {
      fw.Print(out);
    }
    for (const std::string& c : s.router().conflicts()) out << "  contested: " << c << "\n";
  }

  const auto& nft = s.nft();
  out << "\nnftables: ";
  if (!nft.available()) {
    out << "unavailable (no MSS clamping)\n";
  } else {
    out << (nft.converged() ? "programmed" : "NOT programmed") << ", " << nft.clamped_vips()
        << " MSS clamp(s), " << nft.forwards() << " port forward(s)\n";
  }
  out << "\nProblems:\n";
  if (s.problems().empty()) out << "  none\n";
  for (const std::string& p : s.problems()) out << "  - " << p << "\n";
}

absl::StatusOr<status::v1::SpeakerState> ReadSpeakerState(const std::string& socket) {
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = status::v1::SpeakerStatus::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  status::v1::SpeakerState state;
  grpc::Status st = stub->Get(&ctx, status::v1::GetRequest(), &state);
  if (!st.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot reach the speaker at ", socket, ": ", st.error_message()));
  }
  return state;
}

int RunStatus(const StatusOptions& options, std::ostream& out, std::ostream& err) {
  if (options.output != "table" && options.output != "json") {
    err << "ironlbctl status: --output must be table or json, not \"" << options.output << "\"\n";
    return 2;
  }
  absl::StatusOr<status::v1::SpeakerState> read = ReadSpeakerState(options.socket);
  if (!read.ok()) {
    err << "ironlbctl status: " << read.status().message()
        << "\n  Is ironlb-speaker running on this host, with this --status-socket? Reading the "
           "socket needs root or the socket's group.\n";
    return 1;
  }
  const status::v1::SpeakerState& state = *read;
  if (options.output == "json") {
    std::string json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(state, &json, opts);
    out << json << "\n";
    return 0;
  }
  PrintStatus(state, out);
  return 0;
}

CommandSpec StatusCommand() {
  return {
      .name = "status",
      .summary = "what the speaker on this host is doing (VIPs owned and why, peers, takeovers)",
      .usage = "ironlbctl status [--status-socket PATH] [-o table|json]",
      .help = kStatusHelp,
      .define = [](CLI::App& cmd) -> CommandRun {
        auto o = std::make_shared<StatusOptions>();
        AddStatusSocketFlag(cmd, &o->socket);
        AddOutputFlag(cmd, &o->output,
                      "table (default) or json (the SpeakerState message of\n"
                      "proto/ironlb_status.proto, field names in lowerCamelCase)");
        return [o](std::ostream& out, std::ostream& err) { return RunStatus(*o, out, err); };
      }};
}

}  // namespace ironlb::ctl
