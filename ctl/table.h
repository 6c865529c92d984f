// Plain-text tables for ironlbctl's human output: columns padded to their widest cell.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ironlb::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ironlb::ctl
