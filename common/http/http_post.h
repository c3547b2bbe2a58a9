// POSTs a body over HTTP(S) with libcurl: what webhook deliveries send. One call, one request,
// no retries (the caller decides what a failure means); a timeout bounds the whole request.
// Thread-safe: each call uses its own easy handle (curl_global_init runs once, on first use).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace flywheel::http {

struct PostResult {
  int status_code = 0;  // 0: no HTTP answer (then `error` says why)
  std::string error;    // the transport's error, or the start of the answer's body on a non-2xx
};

PostResult Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& body, absl::Duration timeout);

}  // namespace flywheel::http
