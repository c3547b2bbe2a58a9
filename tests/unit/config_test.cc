#include "common/config/server_config.h"
#include "common/status/errors.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

TEST(DatabaseDsn, ParsesHostPortAndDatabase) {
  DatabaseConfig c;
  ASSERT_TRUE(ParseDatabaseDsn("tcp://db.flywheel.svc:3307/flywheel_accounts", &c).ok());
  EXPECT_EQ(c.host, "db.flywheel.svc");
  EXPECT_EQ(c.port, 3307);
  EXPECT_EQ(c.database, "flywheel_accounts");
  DatabaseConfig d;
  ASSERT_TRUE(ParseDatabaseDsn("127.0.0.1/x", &d).ok());
  EXPECT_EQ(d.port, 3306);
}

TEST(DatabaseDsn, ParsesUnixSocketAndDatabase) {
  DatabaseConfig c;
  ASSERT_TRUE(ParseDatabaseDsn("unix:///run/mysqld/mysqld.sock/flywheel_health", &c).ok());
  EXPECT_EQ(c.socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(c.database, "flywheel_health");
  EXPECT_EQ(GetFieldViolations(ParseDatabaseDsn("unix:///mysqld.sock", &c)).at(0).field, "db_dsn");
  EXPECT_FALSE(ParseDatabaseDsn("unix:///run/mysqld.sock/", &c).ok());
  EXPECT_FALSE(ParseDatabaseDsn("unix://relative/sock/db", &c).ok());
}

TEST(DatabaseDsn, FormatsWhatItParses) {
  for (const char* dsn : {"tcp://db.flywheel.svc:3307/flywheel_accounts", "unix:///run/mysqld/mysqld.sock/x"}) {
    DatabaseConfig c;
    ASSERT_TRUE(ParseDatabaseDsn(dsn, &c).ok());
    EXPECT_EQ(DatabaseDsn(c), dsn);
  }
}

TEST(DatabaseDsn, RejectsMissingDatabaseAndBadPort) {
  DatabaseConfig c;
  EXPECT_EQ(GetFieldViolations(ParseDatabaseDsn("tcp://host:3306", &c)).at(0).field, "db_dsn");
  EXPECT_FALSE(ParseDatabaseDsn("tcp://host:99999/db", &c).ok());
  EXPECT_FALSE(ParseDatabaseDsn("tcp://:3306/db", &c).ok());
}

TEST(ServerConfig, EnvironmentFillsFlagsAndCommandLineWins) {
  setenv("FLYWHEEL_DB_USER", "from_env", 1);
  setenv("FLYWHEEL_DRAIN_DEADLINE_SECONDS", "4", 1);
  std::vector<std::string> args = {"svc", "migrate", "--drain_deadline_seconds=7"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto config = LoadServerConfig(static_cast<int>(argv.size()), argv.data(), {"accounts", 50051, "flywheel_accounts"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database.user, "from_env");
  EXPECT_EQ(config->drain_deadline, absl::Seconds(7));
  EXPECT_EQ(config->listen_address, "0.0.0.0:50051");
  EXPECT_EQ(config->database.database, "flywheel_accounts");
  ASSERT_EQ(config->positional.size(), 1u);
  EXPECT_EQ(config->positional[0], "migrate");
  unsetenv("FLYWHEEL_DB_USER");
  unsetenv("FLYWHEEL_DRAIN_DEADLINE_SECONDS");
}

}  // namespace
}  // namespace flywheel
