// The Prometheus endpoint of a real service binary: RPCs by method and code, latency
// histograms and pool gauges, scraped over HTTP on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/testing/call_helpers.h"
#include "common/testing/free_port.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;

// The body of GET /metrics on 127.0.0.1:`port` (HTTP/1.0, the server closes when done).
std::string Scrape(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[8192];
      for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

TEST(MetricsE2eTest, RpcsByMethodAndCodeLatencyAndPool) {
  int metrics_port = testing::FreeLoopbackPort();
  testing::ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, testing::TestMariaDb::Shared().NewDatabaseConfig(),
                                   {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port), "--db_pool_size=6"});
  auto stub = apb::AccountService::NewStub(accounts.channel());
  apb::GetAccountRequest missing;
  missing.set_id("acc_00000000000000000000000000");
  apb::Account out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(stub->GetAccount(testing::CallContext().get(), missing, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  apb::CreateAccountRequest create;
  create.mutable_account()->set_name("Metered Ltd");
  ASSERT_TRUE(stub->CreateAccount(testing::CallContext().get(), create, &out).ok());
  create.mutable_account()->set_name("");
  EXPECT_EQ(stub->CreateAccount(testing::CallContext().get(), create, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  {
    grpc::ClientContext ctx;
    apb::BulkUpsertAccountsResponse resp;
    auto writer = stub->BulkUpsertAccounts(&ctx, &resp);
    apb::BulkUpsertAccountsRequest msg;
    auto* r = msg.add_records();
    r->set_source("crm");
    r->set_external_id("m1");
    r->mutable_account()->set_name("Streamed Ltd");
    ASSERT_TRUE(writer->Write(msg));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }

  std::string text = Scrape(metrics_port);
  // Streaming calls are counted when they finish, like unary ones.
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"OK\",method=\"BulkUpsertAccounts\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"NOT_FOUND\",method=\"GetAccount\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"OK\",method=\"CreateAccount\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"INVALID_ARGUMENT\",method=\"CreateAccount\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("flywheel_rpc_duration_seconds_count{method=\"GetAccount\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_db_pool_size 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_db_pool_in_use "), std::string::npos) << text;
}

}  // namespace
}  // namespace flywheel
