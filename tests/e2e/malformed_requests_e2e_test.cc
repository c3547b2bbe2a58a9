// Walks every RPC of every Flywheel service from the protobuf descriptors and sends it malformed
// requests built by reflection: empty, oversized strings, invalid enum numbers, negative
// numbers, NaN, unknown ids, forged page tokens, unknown field-mask paths, invalid UTF-8 in
// string fields; and every RPC without a token. Each answer must be a client-side code (never INTERNAL or UNKNOWN), and a call that
// is refused must leave every table of every service's database exactly as it was.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include <cppconn/resultset.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/connection_pool.h"
#include "common/db/sql_params.h"
#include "common/ids/ids.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/testing/raw_call.h"
#include "common/testing/service_process.h"
#include "common/testing/test_credentials.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/field_mask.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;
using testing::ServiceProcess;
using testing::TestCredentials;
using testing::TestMariaDb;

// Stands for invalid UTF-8: the library will not serialize a string field that holds it, so Call
// swaps these bytes for as many 0xFF bytes in the encoded request (the wire stays well formed).
const std::string kUtf8Marker = "@@not-utf8@@";

// One way of spoiling a request: what it does to a field (false: leaves it alone).
struct Spoiler {
  const char* name;
  std::function<bool(Message&, const FieldDescriptor*)> spoil;
  // A request gRPC itself cannot decode never reaches a handler (the server answers for it).
  bool undecodable = false;
  // Whatever else the request holds, the spoiled field alone makes it bad input.
  bool must_refuse = false;
};

bool IsIdField(const FieldDescriptor* f) {
  return absl::EndsWith(f->name(), "_id") || f->name() == "id" || absl::EndsWith(f->name(), "_ids");
}

void SetString(Message& m, const FieldDescriptor* f, const std::string& value) {
  const Reflection* r = m.GetReflection();
  if (f->is_repeated()) {
    r->AddString(&m, f, value);
  } else {
    r->SetString(&m, f, value);
  }
}

std::vector<Spoiler> Spoilers() {
  return {
      {"empty", [](Message&, const FieldDescriptor*) { return false; }},
      {"oversized strings",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_STRING) return false;
         SetString(m, f, std::string(70000, 'x'));
         return true;
       }},
      {"invalid enum numbers",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_ENUM) return false;
         if (f->is_repeated()) {
           m.GetReflection()->AddEnumValue(&m, f, 999);
         } else {
           m.GetReflection()->SetEnumValue(&m, f, 999);
         }
         return true;
       }},
      {"negative numbers",
       [](Message& m, const FieldDescriptor* f) {
         const Reflection* r = m.GetReflection();
         if (f->is_repeated()) return false;
         switch (f->cpp_type()) {
           case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(&m, f, -1); return true;
           case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(&m, f, -1); return true;
           case FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(&m, f, -1); return true;
           default: return false;
         }
       }},
      {"NaN",
       [](Message& m, const FieldDescriptor* f) {
         if (f->is_repeated()) return false;
         if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
           m.GetReflection()->SetDouble(&m, f, std::nan(""));
           return true;
         }
         if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
           m.GetReflection()->SetFloat(&m, f, std::nanf(""));
           return true;
         }
         return false;
       }},
      {"invalid UTF-8",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_STRING) return false;
         SetString(m, f, kUtf8Marker);  // turned into invalid bytes on the wire by Call
         return true;
       },
       /*undecodable=*/true},
      {"overflowing amounts",
       [](Message& m, const FieldDescriptor* f) {
         if (f->name() != "minor_units" || f->cpp_type() != FieldDescriptor::CPPTYPE_INT64) return false;
         m.GetReflection()->SetInt64(&m, f, std::numeric_limits<int64_t>::max());
         return true;
       },
       /*undecodable=*/false, /*must_refuse=*/true},
      {"out-of-range timestamps",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_MESSAGE || f->is_repeated() ||
             f->message_type()->full_name() != "google.protobuf.Timestamp") {
           return false;
         }
         Message* t = m.GetReflection()->MutableMessage(&m, f);
         t->GetReflection()->SetInt64(t, t->GetDescriptor()->FindFieldByName("seconds"), 999999999999999);
         t->GetReflection()->SetInt32(t, t->GetDescriptor()->FindFieldByName("nanos"), 2000000000);
         return true;
       },
       /*undecodable=*/false, /*must_refuse=*/true},
      {"unknown ids",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_STRING || !IsIdField(f)) return false;
         SetString(m, f, ids::NewId(absl::StartsWith(f->name(), "account") ? "acc" : "unk"));
         return true;
       }},
      {"forged page tokens",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_STRING || !absl::EndsWith(f->name(), "_token")) return false;
         SetString(m, f, "Zm9yZ2VkLXRva2VuLWZvcmdlZA");
         return true;
       }},
      {"unknown mask paths",
       [](Message& m, const FieldDescriptor* f) {
         if (f->type() != FieldDescriptor::TYPE_MESSAGE ||
             f->message_type()->full_name() != google::protobuf::FieldMask::descriptor()->full_name() || f->is_repeated()) {
           return false;
         }
         auto* mask = m.GetReflection()->MutableMessage(&m, f);
         mask->GetReflection()->AddString(mask, mask->GetDescriptor()->FindFieldByName("paths"), "no_such_field");
         return true;
       }},
  };
}

