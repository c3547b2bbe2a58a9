// Runs a real service binary for end-to-end tests: binds 127.0.0.1 port 0, learns the port
// from --port_file, waits for it to serve, and stops it with SIGTERM (or SIGKILL). The service
// is killed when the thread that started it ends, so a test that dies leaves none running:
// start services from a thread that lives as long as they should (a test's own).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/config/server_config.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::testing {

// Database flags for a binary that opens no database (the echo floor): well formed, never used.
DatabaseConfig NoDatabase();

class ServiceProcess {
 public:
  // Starts `binary` against `database` with extra flags; aborts the test binary if it
  // does not write its port within `startup` (a service that cannot start fails every test).
  ServiceProcess(const std::string& binary, const DatabaseConfig& database,
                 std::vector<std::string> extra_flags = {}, absl::Duration startup = absl::Seconds(60));
  ~ServiceProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string address() const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // SIGTERM, then waits up to `wait` for exit; returns the exit status (-1 on timeout).
  int Terminate(absl::Duration wait = absl::Seconds(30));
  void Kill();
  bool running() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string port_file_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace flywheel::testing
