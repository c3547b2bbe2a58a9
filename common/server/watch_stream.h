// The server side of a resumable Watch stream over a change log (WatchAccountChanges,
// WatchHealth, WatchExceptions): one mechanism for all of them. The start point is fixed first
// (after the change the resume token names; without one, the log's end, or its beginning when
// the caller asks: a follower with no stored position must not miss what came before it) and headers go
// out then, so a client can wait for them before making changes it expects to see. A thread of
// its own polls `fetch` and writes each change stamped with the token that resumes right after
// it; a slow client slows the polling (StreamWriter), never drops a change. A failed read ends
// the stream with that status, so a client never sees OK after a lost change.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/server/call_record.h"
#include "common/server/stream_writer.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "grpcpp/grpcpp.h"

namespace flywheel {

template <typename Message>
struct WatchPage {
  std::vector<std::pair<int64_t, Message>> changes;  // in sequence order, for this watcher
  int64_t scanned_to = 0;  // the last sequence read, sent or filtered out (>= the last change's)
};

template <typename Message>
struct WatchSource {
  std::string query;  // binds tokens to this stream and its filters
  std::function<absl::StatusOr<int64_t>()> last;  // the log's current end
  std::function<absl::StatusOr<WatchPage<Message>>(int64_t after)> fetch;
  absl::Duration poll = absl::Milliseconds(200);
};

// Starts the stream, or answers `admitted` (a refused caller or bad request) without reading.
template <typename Message>
grpc::ServerWriteReactor<Message>* StartWatch(CallRecord record, absl::Status admitted, const std::string& resume_token,
                                              bool from_beginning, WatchSource<Message> source);

// The token that resumes `query` after `sequence`, and the sequence in a token (INVALID_ARGUMENT
// on resume_token when it is malformed or was made for another stream or filter).
std::string ResumeToken(const std::string& query, int64_t sequence);
absl::StatusOr<int64_t> ResumePoint(const std::string& token, const std::string& query);

template <typename Message>
class WatchReactor final : public grpc::ServerWriteReactor<Message> {
 public:
  WatchReactor(CallRecord record, int64_t after, WatchSource<Message> source)
      : record_(std::move(record)),
        after_(after),
        source_(std::move(source)),
        writer_(
            64, [this](const Message* m) { this->StartWrite(m); },
            [this](const grpc::Status& status) {
              record_.Finished(status);
              this->Finish(status);
            }) {
    this->StartSendInitialMetadata();
    thread_ = std::thread([this] { Run(); });
  }
  void OnWriteDone(bool ok) override { writer_.WriteDone(ok); }
  void OnCancel() override { writer_.Cancel(); }
  void OnDone() override {
    // OnDone may run on the polling thread itself, right after its Finish().
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
    delete this;
  }

 private:
  void Run() {
    grpc::Status final_status(grpc::StatusCode::CANCELLED, "watch ended");
    for (bool open = true; open;) {
      const int64_t before = after_;
      auto page = source_.fetch(after_);
      if (!page.ok()) {
        final_status = ToGrpcStatus(page.status());
        break;
      }
      for (auto& [sequence, message] : page->changes) {
        message.set_resume_token(ResumeToken(source_.query, sequence));
        if (!(open = writer_.Push(std::move(message)))) break;
        after_ = sequence;
      }
      if (!open) break;
      after_ = std::max(after_, page->scanned_to);
      // Something was read: more may be waiting, so read on at once.
      if (after_ > before) continue;
      open = !writer_.WaitBroken(source_.poll);
    }
    writer_.Close(final_status);
  }

  CallRecord record_;
  int64_t after_;
  WatchSource<Message> source_;
  StreamWriter<Message> writer_;
  std::thread thread_;
};

template <typename Message>
grpc::ServerWriteReactor<Message>* StartWatch(CallRecord record, absl::Status admitted, const std::string& resume_token,
                                              bool from_beginning, WatchSource<Message> source) {
  int64_t after = 0;
  absl::Status status = std::move(admitted);
  if (!status.ok()) {
    // refused: nothing is read
  } else if (resume_token.empty() && from_beginning) {
    after = 0;
  } else if (resume_token.empty()) {
    auto last = source.last();
    status = last.status();
    if (last.ok()) after = *last;
  } else {
    auto point = ResumePoint(resume_token, source.query);
    status = point.status();
    if (point.ok()) after = *point;
  }
  if (!status.ok()) {
    class Failed : public grpc::ServerWriteReactor<Message> {
     public:
      explicit Failed(const grpc::Status& s) { this->Finish(s); }
      void OnDone() override { delete this; }
    };
    record.Finished(status);
    return new Failed(ToGrpcStatus(status));
  }
  return new WatchReactor<Message>(std::move(record), after, std::move(source));
}

}  // namespace flywheel
