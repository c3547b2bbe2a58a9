#include "services/stakeholders/app/stakeholder_use_cases.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"

namespace flywheel::stakeholders {

void CheckStakeholder(const StakeholderDraft& draft, const std::string& prefix, FieldViolations& v) {
  FieldViolations local = draft.problems;
  ids::RequireId(draft.stakeholder.account_id, "acc", "account_id", local);
  ValidateStakeholder(draft.stakeholder, local);
  v.AddAll(prefix, local);
}

absl::Status StakeholderUseCases::RequireAccount(const std::string& account_id, const std::string& field) {
  if (absl::Status s = ids::Required(account_id, "acc", field); !s.ok()) return s;
  return accounts_.RequireLive(account_id);
}

absl::StatusOr<std::vector<Stakeholder>> StakeholderUseCases::LiveOf(const std::string& account_id) {
  auto live = repository_.LiveByAccount({account_id});
  if (!live.ok()) return live.status();
  return (*live)[account_id];
}

absl::StatusOr<Created<Stakeholder>> StakeholderUseCases::Create(std::optional<StakeholderDraft> draft,
                                                                 const std::string& request_id,
                                                                 const WriteContext& write,
                                                                 const RecordResponse<Stakeholder>& record) {
  FieldViolations v;
  if (!draft) v.Add("stakeholder", "is required");
  if (draft) CheckStakeholder(*draft, "stakeholder.", v);
  ids::CheckRequestId(request_id, v);
  if (!v.empty()) return v.ToStatus();
  Stakeholder s = std::move(draft->stakeholder);
  if (absl::Status a = RequireAccount(s.account_id, "stakeholder.account_id"); !a.ok()) return a;
  s.id = ids::NewId("stk");
  s.version = 1;
  s.create_time = s.update_time = write.now;
  auto result = repository_.Create(s, write, record(s));
  if (!result.ok()) return result.status();
  return Created<Stakeholder>{std::move(s), *result};
}

absl::StatusOr<Stakeholder> StakeholderUseCases::Update(const std::string& id, const Stakeholder& patch,
                                                        const std::vector<std::string>& paths,
                                                        const std::string& etag, const WriteContext& write) {
  FieldViolations v;
  ids::RequireId(id, "stk", "stakeholder.id", v);
  CheckMask(WritableFields(), paths, "update_mask", /*required=*/true, v);
  if (!v.empty()) return v.ToStatus();
  return repository_.Update(
      id,
      [&](Stakeholder& current) -> absl::Status {
        if (current.deleted()) return DeletedError("stakeholder", current.id, "updated");
        if (absl::Status s = CheckEtag("stakeholder", current.id, std::to_string(current.version), etag); !s.ok()) {
          return s;
        }
        ApplyFields(patch, paths, current);
        FieldViolations after;
        ValidateStakeholder(current, after);
        FieldViolations named;
        named.AddAll("stakeholder.", after);
        return named.ToStatus();
      },
      "UPDATE", write);
}

absl::StatusOr<Stakeholder> StakeholderUseCases::Delete(const std::string& id, const std::string& etag,
                                                        const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "stk", "id"); !s.ok()) return s;
  return repository_.Update(
      id,
      [&](Stakeholder& current) -> absl::Status {
        if (current.deleted()) return DeletedError("stakeholder", current.id, "deleted again");
        if (absl::Status s = CheckEtag("stakeholder", current.id, std::to_string(current.version), etag); !s.ok()) {
          return s;
        }
        current.delete_time = write.now;
        return absl::OkStatus();
      },
      "DELETE", write);
}

UpsertInput StakeholderUseCases::CheckUpsert(UpsertRecord record, FieldViolations& v) {
  ids::CheckExternalKey(record.source, record.external_id, "", v);
  if (!record.draft) v.Add("stakeholder", "is required");
  UpsertInput in;
  in.source = std::move(record.source);
  in.external_id = std::move(record.external_id);
  if (record.draft) {
    CheckStakeholder(*record.draft, "stakeholder.", v);
    in.fields = std::move(record.draft->stakeholder);
  }
  CheckMask(WritableFields(), record.paths, "update_mask", /*required=*/false, v);
  // Like accounts: an upsert only adds its own key to external_ids.
  in.paths = record.paths.empty() ? FieldNamesBut(WritableFields(), "external_ids") : std::move(record.paths);
  in.fields.external_ids[in.source] = in.external_id;
  return in;
}

