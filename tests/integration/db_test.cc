// The common database layer against a private MariaDB: the server's settings, transactions,
// migrations, multi-row writes and the bounded statement cache.
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/db/connection_pool.h"
#include "common/db/migrations.h"
#include "common/db/sql_params.h"
#include "common/testing/test_mariadb.h"
#include "gtest/gtest.h"

namespace flywheel::db {
namespace {

int64_t QueryInt(ConnectionPool& pool, const std::string& sql) {
  int64_t value = -1;
  EXPECT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    std::unique_ptr<sql::ResultSet> rs(c.Prepare(sql).executeQuery());
    if (rs->next()) value = rs->getInt64(1);
    return absl::OkStatus();
  }).ok());
  return value;
}

// The private server is started with deploy/k8s/base/mariadb.cnf, as the cluster's is.
TEST(PrivateServer, RunsWithTheDeploymentsSettings) {
  ConnectionPool pool(testing::TestMariaDb::Shared().CreateDatabase());
  EXPECT_EQ(QueryInt(pool, "SELECT @@max_connections"), 500);  // the server's default is 151
  EXPECT_EQ(QueryInt(pool, "SELECT @@skip_name_resolve"), 1);
}

TEST(Transactions, DeadlockVictimIsRetriedAndBothCommit) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  ASSERT_TRUE(RunOnConnection(pool, [](Connection& c) {
    c.Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
    c.Execute("INSERT INTO t VALUES (1, 0), (2, 0)");
    return absl::OkStatus();
  }).ok());

  std::atomic<int> attempts{0};
  std::atomic<int> holding_first_lock{0};
  auto transfer = [&](int first, int second) {
    return RunInTransaction(pool, [&, first, second](Connection& c) {
      int attempt = ++attempts;
      auto& a = c.Prepare("UPDATE t SET v = v + 1 WHERE id = ?");
      a.setInt(1, first);
      a.executeUpdate();
      if (attempt <= 2) {  // the two first attempts wait for each other: a certain deadlock
        ++holding_first_lock;
        absl::Time give_up = absl::Now() + absl::Seconds(10);
        while (holding_first_lock < 2 && absl::Now() < give_up) std::this_thread::yield();
      }
      auto& b = c.Prepare("UPDATE t SET v = v + 1 WHERE id = ?");
      b.setInt(1, second);
      b.executeUpdate();
      return absl::OkStatus();
    });
  };
  absl::Status one, two;
  std::thread t1([&] { one = transfer(1, 2); });
  std::thread t2([&] { two = transfer(2, 1); });
  t1.join();
  t2.join();
  EXPECT_TRUE(one.ok()) << one;
  EXPECT_TRUE(two.ok()) << two;
  EXPECT_GE(attempts.load(), 3) << "no transaction was retried";
  EXPECT_EQ(QueryInt(pool, "SELECT SUM(v) FROM t"), 4);  // each committed exactly once
}

