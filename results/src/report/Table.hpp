#pragma once
// The CSV files of a results folder (a header, then rows; no quoting: names hold no comma), by column name.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace twinbench::results::report {

class Table {
public:
  Table(const std::string& text, const std::string& file) {
    std::vector<std::vector<std::string>> lines;
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      std::vector<std::string> cells;
      for (std::size_t c = at;;) {
        const std::size_t comma = std::min(text.find(',', c), end);
        cells.push_back(text.substr(c, comma - c));
        if (comma >= end) break;
        c = comma + 1;
      }
      lines.push_back(std::move(cells));
      at = end + 1;
    }
    if (lines.empty()) throw std::runtime_error(file + ": empty, expected a header line");
    for (std::size_t i = 0; i < lines[0].size(); ++i) columns_[lines[0][i]] = i;
    for (std::size_t r = 1; r < lines.size(); ++r) {
      if (lines[r].size() != lines[0].size())
        throw std::runtime_error(file + ":" + std::to_string(r + 1) + ": " + std::to_string(lines[r].size()) + " cells, expected " + std::to_string(lines[0].size()));
      rows_.push_back(std::move(lines[r]));
    }
    file_ = file;
  }
  std::size_t rows() const { return rows_.size(); }
  bool has(const std::string& column) const { return columns_.contains(column); }
  const std::string& at(std::size_t row, const std::string& column) const {
    const auto it = columns_.find(column);
    if (it == columns_.end()) throw std::runtime_error(file_ + ": no column '" + column + "'");
    return rows_.at(row)[it->second];
  }
  /** The cell as a number; none when empty (a KPI with nothing to measure). */
  std::optional<double> number(std::size_t row, const std::string& column) const {
    const std::string& s = at(row, column);
    if (s.empty()) return std::nullopt;
    try {
      return std::stod(s);
    } catch (const std::exception&) {
      throw std::runtime_error(file_ + ":" + std::to_string(row + 2) + ": column '" + column + "': expected a number, got '" + s + "'");
    }
  }

  /** The cell as a number, which must be there. */
  double required(std::size_t row, const std::string& column) const {
    if (const auto v = number(row, column)) return *v;
    throw std::runtime_error(file_ + ":" + std::to_string(row + 2) + ": column '" + column + "': expected a number, got nothing");
  }

private:
  std::map<std::string, std::size_t> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::string file_;
};

}  // namespace twinbench::results::report
