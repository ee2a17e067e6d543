// The reconciliation and audit routes (issue "Reconciliation and audit"): the same functions as
// `onestop reconcile` and `onestop audit patient`, over HTTP. Details stream in chunks.
#include <sstream>

#include "adapters/http/api.hpp"
#include "adapters/http/query_params.hpp"
#include "adapters/reports/audit.hpp"
#include "adapters/reports/reconcile.hpp"

namespace onestop::http {
namespace {

// The reconciliation query of a request: from and to (required, from <= to), hospital, fund
// and clearing type (optional), at the district's offset.
Result<store::ReconciliationQuery> reconciliation_query(const QueryParams& params,
                                                        int utc_offset_minutes) {
  store::ReconciliationQuery q;
  auto from = params.date("from");
  if (!from) return from.error();
  auto to = params.date("to");
  if (!to) return to.error();
  if (*to < *from) return Error{"bad_query", "to", "to is before from"};
  q.from = *from;
  q.to = *to;
  q.utc_offset_minutes = utc_offset_minutes;
  q.hospital_id = params.text("hospital");
  q.fund = params.text("fund");
  q.clr_type = params.text("clr_type");
  if (q.clr_type && *q.clr_type != "11" && *q.clr_type != "21") {
    return Error{"bad_query", "clr_type",
                 "expected 11 (outpatient special-disease visits) or 21 (admissions)"};
  }
  return q;
}

ApiResponse text_response(std::string content_type, std::string body) {
  ApiResponse r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace

ApiResponse Api::reconciliation_totals(const ApiRequest& request) const {
  auto params =
      QueryParams::read(request.query, {"from", "to", "hospital", "fund", "clr_type", "format"});
  if (!params) return problem(params.error(), request);
  auto query = reconciliation_query(*params, utc_offset_minutes_);
  if (!query) return problem(query.error(), request);
  auto format = params->choice("format", {"json", "csv"}, "json");
  if (!format) return problem(format.error(), request);
  const auto rows = service_.ledger().totals(*query);
  std::ostringstream out;
  if (*format == "csv") {
    reports::write_totals_csv(out, rows);
    return text_response("text/csv; charset=utf-8", out.str());
  }
  reports::write_totals_json(out, *query, rows);
  return text_response("application/json; charset=utf-8", out.str());
}

ApiResponse Api::reconciliation_details(const ApiRequest& request) const {
  auto params =
      QueryParams::read(request.query, {"from", "to", "hospital", "fund", "clr_type", "format"});
  if (!params) return problem(params.error(), request);
  auto query = reconciliation_query(*params, utc_offset_minutes_);
  if (!query) return problem(query.error(), request);
  auto format = params->choice("format", {"csv", "jsonl"}, "csv");
  if (!format) return problem(format.error(), request);
  ApiResponse r;
  store::Ledger& ledger = service_.ledger();
  if (*format == "csv") {
    r.content_type = "text/csv; charset=utf-8";
    const auto funds = reports::policy_funds(service_.policies().all());
    r.stream = [&ledger, q = *query, funds](std::ostream& out) {
      reports::stream_details_csv(ledger, q, funds, out);
    };
  } else {
    r.content_type = "application/x-ndjson; charset=utf-8";
    r.stream = [&ledger, q = *query](std::ostream& out) {
      reports::stream_details_jsonl(ledger, q, out);
    };
  }
  return r;
}

ApiResponse Api::audit_patient(const ApiRequest& request, const std::string& patient_id) const {
  auto params = QueryParams::read(request.query, {"year"});
  if (!params) return problem(params.error(), request);
  auto year = params->year("year");
  if (!year) return problem(year.error(), request);
  auto audit =
      reports::audit_patient(service_.ledger(), service_.policies(), patient_id, *year);
  if (!audit) return problem(audit.error(), request);
  if (audit->records.empty()) {
    return problem(Error{"not_found", "patient_id", audit->message}, request);
  }
  return text_response("application/json; charset=utf-8", reports::audit_json(*audit));
}

}  // namespace onestop::http