absl::StatusOr<UpsertResult> StakeholderUseCases::Upsert(const UpsertInput& input, const WriteContext& write) {
  if (absl::Status a = RequireAccount(input.fields.account_id, "stakeholder.account_id"); !a.ok()) return a;
  return repository_.Upsert(input, write);
}

absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> StakeholderUseCases::BulkUpsert(
    const std::vector<UpsertInput>& inputs, bool dry_run, const WriteContext& write) {
  // Accounts are confirmed once per call; records of unknown accounts fail alone.
  std::set<std::string> account_ids;
  for (const auto& in : inputs) account_ids.insert(in.fields.account_id);
  std::map<std::string, absl::Status> account_status;
  if (absl::Status all = accounts_.RequireAllLive({account_ids.begin(), account_ids.end()}); all.ok()) {
    for (const auto& id : account_ids) account_status[id] = absl::OkStatus();
  } else {
    if (all.code() == absl::StatusCode::kUnavailable) return all;
    for (const auto& id : account_ids) account_status[id] = accounts_.RequireLive(id);
  }
  std::vector<UpsertInput> known;
  std::vector<size_t> known_index;
  std::vector<absl::StatusOr<UpsertResult>> out(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const absl::Status& s = account_status[inputs[i].fields.account_id];
    if (!s.ok()) {
      out[i] = s;
      continue;
    }
    known.push_back(inputs[i]);
    known_index.push_back(i);
  }
  auto written = repository_.BulkUpsert(known, dry_run, write);
  if (!written.ok()) return written.status();
  for (size_t k = 0; k < written->size(); ++k) out[known_index[k]] = std::move((*written)[k]);
  return out;
}

absl::StatusOr<RaciActivity> StakeholderUseCases::CreateActivity(RaciActivity activity, const WriteContext& write) {
  FieldViolations v;
  ids::RequireId(activity.account_id, "acc", "activity.account_id", v);
  if (activity.name.empty() || activity.name.size() > 200) v.Add("activity.name", "must be 1-200 bytes");
  if (activity.description.size() > 2000) v.Add("activity.description", "must be at most 2000 bytes");
  if (!v.empty()) return v.ToStatus();
  if (absl::Status s = RequireAccount(activity.account_id, "activity.account_id"); !s.ok()) return s;
  activity.id = ids::NewId("act");
  if (absl::Status s = repository_.CreateActivity(activity, write); !s.ok()) return s;
  return activity;
}

absl::StatusOr<StakeholderUseCases::Assigned> StakeholderUseCases::SetAssignments(
    const std::string& activity_id, const std::vector<RaciAssignment>& assignments, const WriteContext& write) {
  auto activity = repository_.GetActivity(activity_id);
  if (!activity.ok()) return activity.status();
  auto live = LiveOf(activity->account_id);
  if (!live.ok()) return live.status();
  RaciCheck check = CheckRaci(assignments, *live);
  if (!check.violations.empty()) return check.violations.ToStatus();
  if (absl::Status s = repository_.SetAssignments(*activity, assignments, write); !s.ok()) return s;
  return Assigned{*std::move(activity), std::move(check.warnings)};
}

