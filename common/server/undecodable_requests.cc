#include "common/server/undecodable_requests.h"

#include <cstring>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/logging/log.h"
#include "common/server/call_record.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/stubs/logging.h"

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

// `where` says which message, for a stream ("" for the one request of a call).
absl::Status UndecodedError(const std::string& field, const char* method, absl::string_view where = "") {
  std::string in = where.empty() ? "" : absl::StrCat(" (in ", where, ")");
  if (!field.empty()) {
    return InvalidFieldError(field, absl::StrCat("not valid UTF-8; a string field must hold UTF-8 text", in));
  }
  return absl::InvalidArgumentError(absl::StrCat("the request to ", method, " is not a valid encoding of its message", in));
}

// Client streams with a message that did not decode, and the field that did not, until the call ends.
class UndecodedStreams {
 public:
  void Add(const grpc::ServerContextBase* call, std::string field) {
    absl::MutexLock lock(&mu_);
    fields_.insert_or_assign(call, std::move(field));
  }
  void Remove(const grpc::ServerContextBase* call) {
    absl::MutexLock lock(&mu_);
    fields_.erase(call);
  }
  std::optional<std::string> Find(const grpc::ServerContextBase* call) {
    absl::MutexLock lock(&mu_);
    auto it = fields_.find(call);
    if (it == fields_.end()) return std::nullopt;
    return it->second;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, std::string> fields_ ABSL_GUARDED_BY(mu_);
};

UndecodedStreams& Streams() {
  static auto* streams = new UndecodedStreams;
  return *streams;
}

class UndecodableRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit UndecodableRequestInterceptor(ServerRpcInfo* info) : info_(info) {}
  ~UndecodableRequestInterceptor() override {
    if (error_ && ClientStreams()) Streams().Remove(info_->server_context());
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      std::string field = std::exchange(undecoded_field_on_this_thread, "");
      // No message: in a unary or server-streaming call the one request did not decode; in a
      // client or bidi stream either the client closed it or (with a field named) a message did
      // not decode.
      if (methods->GetRecvMessage() == nullptr && !error_) {
        if (!ClientStreams()) {
          error_ = UndecodedError(field, info_->method());
        } else if (!field.empty()) {
          error_ = UndecodedError(field, info_->method(), "a message of the stream");
          Streams().Add(info_->server_context(), field);
        }
        // No handler runs for a request that did not decode: the call is recorded here.
        if (error_ && !ClientStreams()) record_.emplace(info_->server_context(), ShortName(info_->method()), "");
      }
    }
    // gRPC's own answer to an undecoded request is UNIMPLEMENTED; a client stream's reactor
    // that took the failed read for the end of the stream answers OK.
    if (error_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::StatusCode code = methods->GetSendStatus().error_code();
      if (code == grpc::StatusCode::UNIMPLEMENTED || code == grpc::StatusCode::OK) {
        methods->ModifySendStatus(ToGrpcStatus(*error_));
        if (record_) record_->Finished(*error_);
      }
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

std::optional<absl::Status> UndecodedStreamMessage(const grpc::CallbackServerContext* context,
                                                   absl::string_view where) {
  std::optional<std::string> field = Streams().Find(context);
  if (!field) return std::nullopt;
  return UndecodedError(*field, "", where);
}

}  // namespace flywheel
