// How a repository runs the independent pieces of one large write (the batches of a bulk
// upsert, the parts of a usage feed), each its own transaction. The repository decides what the
// pieces are; whoever builds it decides where they run: in order on the calling thread
// (RunInOrder, the default, as in tests), or side by side on the worker pool, each piece then
// holding its own connection (RunSideBySide, common/server, wired in by the service's main).
#pragma once

#include <functional>
#include <vector>

#include "absl/status/status.h"

namespace flywheel::db {

// Runs every piece once and returns, when all have finished, OK or the first failure in piece
// order (the other pieces still ran).
using RunPieces = std::function<absl::Status(std::vector<std::function<absl::Status()>>)>;

absl::Status RunInOrder(std::vector<std::function<absl::Status()>> pieces);

}  // namespace flywheel::db