absl::StatusOr<Created<ChangeInitiative>> StakeholderUseCases::CreateInitiative(
    ChangeInitiative c, FieldViolations v, const std::string& request_id, const WriteContext& write,
    const RecordResponse<ChangeInitiative>& record) {
  ids::RequireId(c.account_id, "acc", "initiative.account_id", v);
  ids::RequireId(c.owner_stakeholder_id, "stk", "initiative.owner_stakeholder_id", v);
  if (c.title.empty() || c.title.size() > 200) v.Add("initiative.title", "must be 1-200 bytes");
  if (c.description.size() > 5000) v.Add("initiative.description", "must be at most 5000 bytes");
  ids::CheckRequestId(request_id, v);
  for (size_t i = 0; i < c.impacts.size(); ++i) {
    if (c.impacts[i].stakeholder_id.empty() == !c.impacts[i].role.has_value()) {
      v.Add(absl::StrCat("initiative.impacts[", i, "]"), "names exactly one of stakeholder_id or role");
    }
  }
  if (!v.empty()) return v.ToStatus();
  if (absl::Status a = RequireAccount(c.account_id, "initiative.account_id"); !a.ok()) return a;
  auto live = LiveOf(c.account_id);
  if (!live.ok()) return live.status();
  std::set<std::string> live_ids;
  for (const auto& s : *live) live_ids.insert(s.id);
  if (!live_ids.count(c.owner_stakeholder_id)) {
    v.Add("initiative.owner_stakeholder_id", "is not a live stakeholder of this account");
  }
  for (size_t i = 0; i < c.impacts.size(); ++i) {
    if (!c.impacts[i].stakeholder_id.empty() && !live_ids.count(c.impacts[i].stakeholder_id)) {
      v.Add(absl::StrCat("initiative.impacts[", i, "].stakeholder_id"), "is not a live stakeholder of this account");
    }
  }
  if (!v.empty()) return v.ToStatus();
  c.id = ids::NewId("chg");
  c.stage = AdkarStage::kAwareness;
  c.create_time = c.update_time = write.now;
  c.follow_ups = FollowUpsFor(c, *live);
  auto result = repository_.CreateInitiative(c, write, record(c));
  if (!result.ok()) return result.status();
  return Created<ChangeInitiative>{std::move(c), *result};
}

absl::StatusOr<std::vector<ChangeInitiative>> StakeholderUseCases::Initiatives(const std::string& account_id) {
  if (absl::Status a = RequireAccount(account_id, "account_id"); !a.ok()) return a;
  return repository_.ListInitiatives(account_id);
}

absl::StatusOr<ChangeInitiative> StakeholderUseCases::Advance(const std::string& id, AdkarStage to,
                                                              const WriteContext& write) {
  return repository_.UpdateInitiative(
      id,
      [&](ChangeInitiative& c) -> absl::Status {
        if (absl::Status s = CheckAdvance(c.stage, to); !s.ok()) return s;
        c.stage = to;
        return absl::OkStatus();
      },
      write);
}

absl::StatusOr<Coverage> StakeholderUseCases::CoverageOfAccount(const std::string& account_id) {
  if (absl::Status a = RequireAccount(account_id, "account_id"); !a.ok()) return a;
  auto live = LiveOf(account_id);
  if (!live.ok()) return live.status();
  return ComputeCoverage(*live);
}

