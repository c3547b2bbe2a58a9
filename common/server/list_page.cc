#include "common/server/list_page.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/server/idempotency.h"

namespace flywheel {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const FieldDescriptor* Field(const Message& m, const char* name, FieldDescriptor::CppType type) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  return f != nullptr && f->cpp_type() == type && !f->is_repeated() ? f : nullptr;
}

}  // namespace

ListPage::ListPage(const paging::PageTokenCodec& codec, const Message& request, size_t cursor_parts,
                   FieldViolations& v)
    : codec_(codec) {
  const FieldDescriptor* size_field = Field(request, "page_size", FieldDescriptor::CPPTYPE_INT32);
  const FieldDescriptor* token_field = Field(request, "page_token", FieldDescriptor::CPPTYPE_STRING);
  const google::protobuf::Reflection* reflection = request.GetReflection();
  if (size_field != nullptr) {
    auto size = paging::NormalizePageSize(reflection->GetInt32(request, size_field));
    if (size.ok()) page_size_ = *size;
    v.AddFrom(size.status());
  }
  // The query is the request's type and its every other field, in deterministic bytes.
  std::unique_ptr<Message> query(request.New());
  query->CopyFrom(request);
  if (size_field != nullptr) query->GetReflection()->ClearField(query.get(), size_field);
  if (token_field != nullptr) query->GetReflection()->ClearField(query.get(), token_field);
  query_ = absl::StrCat(request.GetDescriptor()->full_name(), ":", DeterministicBytes(*query));
  if (token_field != nullptr) {
    cursor_ = codec_.DecodeCursor(reflection->GetString(request, token_field), query_, cursor_parts, v);
  }
}

std::string ListPage::TokenAfter(const std::vector<std::string>& cursor) const { return codec_.Encode(query_, cursor); }

}  // namespace flywheel
