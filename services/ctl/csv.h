// Reading the CSV files operators load (CRM exports of accounts and contacts, signal feeds,
// success paths) as RFC 4180 says, through Debian's libcsv: quoted fields with embedded commas,
// doubled quotes and line breaks, CRLF or LF line ends, a UTF-8 byte-order mark, and columns
// found by their header name (any case) in any order. A row whose first cell starts with '#'
// is a comment; blank rows are skipped.
#pragma once

#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flywheel::ctl {

// What `flywheelctl … load` exits with: 0 when every row was taken, kExitBadInput when the file
// could not be used at all (nothing was written), kExitRowsFailed when some rows failed (the
// summary counts them and each failure is listed with its line).
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitRowsFailed = 3;

struct CsvHeader {
  std::vector<std::string> columns;  // lower case, in file order
  std::map<std::string, size_t> index;
  bool Has(absl::string_view column) const { return index.count(std::string(column)) > 0; }
  // INVALID_ARGUMENT naming each of `columns` the header lacks.
  absl::Status Require(const std::vector<std::string>& columns) const;
};

struct CsvRow {
  int line = 0;  // where the row begins in the file (1 is the first line), for messages
  std::shared_ptr<const CsvHeader> header;
  std::vector<std::string> cells;  // surrounding spaces trimmed
  // The cell of `column` ("" when the file has no such column or the row is short).
  std::string Get(absl::string_view column) const;
};

// Reads `in` row by row (a file of any size in little memory): `on_header` once, then `on_row`
// for each data row. Stops at the first error either returns. INVALID_ARGUMENT naming the line
// for broken quoting, a missing header or a repeated column name.
absl::Status ReadCsv(std::istream& in, const std::function<absl::Status(const CsvHeader&)>& on_header,
                     const std::function<absl::Status(const CsvRow&)>& on_row);

// A whole (small) file at once: ReadCsv's rows, after `required` columns are checked.
struct CsvTable {
  std::shared_ptr<const CsvHeader> header;
  std::vector<CsvRow> rows;
};
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, const std::vector<std::string>& required = {});
absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path, const std::vector<std::string>& required = {});

// Says on stderr why the file at `path` cannot be loaded; returns kExitBadInput.
int BadFile(const std::string& path, const absl::Status& why);

// Says on stderr why the row at `line` failed (the caller counts it as failed).
void RowFailed(int line, absl::string_view why);

}  // namespace flywheel::ctl
