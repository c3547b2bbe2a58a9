// The Prometheus endpoint of a real service binary: RPCs by method and code, latency
// histograms and pool gauges, scraped over HTTP on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/call_helpers.h"
#include "common/testing/free_port.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;

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

// Scrapes until `line` is in the metrics (calls are counted as they finish on the server, which
// may be just after the client saw the end); the last scrape.
std::string ScrapeUntil(int port, const std::string& line) {
  std::string text;
  for (int i = 0; i < 50 && !absl::StrContains(text = Scrape(port), line); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return text;
}

// Calls `method` with `body` as the encoded request; the status.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method, const std::string& body) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  auto call = stub.PrepareUnaryCall(&ctx, method, request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
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

  // A request that does not decode (field 1, the id, holds bytes that are not UTF-8) never
  // reaches the handler, and is counted all the same.
  EXPECT_EQ(CallRaw(accounts.channel(), "/flywheel.accounts.v1.AccountService/GetAccount", std::string("\x0a\x02\xff\xfe", 4))
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  std::string text = ScrapeUntil(metrics_port, "method=\"GetAccount\"} 4\n");
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"INVALID_ARGUMENT\",method=\"GetAccount\"} 1\n"), std::string::npos)
      << text;
  // Streaming calls are counted when they finish, like unary ones.
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"OK\",method=\"BulkUpsertAccounts\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"NOT_FOUND\",method=\"GetAccount\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"OK\",method=\"CreateAccount\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"INVALID_ARGUMENT\",method=\"CreateAccount\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("flywheel_rpc_duration_seconds_count{method=\"GetAccount\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_db_pool_size 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flywheel_db_pool_in_use "), std::string::npos) << text;
}

// The health watch is a long-lived stream: it is counted when it ends, refused or cancelled.
TEST(MetricsE2eTest, HealthWatchesAreCountedWhenTheyEnd) {
  testing::ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, testing::TestMariaDb::Shared().NewDatabaseConfig());
  int metrics_port = testing::FreeLoopbackPort();
  testing::ServiceProcess health(FLYWHEEL_HEALTH_BINARY, testing::TestMariaDb::Shared().NewDatabaseConfig(),
                                 {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port),
                                  absl::StrCat("--accounts_addr=", accounts.address())});
  auto stub = hpb::HealthService::NewStub(health.channel());
  hpb::HealthChange change;
  {
    grpc::ClientContext ctx;
    hpb::WatchHealthRequest forged;
    forged.set_resume_token("Zm9yZ2Vk");
    auto reader = stub->WatchHealth(&ctx, forged);
    EXPECT_FALSE(reader->Read(&change));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    auto reader = stub->WatchHealth(&ctx, hpb::WatchHealthRequest());
    reader->WaitForInitialMetadata();  // the watch is open on the server
    ctx.TryCancel();
    EXPECT_FALSE(reader->Read(&change));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  std::string text = ScrapeUntil(metrics_port, "code=\"CANCELLED\",method=\"WatchHealth\"} 1\n");
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"INVALID_ARGUMENT\",method=\"WatchHealth\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("flywheel_rpc_total{code=\"CANCELLED\",method=\"WatchHealth\"} 1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace flywheel
