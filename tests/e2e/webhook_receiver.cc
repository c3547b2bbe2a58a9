#include "tests/e2e/webhook_receiver.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace flywheel::testing {
namespace {

MHD_Result KeepHeader(void* headers, MHD_ValueKind, const char* key, const char* value) {
  (*static_cast<std::map<std::string, std::string>*>(headers))[absl::AsciiStrToLower(key)] = value ? value : "";
  return MHD_YES;
}

void FreeBody(void*, MHD_Connection*, void** request_body, MHD_RequestTerminationCode) {
  delete static_cast<std::string*>(*request_body);
  *request_body = nullptr;
}

MHD_Result Handle(void* receiver, MHD_Connection* connection, const char*, const char* method, const char*,
                  const char* upload_data, size_t* upload_data_size, void** request_body) {
  if (*request_body == nullptr) {
    *request_body = new std::string();
    return MHD_YES;
  }
  auto* body = static_cast<std::string*>(*request_body);
  if (*upload_data_size > 0) {
    body->append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  unsigned int status = MHD_HTTP_METHOD_NOT_ALLOWED;
  if (std::strcmp(method, "POST") == 0) {
    WebhookReceiver::Request request;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &KeepHeader, &request.headers);
    request.body = *body;
    status = static_cast<WebhookReceiver*>(receiver)->Take(std::move(request));
  }
  MHD_Response* response = MHD_create_response_from_buffer(0, const_cast<char*>(""), MHD_RESPMEM_PERSISTENT);
  MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

}  // namespace

WebhookReceiver::WebhookReceiver() {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr,
                             &Handle, this,
                             MHD_OPTION_SOCK_ADDR, &address, MHD_OPTION_NOTIFY_COMPLETED, &FreeBody, nullptr,
                             MHD_OPTION_END);
  if (daemon_ == nullptr) throw std::runtime_error("the webhook receiver cannot listen");
  port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
}

WebhookReceiver::~WebhookReceiver() { MHD_stop_daemon(daemon_); }

std::string WebhookReceiver::url() const { return absl::StrCat("http://127.0.0.1:", port_, "/hooks/flywheel"); }

void WebhookReceiver::SetFailing(bool failing) {
  std::lock_guard<std::mutex> lock(mu_);
  failing_ = failing;
}

std::vector<WebhookReceiver::Request> WebhookReceiver::Received() {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

bool WebhookReceiver::WaitFor(const std::function<bool(const std::vector<Request>&)>& done, absl::Duration limit) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(limit), [&] { return done(received_); });
}

unsigned int WebhookReceiver::Take(Request request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failing_) return MHD_HTTP_SERVICE_UNAVAILABLE;
  received_.push_back(std::move(request));
  cv_.notify_all();
  return MHD_HTTP_OK;
}

}  // namespace flywheel::testing