TEST(Transactions, ErrorRollsBackEverything) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  ASSERT_TRUE(RunOnConnection(pool, [](Connection& c) {
    c.Execute("CREATE TABLE t (id INT PRIMARY KEY)");
    return absl::OkStatus();
  }).ok());
  absl::Status s = RunInTransaction(pool, [](Connection& c) {
    c.Execute("INSERT INTO t VALUES (1)");
    c.Execute("INSERT INTO t VALUES (1)");  // duplicate key
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM t"), 0);
  s = RunInTransaction(pool, [](Connection& c) {
    c.Execute("INSERT INTO t VALUES (2)");
    return absl::FailedPreconditionError("rule broken");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM t"), 0);
}

TEST(Migrations, AppliesInOrderOnceAndRejectsBadNumbering) {
  DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
  std::vector<Migration> migrations = {
      {"0001_create.sql", "CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);"},
      {"0002_more.sql", "-- second\nINSERT INTO a VALUES (2);"},
  };
  auto applied = ApplyMigrations(config, migrations);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, 2);
  migrations.push_back({"0003_third.sql", "INSERT INTO a VALUES (3);"});
  applied = ApplyMigrations(config, migrations);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 1);
  ConnectionPool pool(config);
  EXPECT_EQ(QueryInt(pool, "SELECT SUM(x) FROM a"), 6);
  EXPECT_EQ(QueryInt(pool, "SELECT MAX(version) FROM schema_migrations"), 3);

  std::vector<Migration> bad = {{"0002_b.sql", "SELECT 1"}, {"0001_a.sql", "SELECT 1"}};
  EXPECT_EQ(ApplyMigrations(config, bad).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<Migration> unnumbered = {{"create.sql", "SELECT 1"}};
  EXPECT_EQ(ApplyMigrations(config, unnumbered).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MultiRow, InsertRowsChunksBindsNullAndInListsPadToOneShape) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  std::vector<std::vector<SqlParam>> rows;
  for (int64_t i = 0; i < 25; ++i) rows.push_back({i, i % 2 ? SqlParam(kSqlNull) : SqlParam("even")});
  std::vector<std::string> shapes;
  std::vector<int64_t> found;
  ASSERT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    c.Execute("CREATE TABLE r (id BIGINT PRIMARY KEY, note VARCHAR(10) NULL)");
    InsertRows(c, "INSERT INTO r (id, note) VALUES", "", 2, rows, /*rows_per_statement=*/10);
    std::vector<SqlParam> ids;
    for (int64_t i = 0; i < 25; i += 2) ids.emplace_back(i);  // 13 ids: chunks of 5, the last padded
    ForEachInChunk(ids, 5, [&](const std::string& in, const std::vector<SqlParam>& params) {
      shapes.push_back(in);
      EXPECT_EQ(params.size(), 5u);
      ForEachRow(c, "SELECT id FROM r WHERE note IS NOT NULL AND id" + in, params,
                 [&](sql::ResultSet& rs) { found.push_back(rs.getInt64(1)); });
    });
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM r"), 25);
  EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM r WHERE note IS NULL"), 12);
  ASSERT_EQ(shapes.size(), 3u);
  EXPECT_EQ(shapes[0], shapes[2]);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<int64_t>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24}));
}

TEST(Connection, StatementCacheClosesTheLeastRecentlyUsed) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  int64_t open_statements = -1;
  ASSERT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    for (int i = 0; i < 200; ++i) {
      std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT " + std::to_string(i)).executeQuery());
      EXPECT_TRUE(rs->next());
      EXPECT_EQ(rs->getInt(1), i);
    }
    std::unique_ptr<sql::ResultSet> rs(
        c.Prepare("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'PREPARED_STMT_COUNT'")
            .executeQuery());
    if (rs->next()) open_statements = std::stoll(std::string(rs->getString(1)));
    return absl::OkStatus();
  }).ok());
  // At most the cache's size on this connection (plus the pool's own and other tests' handful).
  EXPECT_GE(open_statements, 1);
  EXPECT_LE(open_statements, static_cast<int64_t>(Connection::kStatementCacheSize) + 8);
}

TEST(Connection, EndOfLeaseLetsGoOfBoundValues) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  sql::PreparedStatement* kept = nullptr;
  ASSERT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    sql::PreparedStatement& stmt = c.Prepare("SELECT LENGTH(?)");
    stmt.setString(1, std::string(100000, 'x'));
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    EXPECT_TRUE(rs->next());
    EXPECT_EQ(rs->getInt(1), 100000);
    kept = &stmt;
    return absl::OkStatus();
  }).ok());
  // The statement is still cached on the idle connection, but its value is gone: running it
  // again without binding fails instead of sending the 100 kB copy it held.
  ASSERT_NE(kept, nullptr);
  EXPECT_THROW(std::unique_ptr<sql::ResultSet>(kept->executeQuery()), sql::SQLException);
}

// Bytes this process has allocated and not freed (glibc's count).
size_t HeapInUse() { return mallinfo2().uordblks; }

