// A table of text cells for a terminal: columns padded to their widest cell (by the columns a
// terminal shows, so Chinese names line up), two spaces apart; numeric columns right-aligned.
// Shared by the reconciliation tables and the CLI's listings.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace onestop::reports {

// The columns `text` (UTF-8) takes on a terminal (East Asian Wide and Fullwidth code points
// count two); a byte that is not UTF-8 counts as one.
std::size_t display_width(std::string_view text);

class TextTable {
 public:
  // `right`: one flag per column of `header`, true for a right-aligned (numeric) column.
  TextTable(std::vector<std::string> header, std::vector<bool> right) : right_(std::move(right)) {
    rows_.push_back(std::move(header));
  }
  // Precondition: as many cells as the header has columns.
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // The header and every row, one line each, without trailing blanks.
  void write(std::ostream& out) const;

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace onestop::reports
