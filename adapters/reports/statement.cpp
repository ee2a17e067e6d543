// The statement side of reconciliation (format and rules in reconcile.hpp): parsing the CSV
// (RFC 4180 records, one check per column, then duplicate keys across lines) and matching it
// against the ledger's streamed details.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/reports/reconcile.hpp"
#include "engine/limits.hpp"

namespace onestop::reports {
namespace {

using codec::CsvReader;
using codec::CsvRecord;
using codec::valid_utf8;

constexpr std::array<std::string_view, 5> kColumns = {"hospital_id", "bill_no", "settled_on",
                                                      "amount", "status"};

// The 1-based field where a quote defect lies. CsvRecord does not say which field it was in, so
// this infers it: an unclosed quote swallowed the rest of the file into the last field; a stray
// quote stays in the field that holds it; otherwise the last field read.
std::size_t defect_column(const CsvRecord& r) {
  if (r.defect.find("not closed") == std::string::npos) {
    for (std::size_t i = 0; i < r.fields.size(); ++i) {
      if (r.fields[i].find('"') != std::string::npos) return i + 1;
    }
  }
  return r.fields.size();
}

// The name of 1-based column `column`, "row" past the last one.
std::string column_name(std::size_t column) {
  return column >= 1 && column <= kColumns.size() ? std::string(kColumns[column - 1]) : "row";
}

// Collects errors up to the cap.
class Errors {
 public:
  explicit Errors(StatementParse& out) : out_(out) {}

  // Records a defect at `line`, field `column` (0: the record); false once the cap is reached.
  bool add(std::size_t line, std::size_t column, std::string message) {
    if (out_.errors.size() >= kMaxStatementErrors) {
      out_.more_errors = true;
      return false;
    }
    const std::string name = column == 0 ? "row" : column_name(column);
    out_.errors.push_back({line, column, name, std::move(message)});
    return true;
  }
  bool full() const { return out_.more_errors; }
  std::size_t count() const { return out_.errors.size(); }

 private:
  StatementParse& out_;
};

// Reads the header; false (with the error) unless it is exactly the expected one.
bool read_header(CsvReader& reader, StatementParse& out) {
  if (reader.done()) {
    out.errors.push_back(
        {1, 0, "header", "the file is empty; expected the header " + codec::header_text(kColumns)});
    return false;
  }
  const CsvRecord header = reader.next();
  const bool exact = header.defect.empty() && header.fields.size() == kColumns.size() &&
                     std::equal(kColumns.begin(), kColumns.end(), header.fields.begin());
  if (!exact) {
    out.errors.push_back({header.line, 0, "header", "expected the header " + codec::header_text(kColumns)});
  }
  return exact;
}

// An id column (hospital_id, bill_no): compared byte for byte with the ledger's.
void check_id(Errors& errors, std::size_t line, std::size_t column, const std::string& id) {
  if (id.empty()) {
    errors.add(line, column, "empty");
  } else if (id.size() > limits::kIdLength) {
    errors.add(line, column, "longer than 64 bytes");
  } else if (id.front() == ' ' || id.back() == ' ') {
    errors.add(line, column, "spaces at either end");
  }
}

// The bill of a sound record; errors are added for each defect found.
StatementLine read_line(const CsvRecord& record, Errors& errors) {
  StatementLine bill;
  const std::size_t line = record.line;
  bill.line = line;
  if (!record.defect.empty()) {
    errors.add(line, defect_column(record), record.defect);
    return bill;
  }
  if (record.fields.size() != kColumns.size()) {
    errors.add(
        line, 0,
        "expected 5 fields (" + codec::header_text(kColumns) + "), found " + std::to_string(record.fields.size()));
    return bill;
  }
  bool utf8 = true;
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (valid_utf8(record.fields[i])) continue;
    errors.add(line, i + 1, "not valid UTF-8");
    utf8 = false;
  }
  if (!utf8) return bill;
  const auto& f = record.fields;
  bill.hospital_id = f[0];
  bill.bill_no = f[1];
  check_id(errors, line, 1, bill.hospital_id);
  check_id(errors, line, 2, bill.bill_no);
  if (const auto day = Date::parse(f[2])) {
    bill.settled_on = *day;
  } else {
    errors.add(line, 3, "'" + f[2] + "' is not a date (YYYY-MM-DD)");
  }
  const auto amount = Money::parse(f[3]);
  if (!amount) {
    errors.add(line, 4, "'" + f[3] + "' is not an amount with two decimals (1234.56)");
  } else if (amount->is_negative()) {
    errors.add(line, 4, "negative; a cancelled bill keeps its amount and says status cancelled");
  } else {
    bill.amount = *amount;
  }
  if (f[4] == "cancelled") {
    bill.cancelled = true;
  } else if (f[4] != "settled") {
    errors.add(line, 5, "'" + f[4] + "' is not a status (settled or cancelled)");
  }
  return bill;
}

// The key of a bill in the duplicate check and the matcher's map.
std::string bill_key(const std::string& hospital_id, const std::string& bill_no) {
  return hospital_id + '\x1f' + bill_no;
}

}  // namespace

