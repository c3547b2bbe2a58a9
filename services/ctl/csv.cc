#include "services/ctl/csv.h"

#include <csv.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace flywheel::ctl {
namespace {

// What libcsv's callbacks fill in while the input is fed to it.
struct Parse {
  int line = 0;         // the line being fed
  int record_line = 0;  // where the record being parsed began (0: none begun)
  std::vector<std::string> fields;
  std::vector<std::pair<int, std::vector<std::string>>> records;  // (line, cells) not yet handed on
};

void OnField(void* data, size_t size, void* state) {
  auto* p = static_cast<Parse*>(state);
  if (p->record_line == 0) p->record_line = p->line;
  p->fields.emplace_back(data ? static_cast<const char*>(data) : "", data ? size : 0);
}

void OnRecord(int, void* state) {
  auto* p = static_cast<Parse*>(state);
  p->records.emplace_back(p->record_line ? p->record_line : p->line, std::move(p->fields));
  p->fields.clear();
  p->record_line = 0;
}

bool Skipped(const std::vector<std::string>& cells) {
  if (!cells.empty() && absl::StartsWith(cells[0], "#")) return true;  // a comment
  for (const auto& c : cells) {
    if (!c.empty()) return false;
  }
  return true;
}

// Owns a libcsv parser for one input.
class Parser {
 public:
  Parser() { ok_ = csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) == 0; }
  ~Parser() {
    if (ok_) csv_free(&parser_);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  bool ok() const { return ok_; }
  // Feeds one line (with its line end); false on broken quoting.
  bool Feed(absl::string_view chunk, Parse& state) {
    return csv_parse(&parser_, chunk.data(), chunk.size(), OnField, OnRecord, &state) == chunk.size();
  }
  bool Finish(Parse& state) { return csv_fini(&parser_, OnField, OnRecord, &state) == 0; }
  const char* Error() { return csv_strerror(csv_error(&parser_)); }

 private:
  csv_parser parser_;
  bool ok_ = false;
};

}  // namespace

absl::Status CsvHeader::Require(const std::vector<std::string>& wanted) const {
  std::vector<std::string> missing;
  for (const auto& c : wanted) {
    if (!Has(c)) missing.push_back(c);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("the header lacks the column", missing.size() > 1 ? "s " : " ",
                                                 absl::StrJoin(missing, ", ")));
}

std::string CsvRow::Get(absl::string_view column) const {
  auto it = header->index.find(std::string(column));
  return it == header->index.end() || it->second >= cells.size() ? "" : cells[it->second];
}

absl::Status ReadCsv(std::istream& in, const std::function<absl::Status(const CsvHeader&)>& on_header,
                     const std::function<absl::Status(const CsvRow&)>& on_row) {
  Parser parser;
  if (!parser.ok()) return absl::ResourceExhaustedError("cannot start the CSV parser");
  Parse state;
  std::shared_ptr<CsvHeader> header;
  // Hands on the records completed so far.
  auto hand_on = [&]() -> absl::Status {
    for (auto& [line, cells] : state.records) {
      if (Skipped(cells)) continue;
      if (!header) {
        header = std::make_shared<CsvHeader>();
        for (auto& c : cells) {
          std::string name = absl::AsciiStrToLower(c);
          if (!name.empty() && !header->index.emplace(name, header->columns.size()).second) {
            return absl::InvalidArgumentError(absl::StrCat("line ", line, ": the column ", name, " appears twice"));
          }
          header->columns.push_back(std::move(name));
        }
        if (absl::Status s = on_header(*header); !s.ok()) return s;
        continue;
      }
      CsvRow row{line, header, std::move(cells)};
      if (absl::Status s = on_row(row); !s.ok()) return s;
    }
    state.records.clear();
    return absl::OkStatus();
  };
  std::string chunk;
  while (std::getline(in, chunk)) {
    ++state.line;
    if (!in.eof()) chunk.push_back('\n');  // fed a line at a time, so rows and errors are told by line
    absl::string_view text = chunk;
    if (state.line == 1) absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a byte-order mark, as spreadsheets write
    if (!parser.Feed(text, state)) {
      return absl::InvalidArgumentError(absl::StrCat("line ", state.line, ": ", parser.Error(), " (a quote out of place)"));
    }
    if (absl::Status s = hand_on(); !s.ok()) return s;
  }
  if (!parser.Finish(state)) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", state.record_line, ": a quoted field is not closed before the end of the file"));
  }
  if (absl::Status s = hand_on(); !s.ok()) return s;
  if (!header) return absl::InvalidArgumentError("the file has no header row");
  return absl::OkStatus();
}

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, const std::vector<std::string>& required) {
  std::istringstream in{std::string(text)};
  CsvTable table;
  absl::Status read = ReadCsv(
      in,
      [&](const CsvHeader& header) {
        table.header = std::make_shared<const CsvHeader>(header);
        return header.Require(required);
      },
      [&](const CsvRow& row) {
        table.rows.push_back(row);
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  return table;
}

absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path, const std::vector<std::string>& required) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseCsv(text.str(), required);
}

int BadFile(const std::string& path, const absl::Status& why) {
  std::fprintf(stderr, "%s: %s\n", path.c_str(), std::string(why.message()).c_str());
  return kExitBadInput;
}

void RowFailed(int line, absl::string_view why) { std::fprintf(stderr, "line %d: %s\n", line, std::string(why).c_str()); }

}  // namespace flywheel::ctl
