// ServiceProcess, the harness every end-to-end, fault and benchmark run starts services with:
// a test process that dies (crash, abort, a timeout's kill) must not leave its services running
// on the machine.
#include "common/testing/service_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <thread>

#include "absl/time/clock.h"

namespace flywheel::testing {
namespace {

// True while `pid` runs (a zombie waiting for its new parent to reap it has stopped running).
bool Running(pid_t pid) {
  if (kill(pid, 0) != 0) return errno != ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  stat >> pid_field >> name >> state;
  return state != "Z";
}

TEST(ServiceProcessTest, AServiceDiesWithTheTestThatStartedIt) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t test = fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    // The "test": starts echo, reports its pid, and dies without running any destructor.
    close(fds[0]);
    ServiceProcess echo(FLYWHEEL_ECHO_BINARY, NoDatabase());
    pid_t service = echo.pid();
    if (write(fds[1], &service, sizeof service) != sizeof service) _exit(2);
    kill(getpid(), SIGKILL);
  }
  close(fds[1]);
  pid_t service = -1;
  ASSERT_EQ(read(fds[0], &service, sizeof service), static_cast<ssize_t>(sizeof service));
  close(fds[0]);
  ASSERT_GT(service, 0);
  int status = 0;
  ASSERT_EQ(waitpid(test, &status, 0), test);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the test process was to die by SIGKILL";
  // The kernel kills the service as its parent dies; allow it a few seconds to be gone.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Running(service) && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling for the exit
  }
  EXPECT_FALSE(Running(service)) << "echo (pid " << service << ") outlived the test that started it";
  if (Running(service)) kill(service, SIGKILL);
}

}  // namespace
}  // namespace flywheel::testing
