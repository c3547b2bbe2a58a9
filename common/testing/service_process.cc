#include "common/testing/service_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"

namespace flywheel::testing {

DatabaseConfig NoDatabase() {
  DatabaseConfig none;
  none.host = "127.0.0.1";
  none.port = 1;
  none.database = "none";
  return none;
}

ServiceProcess::ServiceProcess(const std::string& binary, const DatabaseConfig& database,
                               std::vector<std::string> extra_flags, absl::Duration startup) {
  port_file_ = absl::StrCat(FLYWHEEL_BUILD_DIR, "/", ids::NewId("port"));
  std::vector<std::string> args = {
      binary,
      "--listen=127.0.0.1:0",
      absl::StrCat("--port_file=", port_file_),
      absl::StrCat("--db_dsn=", DatabaseDsn(database)),
      absl::StrCat("--db_user=", database.user),
      absl::StrCat("--db_password=", database.password),
      "--health_check_interval_ms=200",
      "--log_level=warning",
  };
  for (auto& f : extra_flags) args.push_back(std::move(f));
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // The service dies with the test (a crash, an abort, a timeout's kill) instead of running
    // on; the parent may have gone before the request took effect.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    std::perror("execv");
    _exit(127);
  }
  absl::Time deadline = absl::Now() + startup;
  while (absl::Now() < deadline) {
    std::ifstream in(port_file_);
    if (in >> port_ && port_ > 0) break;
    if (!running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling for readiness
  }
  if (port_ <= 0) {
    std::fprintf(stderr, "service %s did not start\n", binary.c_str());
    std::abort();
  }
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  channel_ = grpc::CreateCustomChannel(address(), grpc::InsecureChannelCredentials(), channel_args);
}

ServiceProcess::~ServiceProcess() {
  if (running()) Kill();
  std::remove(port_file_.c_str());
}

std::string ServiceProcess::address() const { return absl::StrCat("127.0.0.1:", port_); }

bool ServiceProcess::running() const {
  if (pid_ <= 0) return false;
  int status = 0;
  return waitpid(pid_, &status, WNOHANG) == 0;
}

int ServiceProcess::Terminate(absl::Duration wait) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  absl::Time deadline = absl::Now() + wait;
  while (absl::Now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace flywheel::testing