// Applies `spoiler` to every field of `m`, into nested messages down to `depth`; true when
// something changed.
bool Spoil(Message& m, const Spoiler& spoiler, int depth) {
  bool changed = false;
  const Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (spoiler.spoil(m, f)) {
      changed = true;
      continue;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || depth == 0 || f->is_map()) continue;
    if (f->message_type()->full_name() == google::protobuf::FieldMask::descriptor()->full_name()) continue;
    Message* child = f->is_repeated() ? m.GetReflection()->AddMessage(&m, f) : m.GetReflection()->MutableMessage(&m, f);
    if (Spoil(*child, spoiler, depth - 1)) {
      changed = true;
    } else if (f->is_repeated()) {
      m.GetReflection()->RemoveLast(&m, f);
    } else {
      m.GetReflection()->ClearField(&m, f);
    }
  }
  return changed;
}

// Calls `path` with `request` as a generic stream (one message out, every message in), so unary
// and streaming methods are called the same way. `last_response` gets the last message received.
// `trailing` is appended to the encoded request (bytes that break it).
grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel, const std::string& path, const Message& request,
                  const std::string& token, std::string* last_response = nullptr, const std::string& trailing = "") {
  testing::RawCallOptions options;
  bool watch = absl::StrContains(path, "/Watch");
  options.deadline = std::chrono::seconds(watch ? 2 : 20);
  options.first_response_only = watch;  // a watch never ends by itself: one message (or the end) is enough
  if (!token.empty()) options.metadata.emplace_back("authorization", absl::StrCat("Bearer ", token));
  std::string encoded = request.SerializeAsString();
  for (size_t at = encoded.find(kUtf8Marker); at != std::string::npos; at = encoded.find(kUtf8Marker, at)) {
    encoded.replace(at, kUtf8Marker.size(), std::string(kUtf8Marker.size(), '\xff'));
  }
  std::vector<std::string> responses;
  grpc::Status status = testing::RawCall(channel, path, {encoded + trailing}, options, &responses);
  if (last_response && !responses.empty()) *last_response = responses.back();
  return status;
}

