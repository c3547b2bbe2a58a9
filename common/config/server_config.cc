#include "common/config/server_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/errors.h"

ABSL_FLAG(std::string, listen, "", "address:port to serve on (default 0.0.0.0:<service port>)");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(std::string, db_dsn, "", "database: tcp://host:port/database, or unix:///path/to/socket/database on the same host "
          "(default 127.0.0.1:3306/flywheel_<service>)");
ABSL_FLAG(std::string, db_user, "flywheel", "database user");
ABSL_FLAG(std::string, db_password, "", "database password (prefer FLYWHEEL_DB_PASSWORD or --db_password_file)");
ABSL_FLAG(std::string, db_password_file, "", "file holding the database password");
ABSL_FLAG(int, db_pool_size, 8, "database connections, one per worker thread");
ABSL_FLAG(int, drain_deadline_seconds, 10, "on SIGTERM/SIGINT, how long calls in flight may take to finish");
ABSL_FLAG(int, health_check_interval_ms, 1000, "how often the database is probed for the health service");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(std::string, accounts_addr, "127.0.0.1:50051", "accounts service address, for the services that call it");
ABSL_FLAG(std::string, health_addr, "127.0.0.1:50052", "health service address, for the services that call it");
ABSL_FLAG(std::string, stakeholders_addr, "127.0.0.1:50053",
          "stakeholders service address, for the services that call it");
ABSL_FLAG(std::string, metrics_listen, "", "host:port serving Prometheus metrics at /metrics (empty: none)");
ABSL_FLAG(int, upstream_deadline_ms, 5000, "deadline of each call to another Flywheel service");
ABSL_FLAG(std::string, page_token_secret, "", "key that signs page tokens; replicas must share it (random per process when empty)");
ABSL_FLAG(std::string, jwt_hs256_secret_file, "", "shared secret verifying HS256 bearer tokens (auth is on when this or the RS256 key is set)");
ABSL_FLAG(std::string, jwt_rs256_public_key_file, "", "PEM public key verifying RS256 bearer tokens");
ABSL_FLAG(std::string, service_token_file, "", "bearer token this service sends on its calls to other services");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain to serve TLS with (also the client certificate under mTLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "", "PEM CA: when set, clients must present a certificate it signed (mutual TLS)");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA: when set, calls to other services use TLS and trust servers it signed");
ABSL_FLAG(std::string, probe_listen, "", "host:port of a plaintext server of grpc.health.v1 alone, for probes that cannot speak TLS (empty: none)");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "largest request or response message, in bytes");
ABSL_FLAG(bool, live_rescore, true,
          "health: rescore accounts whose score inputs changed, continuously, following the accounts service's changes (off: only RescorePortfolio stores scores)");
ABSL_FLAG(bool, live_exceptions, true,
          "handoff: follow health's changes and re-evaluate the exception rules of each changed account (off: only report runs)");

namespace flywheel {
namespace {
constexpr const char* kFlagNames[] = {
    "jwt_hs256_secret_file", "jwt_rs256_public_key_file", "service_token_file", "tls_cert_file", "tls_key_file",
    "tls_client_ca_file", "tls_ca_file", "max_message_bytes", "probe_listen",
    "listen", "port_file", "db_dsn", "db_user", "db_password", "db_password_file", "db_pool_size",
    "drain_deadline_seconds", "health_check_interval_ms", "log_level", "page_token_secret", "accounts_addr",
    "health_addr", "stakeholders_addr", "metrics_listen", "upstream_deadline_ms", "live_rescore",
    "live_exceptions"};

// The content of the file named by flag `flag` into `out` (trailing whitespace dropped when
// `strip`); nothing when the flag is empty.
void ReadFlagFile(const char* flag, const std::string& path, bool strip, std::string* out, FieldViolations& bad) {
  if (path.empty()) return;
  std::ifstream in(path);
  if (!in) {
    bad.Add(flag, absl::StrCat(path, " cannot be read"));
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = strip ? std::string(absl::StripTrailingAsciiWhitespace(ss.str())) : ss.str();
  if (out->empty()) bad.Add(flag, absl::StrCat(path, " is empty"));
}

}  // namespace

absl::Status ParseDatabaseDsn(absl::string_view dsn, DatabaseConfig* config) {
  absl::string_view rest = dsn;
  if (absl::ConsumePrefix(&rest, "unix://")) {
    // The database is the last segment; everything before it is the socket's path.
    size_t slash = rest.rfind('/');
    if (!absl::StartsWith(rest, "/") || slash == 0 || slash + 1 >= rest.size()) {
      return InvalidFieldError("db_dsn", "must be unix:///path/to/socket/database");
    }
    config->socket = std::string(rest.substr(0, slash));
    config->database = std::string(rest.substr(slash + 1));
    return absl::OkStatus();
  }
  absl::ConsumePrefix(&rest, "tcp://");
  absl::ConsumePrefix(&rest, "mysql://");
  absl::ConsumePrefix(&rest, "mariadb://");
  size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || slash + 1 >= rest.size()) {
    return InvalidFieldError("db_dsn", "must be tcp://host[:port]/database");
  }
  absl::string_view host_port = rest.substr(0, slash);
  config->database = std::string(rest.substr(slash + 1));
  size_t colon = host_port.rfind(':');
  if (colon != absl::string_view::npos) {
    int port = 0;
    if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port <= 0 || port > 65535) {
      return InvalidFieldError("db_dsn", "port must be a number from 1 to 65535");
    }
    config->port = port;
    host_port = host_port.substr(0, colon);
  }
  if (host_port.empty()) return InvalidFieldError("db_dsn", "host is empty");
  config->host = std::string(host_port);
  return absl::OkStatus();
}