absl::StatusOr<CoverageOf> StakeholderUseCases::BatchCoverage(const std::vector<std::string>& account_ids) {
  FieldViolations v;
  if (account_ids.empty() || account_ids.size() > 1000) v.Add("account_ids", "must hold 1-1000 ids");
  for (size_t i = 0; i < account_ids.size(); ++i) {
    ids::RequireId(account_ids[i], "acc", absl::StrCat("account_ids[", i, "]"), v);
  }
  if (!v.empty()) return v.ToStatus();
  auto live = repository_.LiveByAccount(account_ids);
  if (!live.ok()) return live.status();
  CoverageOf out;
  for (const auto& id : account_ids) out.coverages.emplace_back(id, ComputeCoverage((*live)[id]));
  for (auto& [id, people] : *live) {
    for (auto& s : people) out.stakeholders.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<GapsPage> StakeholderUseCases::Gaps(const std::string& csm_owner,
                                                   const std::optional<std::pair<std::string, std::string>>& cursor,
                                                   int page_size) {
  // The owner's accounts are walked in id order, a page of accounts at a time, so that each page
  // of gaps reads only as far as it needs.
  std::string accounts_token = cursor ? cursor->first : "";
  std::string last = cursor ? cursor->second : "";
  GapsPage out;
  for (;;) {
    auto page = accounts_.ListIds(csm_owner, accounts_token);
    if (!page.ok()) return page.status();
    std::vector<std::string> ids;
    for (const auto& id : page->ids) {
      if (id > last) ids.push_back(id);
    }
    auto live = repository_.LiveByAccount(ids);
    if (!live.ok()) return live.status();
    for (const auto& id : ids) {
      Coverage c = ComputeCoverage((*live)[id]);
      if (!c.HasGap()) continue;
      if (static_cast<int>(out.gaps.size()) == page_size) {
        out.next = std::make_pair(accounts_token, last);
        return out;
      }
      out.gaps.emplace_back(id, std::move(c));
      last = id;
    }
    if (page->next_page_token.empty()) return out;
    accounts_token = page->next_page_token;
  }
}

absl::StatusOr<RaciMatrix> StakeholderUseCases::Matrix(const std::string& account_id) {
  if (absl::Status a = RequireAccount(account_id, "account_id"); !a.ok()) return a;
  auto live = LiveOf(account_id);
  if (!live.ok()) return live.status();
  auto rows = repository_.Matrix(account_id);
  if (!rows.ok()) return rows.status();
  RaciMatrix out;
  std::map<std::string, size_t> column;
  for (auto& s : *live) {
    column[s.id] = out.columns.size();
    out.columns.push_back(std::move(s));
  }
  for (auto& row : *rows) {
    RaciMatrix::Row& r = out.rows.emplace_back();
    r.activity = std::move(row.activity);
    r.letters.resize(out.columns.size());
    for (const auto& a : row.assignments) {
      auto it = column.find(a.stakeholder_id);
      // A stakeholder holding both R and A shows A, the stronger letter.
      if (it != column.end() && r.letters[it->second] != RaciLetter::kAccountable) r.letters[it->second] = a.letter;
    }
  }
  return out;
}

absl::StatusOr<Briefing> StakeholderUseCases::Brief(const BriefingRequest& request, absl::CivilDay today) {
  FieldViolations v;
  Briefing out;
  out.account_id = request.account_id;
  std::optional<Role> role = request.role;
  if (!request.stakeholder_id.empty()) {
    ids::RequireId(request.stakeholder_id, "stk", "stakeholder_id", v);
    if (!v.empty()) return v.ToStatus();
    auto s = repository_.Get(request.stakeholder_id);
    if (!s.ok()) return s.status();
    out.account_id = s->account_id;
    role = s->role;
  } else {
    if (!role) v.Add("role", "is required with account_id (or give stakeholder_id)");
    ids::RequireId(out.account_id, "acc", "account_id", v);
  }
  if (!v.empty()) return v.ToStatus();
  out.role = *role;
  if (absl::Status a = accounts_.RequireLive(out.account_id); !a.ok()) return a;
  auto live = LiveOf(out.account_id);
  if (!live.ok()) return live.status();
  absl::CivilDay day = request.as_of.value_or(today);
  for (auto& s : *live) {
    if (s.role == out.role) out.holders.push_back(std::move(s));
  }
  // Each metric's series: 90 days back is enough for latest and previous.
  for (const auto& spec : KeyMetrics(out.role)) {
    std::vector<MetricPoint> points;
    if (spec.name == kCsatMetric) {
      auto responses = health_.CsatResponses(out.account_id, day - 2 * kCsatWindowDays, day);
      if (!responses.ok()) return responses.status();
      points = CsatPoints(*responses, day);
    } else {
      auto usage = health_.Usage(out.account_id, spec.name, day - 90, day);
      if (!usage.ok()) return usage.status();
      points = *std::move(usage);
    }
    out.metrics.push_back(Summarize(spec, std::move(points), day));
  }
  if (out.role == Role::kOwner) {
    auto value = health_.Value(out.account_id, day);
    if (!value.ok()) return value.status();
    out.value = *value;
  }
  out.summary = out.role_unfilled() ? absl::StrCat("Nobody at this account holds the ", RoleName(out.role),
                                                   " role: find one before briefing on these metrics.")
                                    : absl::StrCat("Briefing for the ", RoleName(out.role), " on their own metrics.");
  return out;
}

}  // namespace flywheel::stakeholders
