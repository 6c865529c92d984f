// What the kernel holds in `inet ironlb`, read with netlink dumps and parsed with libnftnl.
// Objects of other tables are skipped: ironlb never reads into or acts on them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nft/netlink_transport.h"
#include "nft/ruleset_spec.h"

namespace ironlb::nft {

struct ElementCounter {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct KernelState {
  bool table_exists = false;
  std::vector<ChainSpec> chains;
  std::vector<SetSpec> sets;  // definitions and elements
  // chain -> rules in order -> canonical expression text
  std::map<std::string, std::vector<std::vector<std::string>>> rules;
  // set -> element key -> counter, for sets with element counters
  std::map<std::string, std::map<std::string, ElementCounter>> counters;

  const SetSpec* FindSet(absl::string_view name) const;
};

// Reads the whole `inet ironlb` table. Sequence numbers come from `*seq` and advance.
absl::StatusOr<KernelState> ReadKernelState(NetlinkTransport& transport, uint32_t* seq);
// Reads only the elements (and counters) of one set.
absl::Status ReadSetElements(NetlinkTransport& transport, uint32_t* seq, SetSpec* set,
                             std::map<std::string, ElementCounter>* counters);
// The ruleset generation id (changes with every commit by anyone in this network namespace).
absl::StatusOr<uint32_t> ReadGeneration(NetlinkTransport& transport, uint32_t* seq);

// Parsers of kernel replies, exposed for tests and the fuzz target. Malformed messages give an
// error naming what could not be parsed.
absl::Status ParseTables(const std::vector<std::string>& msgs, KernelState* state);
absl::Status ParseChains(const std::vector<std::string>& msgs, KernelState* state);
absl::Status ParseSets(const std::vector<std::string>& msgs, KernelState* state);
absl::Status ParseRules(const std::vector<std::string>& msgs, KernelState* state);
absl::Status ParseElements(const std::vector<std::string>& msgs, SetSpec* set,
                           std::map<std::string, ElementCounter>* counters);
absl::StatusOr<uint32_t> ParseGeneration(const std::vector<std::string>& msgs);

}  // namespace ironlb::nft
