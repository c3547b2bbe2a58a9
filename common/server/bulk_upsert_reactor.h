// The server side of a client-streaming bulk upsert (CRM sync): reads messages that each
// carry `dry_run` and a batch of `records`, checks every record, writes checked records in
// batches (on a worker, while the next message is read: see pipelined_read_reactor.h), and
// answers with one result per record (index in the stream, outcome, id, errors) and the counts.
// Used by every service that syncs an aggregate from a CRM; the aggregate-specific parts are
// the Hooks.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/db/write_context.h"
#include "common/server/pipelined_read_reactor.h"
#include "common/server/service_context.h"
#include "common/status/errors.h"
#include "grpcpp/grpcpp.h"

namespace flywheel {

// Proto outcome numbers shared by every bulk upsert contract.
enum BulkOutcomeNumber { kBulkCreated = 1, kBulkUpdated = 2, kBulkUnchanged = 3, kBulkFailed = 4 };

struct BulkWritten {
  absl::Status status;  // a record-level failure (duplicate email, bad parent…)
  UpsertOutcome outcome = UpsertOutcome::kUnchanged;
  std::string id;
};

template <typename StreamRequest, typename Response, typename Input>
class BulkUpsertReactor : public PipelinedReadReactor<StreamRequest, Response> {
 public:
  using Record = typename std::decay_t<decltype(std::declval<StreamRequest>().records(0))>;
  using Result = typename std::decay_t<decltype(std::declval<Response>().results(0))>;

  struct Hooks {
    // The checked input of one record; violations (named relative to the record) otherwise.
    std::function<Input(const Record&, FieldViolations&)> check;
    // Writes a batch; one outcome per input, in order.
    std::function<absl::StatusOr<std::vector<BulkWritten>>(const std::vector<Input>&, bool dry_run)> write;
    // Sets the written resource's id on a result (account_id, stakeholder_id, …).
    std::function<void(Result&, const std::string&)> set_id;
  };

  static constexpr size_t kBatch = 500;
  // Records one message may carry; a bigger message (like one that does not decode) ends the
  // stream with INVALID_ARGUMENT after the records before it are written (upserts can be sent
  // again safely).
  static constexpr int kMaxRecordsPerMessage = 1000;

  BulkUpsertReactor(grpc::CallbackServerContext* context, const char* method, const ServiceContext& service,
                    grpc::ByteBuffer* response, Hooks hooks)
      : PipelinedReadReactor<StreamRequest, Response>(context, method, service, response),
        response_(&this->response()),
        hooks_(std::move(hooks)) {}

 private:
  absl::Status Handle(const StreamRequest& message) override {
    if (first_message_) {
      dry_run_ = message.dry_run();
      response_->set_dry_run(dry_run_);
      first_message_ = false;
    }
    if (message.records_size() > kMaxRecordsPerMessage) {
      if (absl::Status written = WriteBatch(); !written.ok()) return written;
      return InvalidFieldError("records", absl::StrCat("at most ", kMaxRecordsPerMessage, " records a message (message ",
                                                       messages_ + 1, " had ", message.records_size(), ")"));
    }
    ++messages_;
    for (const auto& record : message.records()) Check(record);
    return pending_.size() >= kBatch ? WriteBatch() : absl::OkStatus();
  }

  absl::Status Complete() override {
    return WriteBatch();
  }

  // Sets a record's outcome and counts it, so the counts are right whenever the stream ends
  // (an error that ends it early reports them too).
  void SetOutcome(Result& r, int number) {
    r.set_outcome(static_cast<decltype(r.outcome())>(number));
    switch (number) {
      case kBulkCreated: response_->set_created(response_->created() + 1); break;
      case kBulkUpdated: response_->set_updated(response_->updated() + 1); break;
      case kBulkUnchanged: response_->set_unchanged(response_->unchanged() + 1); break;
      default: response_->set_failed(response_->failed() + 1);
    }
  }

  // Each record's result goes into the response at once, in stream order (so the answer needs
  // no second copy of them and no sort); a written record's outcome is filled in by WriteBatch.
  void Check(const Record& record) {
    int slot = response_->results_size();
    Result& result = *response_->add_results();
    result.set_index(next_index_++);
    FieldViolations v;
    Input input = hooks_.check(record, v);
    if (v.empty()) {
      pending_.push_back(std::move(input));
      pending_slot_.push_back(slot);
      return;
    }
    SetOutcome(result, kBulkFailed);
    for (const auto& item : v.items()) {
      auto* e = result.add_errors();
      e->set_field(item.field);
      e->set_description(item.description);
    }
  }

  // Writes the pending records and fills in their results.
  absl::Status WriteBatch() {
    if (pending_.empty()) return absl::OkStatus();
    auto written = hooks_.write(pending_, dry_run_);
    if (!written.ok()) return written.status();
    for (size_t i = 0; i < written->size(); ++i) {
      const BulkWritten& w = (*written)[i];
      Result& result = *response_->mutable_results(pending_slot_[i]);
      if (w.status.ok()) {
        SetOutcome(result, w.outcome == UpsertOutcome::kCreated   ? kBulkCreated
                           : w.outcome == UpsertOutcome::kUpdated ? kBulkUpdated
                                                                  : kBulkUnchanged);
        hooks_.set_id(result, w.id);
      } else {
        SetOutcome(result, kBulkFailed);
        auto* e = result.add_errors();
        auto violations = GetFieldViolations(w.status);
        e->set_field(violations.empty() ? "" : violations[0].field);
        e->set_description(std::string(w.status.message()));
      }
    }
    pending_.clear();
    pending_slot_.clear();
    return absl::OkStatus();
  }

  Response* response_;
  Hooks hooks_;
  bool first_message_ = true;
  bool dry_run_ = false;
  int64_t next_index_ = 0;
  int64_t messages_ = 0;
  std::vector<Input> pending_;
  std::vector<int> pending_slot_;  // where each pending record's result is in the response
};

}  // namespace flywheel