// Every table's checksum in the databases of the suite.
class DatabaseFingerprint {
 public:
  explicit DatabaseFingerprint(std::vector<DatabaseConfig> databases) {
    for (auto& d : databases) pools_.push_back(std::make_unique<db::ConnectionPool>(d));
  }
  std::map<std::string, std::string> Take() {
    std::map<std::string, std::string> out;
    for (auto& pool : pools_) {
      absl::Status s = db::RunOnConnection(*pool, [&](db::Connection& conn) {
        std::vector<std::string> tables;
        db::ForEachRow(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()", {},
                       [&](sql::ResultSet& rs) { tables.push_back(rs.getString(1)); });
        for (const auto& t : tables) {
          db::ForEachRow(conn, absl::StrCat("CHECKSUM TABLE `", t, "`"), {}, [&](sql::ResultSet& rs) {
            out[rs.getString(1)] = rs.isNull(2) ? "null" : std::string(rs.getString(2));
          });
        }
        return absl::OkStatus();
      });
      EXPECT_TRUE(s.ok()) << s;
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<db::ConnectionPool>> pools_;
};

std::string Changes(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
  std::vector<std::string> changed;
  for (const auto& [table, sum] : after) {
    auto it = before.find(table);
    if (it == before.end() || it->second != sum) changed.push_back(table);
  }
  return absl::StrJoin(changed, ", ");
}

// For a bulk upsert answered OK: its response counts failed records (each record's errors are
// reported there, not in the status).
bool RecordsFailed(const MethodDescriptor* method, const std::string& response_bytes) {
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<Message> response(factory.GetPrototype(method->output_type())->New());
  const FieldDescriptor* failed = method->output_type()->FindFieldByName("failed");
  return method->client_streaming() && failed && response->ParseFromString(response_bytes) &&
         response->GetReflection()->GetInt64(*response, failed) > 0;
}

const std::set<grpc::StatusCode> kAnswersToBadInput = {
    grpc::StatusCode::OK,  // the spoiled request happened to be a valid one (e.g. an empty List)
    grpc::StatusCode::INVALID_ARGUMENT,  grpc::StatusCode::NOT_FOUND,       grpc::StatusCode::FAILED_PRECONDITION,
    grpc::StatusCode::UNAUTHENTICATED,   grpc::StatusCode::PERMISSION_DENIED,
};

class MalformedRequestsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto& credentials = TestCredentials::Shared();
    auto flags = [&](std::vector<std::string> extra) {
      std::vector<std::string> f = credentials.ServerFlags();
      f.push_back(absl::StrCat("--tls_ca_file=", credentials.Path("ca.pem")));
      f.push_back(absl::StrCat("--service_token_file=", credentials.TokenFile("service", {auth::Role::kEditor})));
      for (auto& e : extra) f.push_back(std::move(e));
      return f;
    };
    for (int i = 0; i < 4; ++i) databases_.push_back(TestMariaDb::Shared().NewDatabaseConfig());
    accounts_ = new ServiceProcess(FLYWHEEL_ACCOUNTS_BINARY, databases_[0], flags({}));
    std::string accounts = absl::StrCat("--accounts_addr=", accounts_->address());
    health_ = new ServiceProcess(FLYWHEEL_HEALTH_BINARY, databases_[1], flags({accounts}));
    std::string health = absl::StrCat("--health_addr=", health_->address());
    stakeholders_ = new ServiceProcess(FLYWHEEL_STAKEHOLDERS_BINARY, databases_[2], flags({accounts, health}));
    handoff_ = new ServiceProcess(FLYWHEEL_HANDOFF_BINARY, databases_[3],
                                  flags({accounts, health, absl::StrCat("--stakeholders_addr=", stakeholders_->address())}));
  }
  static void TearDownTestSuite() {
    for (ServiceProcess* p : {handoff_, stakeholders_, health_, accounts_}) delete p;
  }

  // Each service's descriptor and the address serving it.
  static std::vector<std::pair<const google::protobuf::ServiceDescriptor*, std::string>> Services() {
    // Through a message of each file, which also links the file's descriptors in.
    return {{accounts::v1::Account::descriptor()->file()->service(0), accounts_->address()},
            {health::v1::AccountHealth::descriptor()->file()->service(0), health_->address()},
            {stakeholders::v1::Stakeholder::descriptor()->file()->service(0), stakeholders_->address()},
            {handoff::v1::Handoff::descriptor()->file()->service(0), handoff_->address()}};
  }

  static std::vector<DatabaseConfig> databases_;
  static ServiceProcess *accounts_, *health_, *stakeholders_, *handoff_;
};

