// Plain-text tables for flywheelctl output: columns sized to their widest cell.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flywheel::ctl {

enum class Format { kTable, kJson, kCsv };
std::optional<Format> ParseFormat(const std::string& name);

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // The same rows with only the columns named in `headers` (in that order); unknown names
  // are left out.
  Table Select(const std::vector<std::string>& headers) const;
  // Aligned columns; or a JSON array of objects keyed by the lower-cased headers; or CSV
  // (RFC 4180 quoting) with the headers as the first line.
  std::string Render(Format format = Format::kTable) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "£1,234,567.89"-style rendering of minor units with the currency code: "GBP 1,234,567.89".
std::string FormatMoney(const std::string& currency, long long minor_units);

}  // namespace flywheel::ctl
