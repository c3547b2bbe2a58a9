#include "common/server/undecodable_requests.h"

#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "common/server/call_record.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/support/proto_buffer_reader.h"

namespace flywheel {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// The string field protobuf last failed to parse on this thread, as it names it
// ("flywheel.accounts.v1.Account.name"); taken by the next interceptor that sees a message.
thread_local std::string undecoded_field_on_this_thread;

void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
  // protobuf 3.21 words it: String field 'NAME' contains invalid UTF-8 data when parsing a protocol buffer. …
  constexpr absl::string_view kPrefix = "String field '";
  if (absl::StartsWith(message, kPrefix) && absl::StrContains(message, "invalid UTF-8 data when parsing")) {
    size_t end = message.find('\'', kPrefix.size());
    if (end != std::string::npos) {
      // The call's status reports it; a log line per hostile request would only flood the log.
      undecoded_field_on_this_thread = message.substr(kPrefix.size(), end - kPrefix.size());
      return;
    }
  }
  log::Level ours = level >= google::protobuf::LOGLEVEL_ERROR     ? log::Level::kError
                    : level == google::protobuf::LOGLEVEL_WARNING ? log::Level::kWarning
                                                                  : log::Level::kInfo;
  log::Write(ours, message, {{"source", absl::StrCat("protobuf ", file, ":", line)}});
}

// `what` names the message that did not decode ("the request to /….AccountService/GetAccount",
// "message 3 of the stream"); `field` the string field that is not UTF-8, if that was why.
absl::Status UndecodedError(const std::string& field, absl::string_view what) {
  if (!field.empty()) {
    return InvalidFieldError(field, absl::StrCat("not valid UTF-8; a string field must hold UTF-8 text (in ", what, ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat(what, " is not a valid encoding of its message type"));
}

class UndecodableRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit UndecodableRequestInterceptor(ServerRpcInfo* info) : info_(info) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      std::string field = std::exchange(undecoded_field_on_this_thread, "");
      // No message in a unary or server-streaming call: its one request did not decode. (A
      // client stream reads raw bytes and decodes them itself; no message there is its end.)
      if (methods->GetRecvMessage() == nullptr && !error_ && !ClientStreams()) {
        error_ = UndecodedError(field, absl::StrCat("the request to ", info_->method()));
        // No handler runs for a request that did not decode: the call is recorded here.
        record_.emplace(info_->server_context(), ShortName(info_->method()), "");
      }
    }
    // gRPC's own answer to an undecoded request is UNIMPLEMENTED.
    if (error_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      methods->ModifySendStatus(ToGrpcStatus(*error_));
      record_->Finished(*error_);
    }
    methods->Proceed();
  }

 private:
  bool ClientStreams() const {
    return info_->type() == ServerRpcInfo::Type::CLIENT_STREAMING ||
           info_->type() == ServerRpcInfo::Type::BIDI_STREAMING;
  }

  // "GetAccount" of "/flywheel.accounts.v1.AccountService/GetAccount" (gRPC keeps the whole
  // name for the server's life).
  static const char* ShortName(const char* method) {
    const char* slash = std::strrchr(method, '/');
    return slash ? slash + 1 : method;
  }

  ServerRpcInfo* info_;
  std::optional<absl::Status> error_;
  std::optional<CallRecord> record_;
};

class UndecodableRequestInterceptorFactoryImpl : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new UndecodableRequestInterceptor(info);
  }
};

}  // namespace

void RouteProtobufLog() { google::protobuf::SetLogHandler(&ProtobufLog); }

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> UndecodableRequestInterceptorFactory() {
  return std::make_unique<UndecodableRequestInterceptorFactoryImpl>();
}

absl::Status DecodeMessage(grpc::ByteBuffer& bytes, google::protobuf::Message& into, absl::string_view where) {
  undecoded_field_on_this_thread.clear();
  grpc::ProtoBufferReader reader(&bytes);
  bool parsed = into.ParseFromZeroCopyStream(&reader);
  bytes.Clear();
  if (parsed) return absl::OkStatus();
  return UndecodedError(std::exchange(undecoded_field_on_this_thread, ""), where);
}

}  // namespace flywheel
