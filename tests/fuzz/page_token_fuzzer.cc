// libFuzzer target: page-token decoding. Any bytes as a token must decode to an error or a
// cursor, never crash; and every cursor must survive Encode then Decode unchanged, for its own
// query only.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/paging/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const flywheel::paging::PageTokenCodec codec("fuzzing-secret-fuzzing-secret-0000");
  std::string input(reinterpret_cast<const char*>(data), size);
  auto decoded = codec.Decode(input, "accounts:list");
  if (decoded.ok() && codec.Encode("accounts:list", *decoded) != input) {
    // A token that decodes must be the one its cursor encodes to: anything else was forged.
    std::abort();
  }
  // The input as a cursor of up to three parts.
  std::vector<std::string> cursor;
  for (size_t start = 0, part = 0; part < 3 && start <= input.size(); ++part) {
    size_t end = input.find('\0', start);
    if (end == std::string::npos) end = input.size();
    cursor.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  std::string token = codec.Encode("accounts:list", cursor);
  auto round_trip = codec.Decode(token, "accounts:list");
  if (!round_trip.ok() || *round_trip != cursor) std::abort();
  if (codec.Decode(token, "accounts:list?label=x").ok()) std::abort();  // bound to its query
  return 0;
}
