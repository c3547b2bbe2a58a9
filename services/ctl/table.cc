#include "services/ctl/table.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_format.h"

namespace flywheel::ctl {
namespace {
// Display width: counts UTF-8 code points, not bytes.
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// The text as the inside of a JSON string: quotes, backslashes and control characters
// escaped, UTF-8 kept as it is.
std::string JsonEscaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.append(absl::StrFormat("\\u%04x", static_cast<int>(c)));
    } else {
      out.push_back(c);
    }
  }
  return out;
}
}  // namespace

std::optional<Format> ParseFormat(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  return std::nullopt;
}

std::string Table::Render(Format format) const {
  if (format == Format::kCsv) {
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      for (size_t i = 0; i < headers_.size(); ++i) {
        std::string cell = i < cells.size() ? cells[i] : "";
        bool quote = cell.find_first_of(",\"\r\n") != std::string::npos;
        absl::StrAppend(&out, i ? "," : "", quote ? absl::StrCat("\"", absl::StrReplaceAll(cell, {{"\"", "\"\""}}), "\"") : cell);
      }
      out.append("\r\n");
    };
    line(headers_);
    for (const auto& row : rows_) line(row);
    return out;
  }
  if (format == Format::kJson) {
    std::string out = "[";
    for (size_t r = 0; r < rows_.size(); ++r) {
      absl::StrAppend(&out, r ? ",\n " : "\n ", "{");
      for (size_t i = 0; i < headers_.size(); ++i) {
        std::string cell = i < rows_[r].size() ? rows_[r][i] : "";
        absl::StrAppend(&out, i ? ", " : "", "\"", absl::AsciiStrToLower(headers_[i]), "\": \"", JsonEscaped(cell), "\"");
      }
      out.append("}");
    }
    out.append(rows_.empty() ? "]\n" : "\n]\n");
    return out;
  }
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = Width(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      bool last = i + 1 == widths.size();
      absl::StrAppend(&out, cell, last ? "" : std::string(widths[i] - Width(cell) + 2, ' '));
    }
    out.push_back('\n');
  };
  line(headers_);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& row : rows_) line(row);
  return out;
}

Table Table::Select(const std::vector<std::string>& headers) const {
  std::vector<size_t> keep;
  std::vector<std::string> kept;
  for (const auto& h : headers) {
    for (size_t i = 0; i < headers_.size(); ++i) {
      if (headers_[i] == h) {
        keep.push_back(i);
        kept.push_back(h);
      }
    }
  }
  Table out(kept);
  for (const auto& row : rows_) {
    std::vector<std::string> cells;
    for (size_t i : keep) cells.push_back(i < row.size() ? row[i] : "");
    out.AddRow(std::move(cells));
  }
  return out;
}

std::string FormatMoney(const std::string& currency, long long minor_units) {
  bool negative = minor_units < 0;
  unsigned long long units = negative ? -static_cast<unsigned long long>(minor_units) : minor_units;
  std::string whole = absl::StrCat(units / 100);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) whole.insert(i, ",");
  return absl::StrFormat("%s %s%s.%02d", currency, negative ? "-" : "", whole, static_cast<int>(units % 100));
}

}  // namespace flywheel::ctl
