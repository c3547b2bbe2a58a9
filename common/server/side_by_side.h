// Runs independent pieces of one call's work side by side on the worker pool, so that a large
// write can keep more than one database connection (and so more than one database core) busy.
// The calling worker runs the first piece itself and offers the others to idle workers; a piece
// no worker has started by the time the caller gets to it runs on the caller. So nothing waits
// for a queued task that no one runs (even with every worker busy, the call completes serially),
// and each worker still holds at most one database connection.
#pragma once

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "common/db/run_pieces.h"
#include "common/server/worker_pool.h"

namespace flywheel {

// Runs the pieces as db::RunPieces promises (common/db/run_pieces.h), side by side.
absl::Status RunSideBySide(WorkerPool& workers, std::vector<std::function<absl::Status()>> pieces);

// RunSideBySide on `workers`, as the db::RunPieces a repository takes (`workers` must outlive it).
db::RunPieces SideBySideOn(WorkerPool& workers);

}  // namespace flywheel
