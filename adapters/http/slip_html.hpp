// The printable one-stop settlement slip (一站式结算单) as one HTML page: hospital, patient
// (masked ID number), dates, the split of the bill, each fund's payment and what the patient
// pays, in Chinese with the national-platform field names as labels. A4 print CSS; every
// string from the ledger or the registries is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "adapters/service/settlement_service.hpp"
#include "engine/error.hpp"

namespace onestop::http {

// &, <, >, " and ' as character references; everything else byte for byte.
std::string html_escape(std::string_view text);

// The page; internal when the stored result JSON cannot be read (a damaged record).
Result<std::string> slip_html(const service::SlipData& slip);

}  // namespace onestop::http
