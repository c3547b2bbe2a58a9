#include "common/testing/raw_call.h"

#include "grpcpp/generic/generic_stub.h"

namespace flywheel::testing {

grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                     const std::vector<std::string>& messages, const RawCallOptions& options,
                     std::vector<std::string>* responses) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options.deadline);
  for (const auto& [key, value] : options.metadata) ctx.AddMetadata(key, value);
  grpc::CompletionQueue cq;
  auto wait = [&cq] {
    void* tag = nullptr;
    bool ok = false;
    cq.Next(&tag, &ok);
    return ok;
  };
  auto call = stub.PrepareCall(&ctx, path, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  bool open = wait();
  for (size_t i = 0; open && i < messages.size(); ++i) {
    grpc::Slice slice(messages[i]);
    grpc::ByteBuffer out(&slice, 1);
    if (i + 1 == messages.size()) {
      call->WriteLast(out, grpc::WriteOptions(), reinterpret_cast<void*>(2));
    } else {
      call->Write(out, reinterpret_cast<void*>(2));
    }
    open = wait();
  }
  if (open && messages.empty()) {
    call->WritesDone(reinterpret_cast<void*>(2));
    wait();
  }
  grpc::ByteBuffer in;
  for (;;) {
    call->Read(&in, reinterpret_cast<void*>(3));
    if (!wait()) break;
    if (responses) {
      std::vector<grpc::Slice> slices;
      in.Dump(&slices);
      std::string bytes;
      for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      responses->push_back(std::move(bytes));
    }
    if (options.first_response_only) {
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  wait();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace flywheel::testing
