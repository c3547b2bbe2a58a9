// A private MariaDB for a test binary: started once (data directory under the build tree,
// free loopback port) through deploy/local/mariadb.sh, with a fresh database per test.
// It can be stopped, killed and restarted to test how services ride out outages.
#pragma once

#include <string>

#include "common/config/server_config.h"

namespace flywheel::testing {

class TestMariaDb {
 public:
  // The instance of this process, started on first use. Aborts the test binary when
  // MariaDB cannot start (a test that needs it could not run honestly).
  static TestMariaDb& Shared();

  // How a connection reaches the instance: loopback TCP, or its Unix socket.
  enum class Transport { kTcp, kUnixSocket };

  // Connection settings for a new, empty, uniquely named database on this instance
  // (the database itself is created by whoever applies migrations or by CreateDatabase).
  DatabaseConfig NewDatabaseConfig(Transport transport = Transport::kTcp);
  // As NewDatabaseConfig, and creates the database.
  DatabaseConfig CreateDatabase(Transport transport = Transport::kTcp);

  void Stop();     // clean shutdown
  void Kill();     // kill -9
  void Restart();  // start again on the same port and data

  int port() const { return port_; }
  // The server's process id (from its pid file); -1 when it is not running.
  int pid() const;
  ~TestMariaDb();

 private:
  TestMariaDb();
  void RunScript(const std::string& args);
  std::string dir_;
  int port_ = 0;
  std::string socket_;  // as mariadb.sh chose it (the data directory's path may be too long for one)
};

}  // namespace flywheel::testing
