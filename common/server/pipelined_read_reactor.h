// The server side of a client stream whose messages are handled on a worker (they write to the
// database), one at a time and in stream order, while gRPC reads the next message: decoding one
// message overlaps with writing the one before. At most one message is handled and one read
// ahead, so a slow database slows the client instead of filling memory. Used by the CRM bulk
// upserts and the usage feed.
//
// ReadPipeline is the ordering and hand-over, apart from gRPC (so it can be tested with a
// stand-in transport); PipelinedReadReactor puts it on a gRPC reactor with admission, the call
// record and the undecodable-message check; a subclass says what a message does and what the
// end of the stream answers.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/server/call_record.h"
#include "common/server/service_context.h"
#include "common/server/undecodable_requests.h"
#include "common/server/worker_pool.h"
#include "common/status/grpc_status.h"
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
    // On a worker, after the last message was handled and the stream ended: the answer.
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
        Finish(hooks_.complete());
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
  bool finished_ = false;
};

template <typename Request>
class PipelinedReadReactor : public grpc::ServerReadReactor<Request> {
 public:
  void OnReadDone(bool ok) final { pipeline_.ReadDone(ok); }
  void OnDone() final { delete this; }

 protected:
  PipelinedReadReactor(grpc::CallbackServerContext* context, const char* method, const ServiceContext& service)
      : context_(context),
        record_(context, method, ""),
        pipeline_(service.workers, {[this](Request* into) { this->StartRead(into); },
                                    [this](const Request& m) { return Handle(m); }, [this] { return Answer(); },
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
  // On a worker, after the last message, once the client closed the stream: the call's answer.
  virtual absl::Status Complete() = 0;
  // Where the stream stands, for an error about the message after the last one handled
  // (e.g. "the message after record 1200").
  virtual std::string Position() const = 0;

 private:
  absl::Status Answer() {
    std::optional<absl::Status> undecoded = UndecodedStreamMessage(context_, Position());
    return undecoded ? *undecoded : Complete();
  }
  void Send(const absl::Status& status) {
    grpc::Status answer = ToGrpcStatus(status);
    record_.Finished(answer);
    this->Finish(answer);
  }

  const grpc::CallbackServerContext* context_;
  CallRecord record_;
  ReadPipeline<Request> pipeline_;
};

}  // namespace flywheel
