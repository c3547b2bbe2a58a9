// What the benchmarks share: dates for requests, a process's peak RSS, elapsed seconds.
#pragma once

#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "flywheel/type/v1/types.pb.h"

namespace flywheel::bench {

inline flywheel::type::v1::Date D(absl::CivilDay d) {
  flywheel::type::v1::Date out;
  out.set_year(static_cast<int>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

// The peak resident set (VmHWM) of process `pid` in KiB, -1 when unknown.
inline long PeakRssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

inline double Seconds(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

}  // namespace flywheel::bench
