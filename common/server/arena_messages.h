// Places a unary call's request and response on one protobuf arena, for methods whose responses
// are large (a page of accounts is hundreds of strings and map entries): building the response
// then costs bump allocations, and the whole call's memory goes back in one free of the arena's
// blocks instead of one free per field. Set on a method with the generated
// SetMessageAllocatorFor_<Method>; the allocator must outlive the server.
#pragma once

#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace flywheel {

template <typename Request, typename Response>
class ArenaMessages final : public grpc::MessageAllocator<Request, Response> {
 public:
  // `first_block_bytes`: the arena's first block, sized for a typical response so that most calls
  // allocate once.
  explicit ArenaMessages(size_t first_block_bytes) : first_block_bytes_(first_block_bytes) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(first_block_bytes_); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(size_t first_block_bytes) : arena_(Options(first_block_bytes)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(size_t first_block_bytes) {
      google::protobuf::ArenaOptions options;
      options.start_block_size = first_block_bytes;
      options.max_block_size = first_block_bytes * 4;
      return options;
    }
    google::protobuf::Arena arena_;
  };

  const size_t first_block_bytes_;
};

}  // namespace flywheel
