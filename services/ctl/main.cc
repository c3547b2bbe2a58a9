// flywheelctl: the command-line client operators and scheduled jobs use to call Flywheel.
//   flywheelctl [--accounts=HOST:PORT] accounts …
//   flywheelctl [--health=…] health …, [--stakeholders=…] stakeholders …,
//   flywheelctl [--handoff=…] report|exceptions|handoffs|paths|rules …
//   flywheelctl status   (grpc.health.v1 of each service)
//   flywheelctl token mint …   (signs a bearer token; calls nothing)
// Addresses come from the flags or FLYWHEEL_<SERVICE>_ADDR; the token and TLS files from the
// flags or FLYWHEEL_TOKEN_FILE, FLYWHEEL_TLS_CA_FILE, FLYWHEEL_TLS_CERT_FILE, FLYWHEEL_TLS_KEY_FILE.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "services/ctl/accounts_commands.h"
#include "services/ctl/handoff_commands.h"
#include "services/ctl/health_commands.h"
#include "services/ctl/stakeholders_commands.h"
#include "services/ctl/table.h"
#include "services/ctl/options.h"
#include "services/ctl/token_command.h"
#include "services/ctl/webhook_commands.h"
#include "common/auth/outgoing_identity.h"
#include "common/config/server_config.h"
#include "common/tls/credentials.h"

ABSL_FLAG(std::string, accounts, "", "accounts service address (default $FLYWHEEL_ACCOUNTS_ADDR or 127.0.0.1:50051)");
ABSL_FLAG(std::string, health, "", "health service address (default $FLYWHEEL_HEALTH_ADDR or 127.0.0.1:50052)");
ABSL_FLAG(std::string, stakeholders, "",
          "stakeholders service address (default $FLYWHEEL_STAKEHOLDERS_ADDR or 127.0.0.1:50053)");
ABSL_FLAG(std::string, handoff, "", "handoff service address (default $FLYWHEEL_HANDOFF_ADDR or 127.0.0.1:50054)");
ABSL_FLAG(std::string, token_file, "", "file holding the bearer token to call with (default $FLYWHEEL_TOKEN_FILE)");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA to trust: call over TLS (default $FLYWHEEL_TLS_CA_FILE)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM client certificate, for mutual TLS (default $FLYWHEEL_TLS_CERT_FILE)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM key of --tls_cert_file (default $FLYWHEEL_TLS_KEY_FILE)");

namespace {

std::string Address(const std::string& flag, const char* env, const char* fallback) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value && *value ? value : fallback;
}

// The TLS material named by the flags or their variables; exits with 2 when a file cannot be read.
flywheel::SecurityConfig Security() {
  flywheel::SecurityConfig security;
  auto read = [](const std::string& flag, const char* env, std::string* out) {
    std::string path = Address(flag, env, "");
    if (path.empty()) return;
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "%s cannot be read\n", path.c_str());
      std::exit(2);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
  };
  read(absl::GetFlag(FLAGS_tls_ca_file), "FLYWHEEL_TLS_CA_FILE", &security.tls_ca);
  read(absl::GetFlag(FLAGS_tls_cert_file), "FLYWHEEL_TLS_CERT_FILE", &security.tls_cert);
  read(absl::GetFlag(FLAGS_tls_key_file), "FLYWHEEL_TLS_KEY_FILE", &security.tls_key);
  return security;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  static const flywheel::SecurityConfig security = Security();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 * 1024 * 1024);  // bulk results carry one entry per record
  args.SetLoadBalancingPolicyName("round_robin");      // every replica behind a dns:/// name
  return grpc::CreateCustomChannel(address, flywheel::tls::ChannelCredentialsFor(security), args);
}

