// One list call's paging at the gRPC edge (DESIGN §4): the page size, the cursor in the page
// token, and the next page's token. The token is bound by construction to every field of the
// request but page_size and page_token, so a filter added to a request later is bound too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/paging/page_token.h"
#include "common/status/errors.h"
#include "google/protobuf/message.h"

namespace flywheel {

class ListPage {
 public:
  // Reads `request`'s page_size and page_token fields; a bad size or token (altered, made for
  // another query, or without exactly `cursor_parts` parts) adds a violation to `v`.
  ListPage(const paging::PageTokenCodec& codec, const google::protobuf::Message& request, size_t cursor_parts,
           FieldViolations& v);

  // The cursor of the page asked for: nullopt for the first page.
  const std::optional<std::vector<std::string>>& cursor() const { return cursor_; }
  int page_size() const { return page_size_; }
  // How many rows to read: one more than a page tells whether another page follows.
  int limit() const { return page_size_ + 1; }

  // A token for the page after the row whose cursor is `cursor`.
  std::string TokenAfter(const std::vector<std::string>& cursor) const;

  // Cuts `rows` (read with limit()) to the page; the next page's token, or "" on the last page.
  template <typename Row, typename CursorOf>
  std::string Finish(std::vector<Row>& rows, CursorOf cursor_of) const {
    if (static_cast<int>(rows.size()) <= page_size_) return "";
    rows.resize(page_size_);
    return TokenAfter(cursor_of(rows.back()));
  }

 private:
  const paging::PageTokenCodec& codec_;
  std::string query_;
  int page_size_ = paging::kDefaultPageSize;
  std::optional<std::vector<std::string>> cursor_;
};

}  // namespace flywheel