std::vector<DatabaseConfig> MalformedRequestsE2eTest::databases_;
ServiceProcess* MalformedRequestsE2eTest::accounts_ = nullptr;
ServiceProcess* MalformedRequestsE2eTest::health_ = nullptr;
ServiceProcess* MalformedRequestsE2eTest::stakeholders_ = nullptr;
ServiceProcess* MalformedRequestsE2eTest::handoff_ = nullptr;

std::string PathOf(const MethodDescriptor* m) { return absl::StrCat("/", m->service()->full_name(), "/", m->name()); }

TEST_F(MalformedRequestsE2eTest, EveryMethodNeedsAToken) {
  google::protobuf::DynamicMessageFactory factory;
  int methods = 0;
  for (const auto& [service, address] : Services()) {
    ASSERT_NE(service, nullptr);
    auto channel = TestCredentials::Shared().Channel(address);
    for (int i = 0; i < service->method_count(); ++i, ++methods) {
      const MethodDescriptor* method = service->method(i);
      std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
      EXPECT_EQ(Call(channel, PathOf(method), *request, "").error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method->full_name();
    }
  }
  EXPECT_GE(methods, 75);
}

TEST_F(MalformedRequestsE2eTest, APrincipalLongerThanTheAuditColumnsIsRefusedEverywhere) {
  std::string too_long = TestCredentials::Shared().Token(std::string(201, 'p'), {auth::Role::kAdmin});
  DatabaseFingerprint fingerprint(databases_);
  std::map<std::string, std::string> before = fingerprint.Take();
  google::protobuf::DynamicMessageFactory factory;
  for (const auto& [service, address] : Services()) {
    auto channel = TestCredentials::Shared().Channel(address);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
      grpc::Status status = Call(channel, PathOf(method), *request, too_long);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method->full_name();
      EXPECT_EQ(status.error_message(), "bearer token refused: sub: the principal is 201 bytes; at most 200 are allowed");
    }
  }
  EXPECT_EQ(Changes(before, fingerprint.Take()), "");
}

TEST_F(MalformedRequestsE2eTest, BadRequestsGetClientErrorsAndChangeNothing) {
  std::string admin = TestCredentials::Shared().Token("walker", {auth::Role::kAdmin});
  DatabaseFingerprint fingerprint(databases_);
  std::map<std::string, std::string> before = fingerprint.Take();
  ASSERT_FALSE(before.empty());
  // The fingerprint sees data: the migration tables at least hold rows.
  EXPECT_TRUE(std::any_of(before.begin(), before.end(), [](const auto& t) { return t.second != "0"; }));
  google::protobuf::DynamicMessageFactory factory;
  int calls = 0, refused = 0;
  for (const auto& [service, address] : Services()) {
    auto channel = TestCredentials::Shared().Channel(address);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      for (const Spoiler& spoiler : Spoilers()) {
        std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
        if (!Spoil(*request, spoiler, 3) && std::string(spoiler.name) != "empty") continue;
        std::string response_bytes;
        grpc::Status status = Call(channel, PathOf(method), *request, admin, &response_bytes);
        ++calls;
        std::map<std::string, std::string> after = fingerprint.Take();
        SCOPED_TRACE(absl::StrCat(method->full_name(), " with ", spoiler.name, ": ", status.error_code(), " ",
                                  status.error_message().substr(0, 200)));
        // A watch with a valid request stays open until the deadline when nothing changes.
        bool open_watch = method->server_streaming() && absl::StartsWith(method->name(), "Watch") &&
                          status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
        if (spoiler.undecodable) {
          // gRPC cannot decode the request; the server still answers INVALID_ARGUMENT naming the
          // string field (by its full protobuf name), for unary calls and streams alike.
          EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
          std::vector<FieldViolation> violations = GetFieldViolations(FromGrpcStatus(status));
          EXPECT_EQ(violations.size(), 1u);
          for (const FieldViolation& v : violations) {
            const FieldDescriptor* named = google::protobuf::DescriptorPool::generated_pool()->FindFieldByName(v.field);
            EXPECT_TRUE(named && named->type() == FieldDescriptor::TYPE_STRING) << v.field;
            EXPECT_TRUE(absl::StrContains(v.description, "UTF-8")) << v.description;
          }
          EXPECT_EQ(Changes(before, fingerprint.Take()), "");
        } else if (spoiler.must_refuse) {
          EXPECT_TRUE(kAnswersToBadInput.count(status.error_code()));
          EXPECT_TRUE(!status.ok() || RecordsFailed(method, response_bytes));
        } else {
          EXPECT_TRUE(kAnswersToBadInput.count(status.error_code()) || open_watch);
          // No string field takes 70 kB: every one has a length limit. A bulk upsert reports
          // its records' errors in its response ("failed"), not in its status.
          if (std::string(spoiler.name) == "oversized strings") {
            EXPECT_TRUE(!status.ok() || RecordsFailed(method, response_bytes));
          }
        }
        if (!status.ok()) {
          ++refused;
          EXPECT_EQ(Changes(before, after), "") << "a refused call changed tables";
        }
        before = std::move(after);
      }
    }
  }
  EXPECT_GT(calls, 250);
  EXPECT_GT(refused, calls / 2);
}