StatementParse parse_statement_csv(std::string_view text) {
  StatementParse out;
  if (text.starts_with(codec::kUtf8Bom)) text.remove_prefix(codec::kUtf8Bom.size());
  CsvReader reader(text);
  if (!read_header(reader, out)) return out;
  Errors errors(out);
  std::unordered_map<std::string, std::size_t> first_line;  // bill key -> line
  while (!reader.done() && !errors.full()) {
    const CsvRecord record = reader.next();
    if (record.is_blank()) continue;
    if (out.lines.size() >= kMaxStatementLines) {
      errors.add(record.line, 0, "more than 5000000 bills");
      break;
    }
    const std::size_t before = errors.count();
    StatementLine bill = read_line(record, errors);
    // A defect past the cap is not recorded but still makes the bill defective.
    if (errors.count() != before || errors.full()) continue;
    const auto [it, inserted] =
        first_line.emplace(bill_key(bill.hospital_id, bill.bill_no), bill.line);
    if (!inserted) {
      errors.add(bill.line, 2,
                 "bill " + bill.bill_no + " of " + bill.hospital_id + " is already on line " +
                     std::to_string(it->second));
      continue;
    }
    out.lines.push_back(std::move(bill));
  }
  return out;
}

std::string to_string(const StatementError& error) {
  return std::to_string(error.line) + ":" + std::to_string(error.column) + ": " +
         error.column_name + ": " + error.message;
}

namespace {

// The fund's payment in a details row (negative in a cancellation); 0 when it has no layer of it.
Money fund_amount(const store::DetailRow& row, const std::string& fund) {
  Money sum;
  for (const auto& f : row.funds) {
    if (f.fund == fund) sum += f.paid;
  }
  return sum;
}

// The fund's payment in a stored settlement, and whether it has a layer of the fund at all.
std::pair<Money, bool> fund_amount(const store::StoredRecord& r, const std::string& fund) {
  Money sum;
  bool has = false;
  for (std::size_t i = 0; i < r.layer_paid.size() && i < r.layer_fund.size(); ++i) {
    if (r.layer_fund[i] != fund) continue;
    sum += r.layer_paid[i].second;
    has = true;
  }
  return {sum, has};
}

// The statement's view of a bill.
BillSide statement_side(const StatementLine& line) {
  return BillSide{line.settled_on.to_string(), line.amount, line.cancelled, 0, line.line};
}

// Walks the ledger's details of the period once, pairing each settlement with its statement
// line, and keeps only what a difference needs: the ledger side of the statement's bills and
// the ledger bills no line lists.
class Matcher {
 public:
  Matcher(store::Ledger& ledger, const store::ReconciliationQuery& query,
          const std::vector<StatementLine>& statement)
      : ledger_(ledger), query_(query), fund_(*query.fund), statement_(statement) {
    report_.fund = fund_;
    report_.from = query.from;
    report_.to = query.to;
    report_.utc_offset_minutes = query.utc_offset_minutes;
    report_.hospital_id = query.hospital_id;
    index_statement();
  }

  // One details row, in the ledger's (day, record id) order.
  void visit(const store::DetailRow& row) {
    if (row.kind == store::RecordKind::settlement) {
      on_settlement(row);
    } else {
      on_cancellation(row);
    }
  }

  // The report once every row was visited (reads the ledger: call after the walk).
  MatchReport finish() {
    resolve();
    for (std::size_t i = 0; i < statement_.size(); ++i) {
      if (considered_[i]) compare_line(i);
    }
    for (auto& [id, d] : unlisted_) add(std::move(d));
    std::sort(report_.differences.begin(), report_.differences.end(),
              [](const Difference& a, const Difference& b) {
                return std::tie(a.kind, a.hospital_id, a.bill_no) <
                       std::tie(b.kind, b.hospital_id, b.bill_no);
              });
    return std::move(report_);
  }

 private:
  // The lines of the named hospital (all, when none is named) go into the map.
  void index_statement() {
    considered_.assign(statement_.size(), false);
    ledger_side_.resize(statement_.size());
    for (std::size_t i = 0; i < statement_.size(); ++i) {
      const StatementLine& line = statement_[i];
      if (query_.hospital_id && line.hospital_id != *query_.hospital_id) {
        ++report_.statement_other_hospitals;
        continue;
      }
      considered_[i] = true;
      by_key_.emplace(bill_key(line.hospital_id, line.bill_no), i);
      ++report_.statement_lines;
      if (line.cancelled) {
        ++report_.statement_cancelled;
      } else {
        report_.statement_net += line.amount;
      }
    }
  }

  void on_settlement(const store::DetailRow& row) {
    const Money amount = fund_amount(row, fund_);
    ++report_.ledger_bills;
    report_.ledger_net += amount;
    const BillSide side{row.day, amount, false, row.record_id, 0};
    const auto it = by_key_.find(bill_key(row.hospital_id, row.bill_no));
    if (it != by_key_.end()) {
      ledger_side_[it->second] = side;
    } else if (!amount.is_zero()) {
      unlisted_.emplace(row.record_id,
                        Difference{DifferenceKind::missing_in_statement, row.hospital_id,
                                   row.bill_no, side, std::nullopt, ""});
    }
  }

