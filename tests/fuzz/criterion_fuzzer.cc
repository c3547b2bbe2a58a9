// libFuzzer target: the milestone-criterion parser. Any text parses or is refused with
// INVALID_ARGUMENT; a parsed criterion evaluates without crashing and parses again from its own
// text to a criterion that reads the same names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "services/handoff/domain/criterion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = flywheel::handoff::Criterion::Parse(text);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  std::map<std::string, double> values;
  for (const auto& name : parsed->names()) values[name] = 1.0;
  parsed->Holds(values);
  parsed->Holds({});
  auto again = flywheel::handoff::Criterion::Parse(parsed->text());
  if (!again.ok() || again->names() != parsed->names()) std::abort();
  return 0;
}