int Status(const std::vector<std::pair<std::string, std::string>>& services) {
  flywheel::ctl::Table table({"SERVICE", "ADDRESS", "STATUS"});
  int bad = 0;
  for (const auto& [name, address] : services) {
    auto stub = grpc::health::v1::Health::NewStub(Channel(address));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    std::string status = s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status())
                                : "UNREACHABLE (" + s.error_message() + ")";
    bad += !(s.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING);
    table.AddRow({name, address, status});
  }
  std::printf("%s", table.Render().c_str());
  return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "flywheelctl [--accounts=HOST:PORT] [--health=…] [--stakeholders=…] [--handoff=…] <command>\n"
      "  accounts list|get|tree|history|load …            customer accounts\n"
      "  health get|summary|rescore|load|watch …          signals, health scores, the portfolio view\n"
      "  stakeholders list|load|coverage|briefing …       the people in their flywheel roles\n"
      "  report exceptions --as-of DAY --shard K/N        the scheduled exception report\n"
      "  exceptions list|get|ack|resolve|dismiss|snooze|reassign|watch …\n"
      "  handoffs list|create|get|submit|accept|reject|cancel …\n"
      "  paths list|create|assign|progress …              success paths\n"
      "  rules list|set …                                 exception rules\n"
      "  webhooks list|add|delete|test|deliveries|replay … event deliveries to HTTP endpoints\n"
      "  status                                           serving status of each service\n"
      "  token mint --principal P --roles R,… --ttl 24h …   sign a bearer token (no service is called)\n"
      "Calls carry the token of --token_file and use TLS when --tls_ca_file is given.\n"
      "Most commands take --format table|json|csv.");
  // Global flags come before the command; everything from the command on is the command's own.
  int first_command_arg = 1;
  while (first_command_arg < argc && std::string(argv[first_command_arg]).rfind("--", 0) == 0) ++first_command_arg;
  absl::ParseCommandLine(first_command_arg, argv);
  std::vector<std::string> args(argv + first_command_arg, argv + argc);
  std::string accounts = Address(absl::GetFlag(FLAGS_accounts), "FLYWHEEL_ACCOUNTS_ADDR", "127.0.0.1:50051");
  std::string health = Address(absl::GetFlag(FLAGS_health), "FLYWHEEL_HEALTH_ADDR", "127.0.0.1:50052");
  std::string stakeholders =
      Address(absl::GetFlag(FLAGS_stakeholders), "FLYWHEEL_STAKEHOLDERS_ADDR", "127.0.0.1:50053");
  std::string handoff = Address(absl::GetFlag(FLAGS_handoff), "FLYWHEEL_HANDOFF_ADDR", "127.0.0.1:50054");
  if (args.empty()) {
    std::fprintf(stderr, "%s\n", absl::ProgramUsageMessage().data());
    return 2;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "token") return flywheel::ctl::RunTokenCommand(args);
  flywheel::auth::OutgoingIdentity identity("flywheelctl", Address(absl::GetFlag(FLAGS_token_file), "FLYWHEEL_TOKEN_FILE", ""));
  flywheel::ctl::SetIdentity(&identity);
  if (command == "accounts") return flywheel::ctl::RunAccountsCommand(Channel(accounts), args);
  if (command == "health") return flywheel::ctl::RunHealthCommand(Channel(health), Channel(accounts), args);
  if (command == "stakeholders") return flywheel::ctl::RunStakeholdersCommand(Channel(stakeholders), Channel(accounts), args);
  if (command == "report") return flywheel::ctl::RunReportCommand(Channel(handoff), args);
  if (command == "exceptions") return flywheel::ctl::RunExceptionsCommand(Channel(handoff), args);
  if (command == "handoffs") return flywheel::ctl::RunHandoffsCommand(Channel(handoff), args);
  if (command == "paths") return flywheel::ctl::RunPathsCommand(Channel(handoff), Channel(accounts), args);
  if (command == "rules") return flywheel::ctl::RunRulesCommand(Channel(handoff), args);
  if (command == "webhooks") return flywheel::ctl::RunWebhooksCommand(Channel(handoff), args);
  if (command == "status") {
    return Status({{"accounts", accounts}, {"health", health}, {"stakeholders", stakeholders}, {"handoff", handoff}});
  }
  std::fprintf(stderr, "unknown command %s\n", command.c_str());
  return 2;
}