// Bytes that are no valid encoding of any message: a length-delimited field cut short, a varint
// of eleven bytes, and groups nested past protobuf's depth limit.
std::vector<std::pair<std::string, std::string>> BrokenEncodings() {
  return {{"truncated field", std::string("\x12\x7f\x0a", 3)},
          {"bad varint", std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12)},
          {"deep nesting", std::string(200, '\x0b')}};
}

TEST_F(MalformedRequestsE2eTest, BrokenEncodingsAreRefusedEverywhereAndChangeNothing) {
  std::string admin = TestCredentials::Shared().Token("walker", {auth::Role::kAdmin});
  DatabaseFingerprint fingerprint(databases_);
  std::map<std::string, std::string> before = fingerprint.Take();
  int streams = 0;
  for (const auto& [service, address] : Services()) {
    auto channel = TestCredentials::Shared().Channel(address);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      testing::RawCallOptions options;
      options.metadata.emplace_back("authorization", absl::StrCat("Bearer ", admin));
      options.first_response_only = method->server_streaming();
      for (const auto& [name, bytes] : BrokenEncodings()) {
        // Alone, and in a client stream also after a valid (empty) message.
        std::vector<std::vector<std::string>> sends = {{bytes}};
        if (method->client_streaming()) sends.push_back({"", bytes, ""});
        for (const auto& messages : sends) {
          grpc::Status status = testing::RawCall(channel, PathOf(method), messages, options);
          SCOPED_TRACE(absl::StrCat(method->full_name(), " with ", name, " as message ", messages.size() == 1 ? 1 : 2,
                                    ": ", status.error_code(), " ", status.error_message()));
          EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
          EXPECT_TRUE(absl::StrContains(status.error_message(), "is not a valid encoding"));
          if (method->client_streaming()) {
            EXPECT_TRUE(absl::StrContains(status.error_message(), messages.size() == 1 ? "message 1 of the stream"
                                                                                      : "message 2 of the stream"));
            ++streams;
          }
          std::map<std::string, std::string> after = fingerprint.Take();
          EXPECT_EQ(Changes(before, after), "");
          before = std::move(after);
        }
      }
    }
  }
  EXPECT_EQ(streams, 3 * 3 * 2);  // three client streams, each broken three ways, in two places
}

TEST_F(MalformedRequestsE2eTest, EveryServiceAnswersHealthChecksByItsOwnName) {
  for (const auto& [service, address] : Services()) {
    auto health = grpc::health::v1::Health::NewStub(TestCredentials::Shared().Channel(address));
    for (const std::string& name : {std::string(), service->full_name(), std::string("liveness")}) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(name);
      grpc::health::v1::HealthCheckResponse response;
      grpc::Status status = health->Check(&ctx, request, &response);
      EXPECT_TRUE(status.ok()) << service->full_name() << " as \"" << name << "\": " << status.error_message();
      EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << name;
    }
  }
}

}  // namespace
}  // namespace flywheel
