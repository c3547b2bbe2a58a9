// The server side of a client stream whose messages are handled on a worker (they write to the
// database), one at a time and in stream order, while gRPC reads the next message: decoding one
// message overlaps with writing the one before. At most one message is handled and one read
// ahead, so a slow database slows the client instead of filling memory. Used by the CRM bulk
// upserts and the usage feed.
//
// ReadPipeline is the ordering and hand-over, apart from gRPC (so it can be tested with a
// stand-in transport); PipelinedReadReactor puts it on a gRPC reactor with admission, the call
// record and the decoding of each message; a subclass says what a message does and what the
// end of the stream answers.
//
// The reactor reads the stream's messages as raw bytes and decodes them itself: gRPC 1.51 ends a
// typed client stream's reads on a message that does not decode as if the client had closed
// the stream, so the call would answer OK having dropped the rest. Here such a message ends the
// call INVALID_ARGUMENT naming its place in the stream, after the messages before it were
// handled; every error that ends a stream after messages arrived carries what was done before it
// (see WithStreamResults).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/server/call_record.h"
#include "common/server/service_context.h"
#include "common/server/undecodable_requests.h"
#include "common/server/worker_pool.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace flywheel {

template <typename Message>
class ReadPipeline {
 public:
  struct Hooks {
    // Asks the transport for the next message into `into`; it answers with ReadDone.
    std::function<void(Message* into)> start_read;
    // On a worker, in stream order, one message at a time. An error ends the call with it.
    std::function<absl::Status(const Message&)> handle;
    // On a worker, after the last message was handled and the stream ended (closed by the
    // client, or cut by ReadFailed): the answer, when the client closed it.
    std::function<absl::Status()> complete;
    // Called once, with nothing locked, with the call's answer; the pipeline is not touched
    // by it afterwards (the owner may be deleted as soon as the transport is done).
    std::function<void(const absl::Status&)> finish;
  };

  ReadPipeline(WorkerPool& workers, Hooks hooks) : workers_(workers), hooks_(std::move(hooks)) {}

  void Start() { hooks_.start_read(&reading_); }

  // The transport's answer to start_read: ok with a message, or false when the stream ended.
  void ReadDone(bool ok) {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_) return;  // a read still in flight when the call was ended early
    if (!ok) {
      read_ended_ = true;
    } else if (handling_) {
      message_waiting_ = true;  // handed over when the worker is done with the one before
      return;
    }
    if (!handling_) Next(lock);
  }

  // The transport's answer to start_read when a message arrived but cannot be used (it does not
  // decode): the messages before it are handled and completed, and the call answers `why`
  // unless completing failed first. Later reads are not started.
  void ReadFailed(absl::Status why) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      cut_ = std::move(why);
    }
    ReadDone(false);
  }

  // Ends the call now (e.g. refused before the first read); later reads are ignored.
  void Finish(const absl::Status& status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    hooks_.finish(status);
  }

 private:
  // With mu_ held and no message being handled: hands the message read to a worker and reads
  // on, or, the stream having ended, has a worker answer the call.
  void Next(std::unique_lock<std::mutex>& lock) {
    bool last = read_ended_;
    if (!last) {
      std::swap(handled_, reading_);
      message_waiting_ = false;
    }
    handling_ = true;
    lock.unlock();
    if (!last) hooks_.start_read(&reading_);
    bool queued = workers_.Submit([this, last] {
      if (last) {
        absl::Status answer = hooks_.complete();
        Finish(answer.ok() ? cut_ : answer);
        return;
      }
      absl::Status status = hooks_.handle(handled_);
      std::unique_lock<std::mutex> lock(mu_);
      handling_ = false;
      if (!status.ok()) {
        lock.unlock();
        Finish(status);
      } else if (message_waiting_ || read_ended_) {
        Next(lock);
      }
    });
    if (!queued) Finish(OverloadedError());
  }

  WorkerPool& workers_;
  Hooks hooks_;
  std::mutex mu_;
  Message reading_;  // the transport reads into it
  Message handled_;  // a worker handles it
  bool handling_ = false;         // a worker has handled_, or is answering the call
  bool message_waiting_ = false;  // reading_ holds a message not yet handed over
  bool read_ended_ = false;
  absl::Status cut_;  // why the stream was cut short (ReadFailed); OK when the client closed it
  bool finished_ = false;
};

// Adds to `status`, an error that ends a client stream, what the stream did before it: an
// ErrorInfo (reason STREAM_ENDED_EARLY) whose metadata holds `messages_handled` and each
// integer field of `response` (created, updated, failed, accepted, …), and the whole response as
// a detail when it is small enough for the trailers.
absl::Status WithStreamResults(absl::Status status, int64_t messages_handled,
                               const google::protobuf::Message& response);

template <typename Request, typename Response>
class PipelinedReadReactor : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  void OnReadDone(bool ok) final {
    if (!ok) {
      pipeline_.ReadDone(false);
      return;
    }
    int64_t number = ++received_;
    absl::Status decoded = DecodeMessage(bytes_, *into_, absl::StrCat("message ", number, " of the stream"));
    if (decoded.ok()) {
      pipeline_.ReadDone(true);
    } else {
      pipeline_.ReadFailed(std::move(decoded));
    }
  }
  void OnDone() final { delete this; }

 protected:
  PipelinedReadReactor(grpc::CallbackServerContext* context, const char* method, const ServiceContext& service,
                       grpc::ByteBuffer* response)
      : raw_response_(response),
        record_(context, method, ""),
        pipeline_(service.workers, {[this](Request* into) { StartReading(into); },
                                    [this](const Request& m) { return Handled(m); }, [this] { return Complete(); },
                                    [this](const absl::Status& s) { Send(s); }}) {
    absl::StatusOr<auth::Caller> caller = service.gate.Admit(context, method);
    if (!caller.ok()) {
      pipeline_.Finish(caller.status());
      return;
    }
    record_ = CallRecord(context, method, caller->principal);
    pipeline_.Start();
  }
  virtual ~PipelinedReadReactor() = default;

  // On a worker, in stream order, one at a time. A status other than OK ends the call with it.
  virtual absl::Status Handle(const Request& message) = 0;
  // On a worker, after the last message handled, once the stream ended: fills in the answer
  // (also when the stream was cut by a message that does not decode: what came before it is
  // written and counted).
  virtual absl::Status Complete() = 0;

  Response& response() { return response_; }

 private:
  void StartReading(Request* into) {
    into_ = into;
    StartRead(&bytes_);
  }
  absl::Status Handled(const Request& message) {
    absl::Status status = Handle(message);
    if (status.ok()) ++handled_;
    return status;
  }
  void Send(absl::Status status) {
    if (status.ok()) {
      bool own_buffer = false;
      grpc::Status encoded = grpc::SerializationTraits<Response>::Serialize(response_, raw_response_, &own_buffer);
      if (!encoded.ok()) status = absl::InternalError("the answer could not be encoded");
    } else if (received_ > 0) {
      status = WithStreamResults(std::move(status), handled_, response_);
    }
    grpc::Status answer = ToGrpcStatus(status);
    record_.Finished(answer);
    this->Finish(answer);
  }

  grpc::ByteBuffer* raw_response_;
  grpc::ByteBuffer bytes_;   // the message being read, undecoded
  Request* into_ = nullptr;  // where the pipeline wants it decoded
  std::atomic<int64_t> received_{0};  // messages that arrived (gRPC thread; read by Send on a worker)
  int64_t handled_ = 0;      // messages handled without error (workers, one at a time)
  Response response_;
  CallRecord record_;
  ReadPipeline<Request> pipeline_;
};

}  // namespace flywheel
