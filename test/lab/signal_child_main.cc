// Builds a 2-host lab with backends and a long-running process, prints one line
// "<namespaces, space separated> | <pids, space separated>", then waits to be signalled.
// lab_test sends SIGTERM and checks that none of them survive.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_join.h"
#include "test/lab/lab.h"

int main() {
  using ironlb::lab::Lab;
  auto lab = Lab::Create({.speakers = 2});
  if (!lab.ok()) {
    fprintf(stderr, "%s\n", lab.status().ToString().c_str());
    return 1;
  }
  auto sleeper = (*lab)->Spawn((*lab)->speaker(0), {"sleep", "1000"});
  if (!sleeper.ok()) return 1;
  std::vector<pid_t> pids = (*lab)->BackendPids();
  pids.push_back((*sleeper)->pid());
  printf("%s | %s\n", absl::StrJoin((*lab)->Namespaces(), " ").c_str(),
         absl::StrJoin(pids, " ").c_str());
  fflush(stdout);
  // Bounded: a parent that never signals does not leave this running for long.
  for (int i = 0; i < 600; ++i) sleep(1);
  return 0;
}
