// Sockets and captures inside test-created network namespaces: a three-namespace lab
// (client - router - server joined by veth pairs), small TCP/UDP echo servers, and tcpdump
// captures started and stopped by PID.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "nft/mnl_transport.h"
#include "nft/reconciler.h"
#include "test/nft/nft_test_util.h"

namespace ironlb::nft::testing {

// Runs `fn` with the calling thread inside `netns`, then moves it back.
absl::Status RunIn(const ScopedNetns& netns, const std::function<void()>& fn);

// A reconciler whose netlink socket was opened inside `netns` (so it programs that namespace's
// nftables from any thread).
struct NftIn {
  std::unique_ptr<MnlTransport> transport;
  std::unique_ptr<Reconciler> reconciler;
};
absl::StatusOr<NftIn> ReconcilerIn(const ScopedNetns& netns);

// client (10.0.1.2, fd00:1::2) -- r-c/c-r -- router (10.0.1.1, fd00:1::1 | 10.0.2.1, fd00:2::1)
// -- r-s/s-r -- server (10.0.2.2, fd00:2::2). The client routes everything via the router; the
// server only knows its own subnet, so forwarded replies need source NAT unless told otherwise.
struct Lab {
  Lab();
  bool ok = false;
  ScopedNetns client{"ilbc"};
  ScopedNetns router{"ilbr"};
  ScopedNetns server{"ilbs"};
};

// Serves one TCP connection (or UDP datagram) on `port` in `netns`: replies "echo:" + data and
// records the peer address. Waits at most `timeout_ms`.
class EchoServer {
 public:
  EchoServer(const ScopedNetns& netns, int family, int type, uint16_t port, int timeout_ms);
  ~EchoServer();
  bool listening() const { return fd_ >= 0; }
  // Joins the server thread; the peer address seen ("" when nothing came).
  std::string Finish();

 private:
  int fd_ = -1;
  int type_;
  int timeout_ms_;
  std::string peer_;
  std::thread thread_;
};

// Sends `payload` to addr:port over TCP or UDP from `netns`; returns the reply.
absl::StatusOr<std::string> Exchange(const ScopedNetns& netns, const std::string& addr,
                                     uint16_t port, int type, const std::string& payload,
                                     int timeout_ms);

// tcpdump writing to a pcap file in `netns` on `interface`, stopped by PID.
class Capture {
 public:
  Capture(const ScopedNetns& netns, const std::string& interface, const std::string& filter);
  ~Capture();
  // Stops the capture and returns `tcpdump -nn -v -r` text of what it saw.
  absl::StatusOr<std::string> Stop();
  // The same, once that text satisfies `seen` (30 s at most, a hung test only): packets reach
  // the file when tcpdump gets to run, late on a loaded machine.
  absl::StatusOr<std::string> StopWhen(const std::function<bool(const std::string&)>& seen);

 private:
  pid_t pid_ = -1;
  std::string file_;
};

// MSS values of the SYN (no ACK) and SYN-ACK packets in `tcpdump -v` text; 0 when absent.
struct SynMss {
  int syn = 0;
  int syn_ack = 0;
};
SynMss ParseSynMss(const std::string& tcpdump_text);

}  // namespace ironlb::nft::testing
