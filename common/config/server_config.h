// Configuration of a service process, read from command-line flags and environment
// variables. Every flag --name can also be given as the variable FLYWHEEL_NAME (upper case);
// a flag on the command line wins over the variable, which wins over the default.
#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flywheel {

struct DatabaseConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;  // set: connect through this Unix socket (same host) instead of host:port
  std::string database;
  std::string user;
  std::string password;
  int pool_size = 8;
  absl::Duration connect_timeout = absl::Seconds(3);
  absl::Duration io_timeout = absl::Seconds(30);
};

// Who may call and over what: bearer-token keys (auth is on when either is set) and TLS. Every
// value is the content of a file named by a flag (e.g. --tls_cert_file), read at start-up.
struct SecurityConfig {
  std::string jwt_hs256_secret;      // verifies HS256 tokens
  std::string jwt_rs256_public_key;  // PEM; verifies RS256 tokens
  std::string service_token_file;    // the token this service presents upstream (re-read when it changes)
  std::string tls_cert;              // PEM chain: serve TLS with it (and present it upstream under mTLS)
  std::string tls_key;               // PEM private key of tls_cert
  std::string tls_client_ca;         // PEM; set: clients must present a certificate it signed (mTLS)
  std::string tls_ca;                // PEM; set: upstream calls use TLS and trust servers it signed
};

struct ServerConfig {
  std::string service_name;
  std::string listen_address;
  std::string port_file;  // when set, the bound port is written here once serving
  DatabaseConfig database;
  int worker_threads = 8;
  absl::Duration drain_deadline = absl::Seconds(10);
  absl::Duration health_check_interval = absl::Seconds(1);
  std::string log_level = "info";
  std::string page_token_secret;
  std::string accounts_address;                  // for services that call accounts
  std::string health_address;                    // for services that call health
  std::string stakeholders_address;              // for services that call stakeholders
  std::string metrics_listen;                    // host:port of /metrics; empty: no metrics endpoint
  std::string probe_listen;                      // host:port of a plaintext grpc.health.v1 only server; empty: none
  absl::Duration upstream_deadline = absl::Seconds(5);
  bool live_rescore = true;     // health: rescore marked accounts continuously
  bool live_exceptions = true;  // handoff: re-evaluate the rules of accounts whose health changed
  SecurityConfig security;
  int max_message_bytes = 4 << 20;  // largest request or response message
  std::vector<std::string> positional;  // e.g. {"migrate"}
};

struct ServiceDefaults {
  std::string service_name;  // "accounts"
  int port = 0;              // default listen port
  std::string database;      // default schema, e.g. "flywheel_accounts"
};

// Parses flags and environment. INVALID_ARGUMENT names each bad setting.
absl::StatusOr<ServerConfig> LoadServerConfig(int argc, char** argv, const ServiceDefaults& defaults);

// Parses "tcp://host:port/database" (scheme and port optional), or "unix:///path/to/socket/database"
// for a database on the same host, into `config`.
absl::Status ParseDatabaseDsn(absl::string_view dsn, DatabaseConfig* config);
// The DSN ParseDatabaseDsn reads back as `config`'s host, port, socket and database.
std::string DatabaseDsn(const DatabaseConfig& config);

}  // namespace flywheel