std::string DatabaseDsn(const DatabaseConfig& config) {
  if (!config.socket.empty()) return absl::StrCat("unix://", config.socket, "/", config.database);
  return absl::StrCat("tcp://", config.host, ":", config.port, "/", config.database);
}

absl::StatusOr<ServerConfig> LoadServerConfig(int argc, char** argv, const ServiceDefaults& defaults) {
  FieldViolations bad;
  absl::SetProgramUsageMessage(absl::StrCat("Flywheel ", defaults.service_name,
                                            " service.\nUsage: ", argv[0], " [serve|migrate] [--flags]\n"
                                            "Each flag --name may also be set as FLYWHEEL_NAME."));
  for (const char* name : kFlagNames) {
    std::string env_name = absl::AsciiStrToUpper(absl::StrCat("FLYWHEEL_", name));
    const char* value = std::getenv(env_name.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!absl::FindCommandLineFlag(name)->ParseFrom(value, &error)) bad.Add(env_name, error);
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  ServerConfig config;
  config.service_name = defaults.service_name;
  for (size_t i = 1; i < positional.size(); ++i) config.positional.emplace_back(positional[i]);
  config.listen_address = absl::GetFlag(FLAGS_listen);
  if (config.listen_address.empty()) config.listen_address = absl::StrCat("0.0.0.0:", defaults.port);
  config.port_file = absl::GetFlag(FLAGS_port_file);

  std::string dsn = absl::GetFlag(FLAGS_db_dsn);
  if (dsn.empty()) dsn = absl::StrCat("tcp://127.0.0.1:3306/", defaults.database);
  bad.AddFrom(ParseDatabaseDsn(dsn, &config.database));
  config.database.user = absl::GetFlag(FLAGS_db_user);
  config.database.password = absl::GetFlag(FLAGS_db_password);
  ReadFlagFile("db_password_file", absl::GetFlag(FLAGS_db_password_file), true, &config.database.password, bad);
  config.database.pool_size = absl::GetFlag(FLAGS_db_pool_size);
  if (config.database.pool_size < 1 || config.database.pool_size > 256) {
    bad.Add("db_pool_size", "must be from 1 to 256");
  }
  config.worker_threads = config.database.pool_size;
  int drain = absl::GetFlag(FLAGS_drain_deadline_seconds);
  if (drain < 0) bad.Add("drain_deadline_seconds", "must not be negative");
  config.drain_deadline = absl::Seconds(drain);
  int interval = absl::GetFlag(FLAGS_health_check_interval_ms);
  if (interval < 50) bad.Add("health_check_interval_ms", "must be at least 50");
  config.health_check_interval = absl::Milliseconds(interval);
  config.log_level = absl::GetFlag(FLAGS_log_level);
  config.page_token_secret = absl::GetFlag(FLAGS_page_token_secret);
  config.accounts_address = absl::GetFlag(FLAGS_accounts_addr);
  config.health_address = absl::GetFlag(FLAGS_health_addr);
  config.stakeholders_address = absl::GetFlag(FLAGS_stakeholders_addr);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.probe_listen = absl::GetFlag(FLAGS_probe_listen);
  config.live_rescore = absl::GetFlag(FLAGS_live_rescore);
  config.live_exceptions = absl::GetFlag(FLAGS_live_exceptions);
  int upstream = absl::GetFlag(FLAGS_upstream_deadline_ms);
  if (upstream < 10) bad.Add("upstream_deadline_ms", "must be at least 10");
  config.upstream_deadline = absl::Milliseconds(upstream);
  SecurityConfig& security = config.security;
  ReadFlagFile("jwt_hs256_secret_file", absl::GetFlag(FLAGS_jwt_hs256_secret_file), true, &security.jwt_hs256_secret, bad);
  ReadFlagFile("jwt_rs256_public_key_file", absl::GetFlag(FLAGS_jwt_rs256_public_key_file), false,
               &security.jwt_rs256_public_key, bad);
  security.service_token_file = absl::GetFlag(FLAGS_service_token_file);
  ReadFlagFile("tls_cert_file", absl::GetFlag(FLAGS_tls_cert_file), false, &security.tls_cert, bad);
  ReadFlagFile("tls_key_file", absl::GetFlag(FLAGS_tls_key_file), false, &security.tls_key, bad);
  ReadFlagFile("tls_client_ca_file", absl::GetFlag(FLAGS_tls_client_ca_file), false, &security.tls_client_ca, bad);
  ReadFlagFile("tls_ca_file", absl::GetFlag(FLAGS_tls_ca_file), false, &security.tls_ca, bad);
  if (security.tls_cert.empty() != security.tls_key.empty()) {
    bad.Add("tls_key_file", "tls_cert_file and tls_key_file go together");
  }
  if (!security.tls_client_ca.empty() && security.tls_cert.empty()) {
    bad.Add("tls_client_ca_file", "mutual TLS needs tls_cert_file and tls_key_file");
  }
  if (!security.jwt_hs256_secret.empty() && security.jwt_hs256_secret.size() < 32) {
    bad.Add("jwt_hs256_secret_file", "the secret must be at least 32 bytes");
  }
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (config.max_message_bytes < 1024 || config.max_message_bytes > (64 << 20)) {
    bad.Add("max_message_bytes", "must be from 1024 to 67108864");
  }
  if (!bad.empty()) return bad.ToStatus();
  return config;
}

}  // namespace flywheel
