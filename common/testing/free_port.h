// Free loopback TCP ports for test servers that cannot bind port 0 themselves (MariaDB).
#pragma once

namespace flywheel::testing {

// A port on 127.0.0.1 that was free a moment ago (bound to 0, read, released).
int FreeLoopbackPort();

}  // namespace flywheel::testing
