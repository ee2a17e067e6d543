// The roster of insured persons (参保人) with the category each holds over date ranges, kept by
// the poverty-alleviation office and imported from CSV into the ledger database.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/store/ledger.hpp"  // LedgerUnavailable: the roster lives beside the ledger
#include "engine/date.hpp"
#include "engine/error.hpp"

namespace onestop::store {

// One row of the roster: person `patient_id` holds `category` from `valid_from` to `valid_to`
// inclusive (nullopt: still holds). A person's ranges never overlap.
struct RosterEntry {
  std::string patient_id;
  std::string name;       // personal data: never logged
  std::string id_number;  // 身份证号, personal data: shown masked only
  std::string category;
  Date valid_from;
  std::optional<Date> valid_to;
};

// A row the import refused: its line number in the file (header = line 1), column and reason.
struct RosterRowError {
  std::size_t line = 0;
  std::string column;
  std::string message;
};

// Parses a UTF-8 CSV roster with header `patient_id,name,id_number,category,valid_from,valid_to`
// (RFC 4180 quoting; valid_to may be empty). Every bad row is reported; `known_categories`
// limits the categories (empty: any). Pure: no I/O.
// The header must be exactly those six names (a UTF-8 byte-order mark before it is skipped);
// blank lines are skipped; a quoted field may hold commas, quotes ("") and line breaks, and a
// row's line is the line it starts on. Checks per row, each reported with its column:
//   row         wrong column count, unterminated or misplaced quote, too many rows
//   patient_id  empty, longer than 64 bytes, spaces at either end
//   name        longer than 200 bytes
//   id_number   empty, not 18 characters: 17 digits and a digit or X
//   category    empty, not in known_categories
//   valid_from  empty or not a date (YYYY-MM-DD)
//   valid_to    not a date, before valid_from
//   (any)       not valid UTF-8
// and, across rows, a range overlapping an earlier row's range of the same person (reported
// on the later row, column valid_from). Errors are in line order.
struct RosterParse {
  std::vector<RosterEntry> entries;  // the rows without errors; import only if no errors
  std::vector<RosterRowError> errors;
};
RosterParse parse_roster_csv(std::string_view text,
                             const std::vector<std::string>& known_categories);

// A certification (认定) of a person for an outpatient special disease (domain.md §3.6), from
// `valid_from` to `valid_to` inclusive (nullopt: still holds). The ranges of one person for one
// disease never overlap. Like the category, it comes from the office, never from a hospital.
struct Certification {
  std::string patient_id;
  std::string disease;  // a policy's special disease id, e.g. "severe_mental"
  Date valid_from;
  std::optional<Date> valid_to;

  bool holds_on(const Date& date) const {
    return valid_from <= date && (!valid_to || date <= *valid_to);
  }
};

// Parses a UTF-8 CSV of certifications with header `patient_id,disease,valid_from,valid_to`,
// with the roster's rules (RFC 4180 quoting, byte-order mark, blank lines, line numbers, every
// bad row reported in line order). Checks per row, each reported with its column:
//   row         wrong column count, unterminated or misplaced quote, too many rows
//   patient_id  empty, longer than 64 bytes, spaces at either end
//   disease     empty, not in known_diseases (empty: any)
//   valid_from  empty or not a date;  valid_to  not a date, before valid_from
//   (any)       not valid UTF-8
// and a range overlapping another range of the same person and disease (reported on the row
// that starts later, column valid_from). Pure: no I/O.
struct CertificationParse {
  std::vector<Certification> entries;  // the rows without errors; import only if no errors
  std::vector<RosterRowError> errors;
};
CertificationParse parse_certifications_csv(std::string_view text,
                                            const std::vector<std::string>& known_diseases);

// What Roster::replace_all refuses before it touches the database (see there), or nullopt.
std::optional<Error> check_roster(const std::vector<RosterEntry>& entries);
// What Roster::replace_certifications refuses before it touches the database, or nullopt.
std::optional<Error> check_certifications(const std::vector<Certification>& entries);

// Thread-safe: reads run side by side (each in one read snapshot), beside an import; imports
// take turns. Reads throw LedgerUnavailable when the database fails.
class Roster {
 public:
  virtual ~Roster() = default;

  // Replaces the whole roster with `entries` in one transaction (all-or-nothing); refuses
  // overlapping ranges of one person with an error naming the person ("roster_overlap",
  // field "patient_id"), an empty patient_id or a range ending before it starts
  // ("roster_invalid"); a database failure is "ledger_unavailable" and changes nothing.
  virtual std::optional<Error> replace_all(const std::vector<RosterEntry>& entries) = 0;
  // The category `patient_id` holds on `date`, or nullopt (unknown person or no range covers it).
  virtual std::optional<RosterEntry> lookup(const std::string& patient_id, const Date& date) = 0;
  virtual bool knows(const std::string& patient_id) = 0;
  virtual std::size_t size() = 0;

  // Replaces every certification with `entries` in one transaction (all-or-nothing); refuses
  // an empty patient_id or disease, a range ending before it starts ("roster_invalid") and
  // overlapping ranges of one person and disease ("roster_overlap", field "patient_id"); a
  // database failure is "ledger_unavailable" and changes nothing.
  virtual std::optional<Error> replace_certifications(
      const std::vector<Certification>& entries) = 0;
  // Every certification of the person, by disease and then valid_from.
  virtual std::vector<Certification> certifications(const std::string& patient_id) = 0;
};

}  // namespace onestop::store