TEST(Connection, LargeResultsDoNotStayInMemoryWithTheirStatements) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  size_t before = HeapInUse();
  ASSERT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    // 40 distinct queries (40 cached statements) of 1,000 rows of 1 kB each: ~40 MB if each
    // statement kept its last result.
    for (int i = 0; i < 40; ++i) {
      int64_t rows = 0, bytes = 0;
      ForEachRow(c, "SELECT REPEAT('x', 1000), seq + " + std::to_string(i) + " FROM seq_1_to_1000 WHERE seq > ?",
                 {int64_t{0}}, [&](sql::ResultSet& rs) {
                   ++rows;
                   bytes += rs.getString(1).length();
                 });
      EXPECT_EQ(rows, 1000);
      EXPECT_EQ(bytes, 1000000);
    }
    return absl::OkStatus();
  }).ok());
  size_t after = HeapInUse();
  EXPECT_LT(after, before + (8u << 20)) << "heap grew from " << before << " to " << after << " bytes";
}

TEST(Connection, CachedStatementsWithManyParametersStayBounded) {
  DatabaseConfig config = testing::TestMariaDb::Shared().CreateDatabase();
  ConnectionPool pool(config);
  size_t before = HeapInUse();
  ASSERT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    // 60 statements of 3,001 to 3,060 parameters, as multi-row writes of varying row counts
    // build them: each keeps per-parameter bind structures for as long as it is cached.
    for (int i = 1; i <= 60; ++i) {
      std::vector<SqlParam> params(3000 + i, int64_t{7});
      int64_t matched = -1;
      ForEachRow(c, absl::StrCat("SELECT COUNT(*) FROM seq_1_to_10 WHERE seq IN (", Placeholders(params.size()), ")"),
                 params, [&](sql::ResultSet& rs) { matched = rs.getInt64(1); });
      EXPECT_EQ(matched, 1);
      // The sanitizers replace malloc (HeapInUse then counts nothing): the cache is also checked
      // directly.
      EXPECT_LE(c.cached_parameters(), Connection::kStatementCacheParameters);
    }
    return absl::OkStatus();
  }).ok());
  size_t after = HeapInUse();
  EXPECT_LT(after, before + (8u << 20)) << "heap grew from " << before << " to " << after << " bytes";
}

// The client's host as the server sees it: "localhost" over the Unix socket, "127.0.0.1:PORT" over TCP.
std::string ClientHost(ConnectionPool& pool) {
  std::string host;
  EXPECT_TRUE(RunOnConnection(pool, [&](Connection& c) {
    std::unique_ptr<sql::ResultSet> rs(
        c.Prepare("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()").executeQuery());
    if (rs->next()) host = rs->getString(1);
    return absl::OkStatus();
  }).ok());
  return host;
}

TEST(Pool, ConnectsOverTheUnixSocketOrTcpAsConfigured) {
  using Transport = testing::TestMariaDb::Transport;
  DatabaseConfig over_socket = testing::TestMariaDb::Shared().CreateDatabase(Transport::kUnixSocket);
  ASSERT_FALSE(over_socket.socket.empty());
  over_socket.port = 1;  // nothing listens there: only the socket can work
  ConnectionPool socket_pool(over_socket);
  EXPECT_EQ(ClientHost(socket_pool), "localhost");
  DatabaseConfig over_tcp = over_socket;
  over_tcp.socket.clear();
  over_tcp.port = testing::TestMariaDb::Shared().port();
  ConnectionPool tcp_pool(over_tcp);
  EXPECT_TRUE(absl::StartsWith(ClientHost(tcp_pool), "127.0.0.1:")) << ClientHost(tcp_pool);
  DatabaseConfig missing_socket = over_socket;
  missing_socket.socket += ".missing";
  ConnectionPool missing_pool(missing_socket);
  EXPECT_EQ(missing_pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
}

TEST(Pool, UnreachableDatabaseIsUnavailable) {
  DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
  config.port = 1;  // nothing listens there
  ConnectionPool pool(config);
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.in_use(), 0);
}

}  // namespace
}  // namespace flywheel::db
