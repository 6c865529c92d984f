// ironlbctl: validate, plan, show and explain ironlb. Only the command line here: cli.cc.
#include <iostream>
#include <string>
#include <vector>

#include "ctl/cli.h"

int main(int argc, char** argv) {
  return ironlb::ctl::RunCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
