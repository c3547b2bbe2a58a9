#include "common/testing/test_mariadb.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/db/connection.h"
#include "common/ids/ids.h"
#include "common/testing/free_port.h"

namespace flywheel::testing {

TestMariaDb& TestMariaDb::Shared() {
  static TestMariaDb* instance = new TestMariaDb();
  static const bool registered = [] {
    std::atexit([] { delete instance; });
    return true;
  }();
  (void)registered;
  return *instance;
}

TestMariaDb::TestMariaDb() {
  dir_ = absl::StrCat(FLYWHEEL_BUILD_DIR, "/test-mariadb/", getpid());
  port_ = FreeLoopbackPort();
  RunScript(absl::StrCat("start '", dir_, "' ", port_));
  std::ifstream socket_file(absl::StrCat(dir_, "/socket"));
  std::getline(socket_file, socket_);
}

TestMariaDb::~TestMariaDb() {
  RunScript(absl::StrCat("stop '", dir_, "'"));
  std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

void TestMariaDb::RunScript(const std::string& args) {
  std::string command = absl::StrCat(FLYWHEEL_SOURCE_DIR, "/deploy/local/mariadb.sh ", args);
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "test MariaDB: `%s` failed\n", command.c_str());
    std::abort();
  }
}

DatabaseConfig TestMariaDb::NewDatabaseConfig(Transport transport) {
  DatabaseConfig config;
  config.host = "127.0.0.1";
  config.port = port_;
  if (transport == Transport::kUnixSocket) config.socket = socket_;
  config.user = "flywheel";
  config.password = "flywheel";
  config.database = ids::NewId("test");
  config.pool_size = 4;
  return config;
}

DatabaseConfig TestMariaDb::CreateDatabase(Transport transport) {
  DatabaseConfig config = NewDatabaseConfig(transport);
  auto conn = db::Connection::Open(config, /*use_database=*/false);
  if (!conn.ok()) {
    std::fprintf(stderr, "test MariaDB: %s\n", std::string(conn.status().message()).c_str());
    std::abort();
  }
  (*conn)->Execute(absl::StrCat("CREATE DATABASE `", config.database, "`"));
  return config;
}

int TestMariaDb::pid() const {
  int pid = -1;
  std::ifstream(absl::StrCat(dir_, "/mysqld.pid")) >> pid;
  return pid;
}

void TestMariaDb::Stop() { RunScript(absl::StrCat("stop '", dir_, "'")); }
void TestMariaDb::Kill() { RunScript(absl::StrCat("kill '", dir_, "'")); }
void TestMariaDb::Restart() { RunScript(absl::StrCat("start '", dir_, "' ", port_)); }

}  // namespace flywheel::testing