  // A cancellation of a bill settled in the period voids it; one of an earlier bill is out of
  // scope (counted). When neither the statement nor the unlisted bills know the settlement (a
  // zero payment, or an earlier bill), resolve() reads it after the walk: the walk holds a read
  // connection, so the visitor must not read.
  void on_cancellation(const store::DetailRow& row) {
    const std::int64_t settlement = row.cancels.value_or(0);
    const auto it = by_key_.find(bill_key(row.hospital_id, row.bill_no));
    BillSide* side = nullptr;
    if (it != by_key_.end() && ledger_side_[it->second] &&
        ledger_side_[it->second]->record_id == settlement) {
      side = &*ledger_side_[it->second];
    } else if (const auto u = unlisted_.find(settlement); u != unlisted_.end()) {
      side = &*u->second.ledger;
    }
    if (side == nullptr) {
      unresolved_.emplace_back(settlement, fund_amount(row, fund_));
      return;
    }
    side->cancelled = true;
    ++report_.ledger_cancelled;
    report_.ledger_net += fund_amount(row, fund_);
  }

  // Sorts the cancellations on_cancellation() could not place: of a bill settled in the period
  // (it paid nothing of the fund) or of an earlier one. Call after the walk.
  void resolve() {
    for (const auto& [settlement, amount] : unresolved_) {
      if (settled_in_period(settlement)) {
        ++report_.ledger_cancelled;
        report_.ledger_net += amount;
      } else {
        ++report_.earlier_cancellations;
        report_.earlier_cancellations_amount += amount;
      }
    }
    unresolved_.clear();
  }

  // True when settlement `id` was recorded on a local day within the period.
  bool settled_in_period(std::int64_t id) {
    const auto record = ledger_.get(id);
    if (!record) return false;
    const auto day = store::local_day(record->recorded_at, query_.utc_offset_minutes);
    return day && *day >= query_.from.to_string() && *day <= query_.to.to_string();
  }

  // Compares statement line `i` with the ledger's settlement of the bill, if any.
  void compare_line(std::size_t i) {
    const StatementLine& line = statement_[i];
    const BillSide st = statement_side(line);
    if (!ledger_side_[i]) return add(missing_in_ledger(line, st));
    const BillSide& led = *ledger_side_[i];
    const auto differ = [&](DifferenceKind kind) {
      add(Difference{kind, line.hospital_id, line.bill_no, led, st, ""});
    };
    if (led.cancelled && !st.cancelled) differ(DifferenceKind::cancelled_in_ledger_only);
    if (!led.cancelled && st.cancelled) differ(DifferenceKind::cancelled_in_statement_only);
    if (led.amount != st.amount) differ(DifferenceKind::amount_differs);
    if (led.day != st.day) differ(DifferenceKind::date_differs);
  }

  // A line the period does not hold; when the ledger has the bill elsewhere, says where.
  Difference missing_in_ledger(const StatementLine& line, const BillSide& st) {
    Difference d{
        DifferenceKind::missing_in_ledger, line.hospital_id, line.bill_no, std::nullopt, st, ""};
    const auto record = ledger_.find(line.hospital_id, line.bill_no);
    if (!record) return d;
    const auto [amount, has_fund] = fund_amount(*record, fund_);
    const std::string day = store::local_day(record->recorded_at, query_.utc_offset_minutes)
                                .value_or(record->recorded_at);
    d.ledger = BillSide{day, amount, record->cancelled_by.has_value(), record->id, 0};
    d.note = has_fund ? "the ledger has this bill settled on " + day + ", outside the period"
                      : "the ledger has this bill (settled on " + day + ") without a layer of " +
                            "fund " + fund_;
    if (record->cancelled_by) d.note += "; cancelled since";
    return d;
  }

  void add(Difference d) {
    ++report_.counts[static_cast<std::size_t>(d.kind)];
    report_.differences.push_back(std::move(d));
  }

  store::Ledger& ledger_;
  const store::ReconciliationQuery& query_;
  std::string fund_;
  const std::vector<StatementLine>& statement_;
  MatchReport report_;
  std::unordered_map<std::string, std::size_t> by_key_;     // bill key -> statement index
  std::vector<bool> considered_;                            // per statement line
  std::vector<std::optional<BillSide>> ledger_side_;        // per statement line
  std::unordered_map<std::int64_t, Difference> unlisted_;   // settlement id -> missing line
  std::vector<std::pair<std::int64_t, Money>> unresolved_;  // (settlement, fund payment)
};

}  // namespace

MatchReport match(store::Ledger& ledger, const store::ReconciliationQuery& query,
                  const std::vector<StatementLine>& statement) {
  Matcher matcher(ledger, query, statement);
  ledger.details(query, [&matcher](const store::DetailRow& row) {
    matcher.visit(row);
    return true;
  });
  return matcher.finish();  // reads the ledger, so only once the walk let go of its connection
}

}  // namespace onestop::reports
