// The store's types and functions as adapters/sqlite's own code names them, unqualified.
// Internal to adapters/sqlite: nothing outside it includes this header.
#pragma once

#include "adapters/sqlite/open.hpp"
#include "adapters/store/reports.hpp"

namespace onestop::sqlite {

using store::AccessEntry;
using store::AccessLog;
using store::AccessLogOptions;
using store::AccessQuery;
using store::CancelJob;
using store::cancellation_json;
using store::canonical_record;
using store::Certification;
using store::chain_hash;
using store::ClientInfo;
using store::Clients;
using store::Computed;
using store::DetailRow;
using store::Documents;
using store::IssuedKey;
using store::Ledger;
using store::LedgerUnavailable;
using store::local_day;
using store::local_day_start_utc;
using store::Outcome;
using store::parse_role;
using store::Principal;
using store::ReconciliationQuery;
using store::RecordKind;
using store::Resettle;
using store::Role;
using store::Roster;
using store::RosterEntry;
using store::SettleJob;
using store::stored_claim;
using store::StoredRecord;
using store::TotalRow;
using store::VerifyDifference;
using store::VerifyHooks;
using store::VerifySummary;
using store::WriteResult;

}  // namespace onestop::sqlite
