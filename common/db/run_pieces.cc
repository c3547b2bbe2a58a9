#include "common/db/run_pieces.h"

#include <utility>

namespace flywheel::db {

absl::Status RunInOrder(std::vector<std::function<absl::Status()>> pieces) {
  absl::Status first_failure;
  for (auto& piece : pieces) {
    absl::Status s = piece();
    if (first_failure.ok()) first_failure = std::move(s);
  }
  return first_failure;
}

}  // namespace flywheel::db
