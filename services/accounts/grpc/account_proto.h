// Account ⇄ flywheel.accounts.v1 message conversions. Conversions that can fail (unknown
// enum numbers, impossible dates) add violations named relative to the account.
#pragma once

#include <string>

#include "common/status/errors.h"
#include "flywheel/accounts/v1/accounts.pb.h"
#include "services/accounts/domain/account.h"
#include "services/accounts/domain/hierarchy.h"
#include "services/accounts/storage/account_repository.h"

namespace flywheel::accounts {

namespace pb = ::flywheel::accounts::v1;

pb::Account ToProto(const Account& account);
// Writes into `out` (which may live on an arena); the rvalue form moves the account's strings.
void ToProto(const Account& account, pb::Account& out);
void ToProto(Account&& account, pb::Account& out);
// The writable fields of `message` (output-only fields are ignored); an unspecified stage
// becomes SALES.
Account FromProto(const pb::Account& message, FieldViolations& violations);

// nullopt for UNSPECIFIED; a violation on `field` for a number the enum does not define.
std::optional<LifecycleStage> StageFromProto(int value, const std::string& field, FieldViolations& violations);
pb::LifecycleStage StageToProto(LifecycleStage stage);

pb::AccountTreeNode ToProto(const TreeNode& node);
pb::UpsertOutcome ToProto(UpsertOutcome outcome);

}  // namespace flywheel::accounts
