// A loopback HTTP server for the webhook tests (libmicrohttpd): it keeps every POST it gets,
// with its headers (names lower-cased) and body, and answers 200, or 503 while told to fail.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"

struct MHD_Daemon;

namespace flywheel::testing {

class WebhookReceiver {
 public:
  struct Request {
    std::map<std::string, std::string> headers;
    std::string body;
  };

  WebhookReceiver();  // on 127.0.0.1, a free port
  ~WebhookReceiver();

  std::string url() const;
  void SetFailing(bool failing);
  std::vector<Request> Received();
  // Waits until `done` holds for what was received, at most `limit`; whether it held.
  bool WaitFor(const std::function<bool(const std::vector<Request>&)>& done, absl::Duration limit);

  // Keeps `request` (unless failing); the HTTP status to answer. Called by the server's thread.
  unsigned int Take(Request request);

 private:

  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool failing_ = false;
  std::vector<Request> received_;
};

}  // namespace flywheel::testing
