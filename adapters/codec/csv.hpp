// CSV as spreadsheets and other systems exchange it (RFC 4180): a reader for files we are
// given (roster, statements) and a writer for files we hand out (reconciliation, reports).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace onestop::codec {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool valid_utf8(std::string_view s);

// One CSV record: its fields and the line it starts on, or why it could not be read.
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
  std::string defect;  // unterminated or misplaced quote; empty when the record is sound

  // An empty line: a sound record of one empty field, which files skip rather than read.
  bool is_blank() const { return defect.empty() && fields.size() == 1 && fields[0].empty(); }
};

// The column names joined by ',': a file's expected header, as error messages show it.
template <typename Columns>
std::string header_text(const Columns& columns) {
  std::string text;
  for (const auto& column : columns) text += (text.empty() ? "" : ",") + std::string(column);
  return text;
}

// Splits `text` into RFC 4180 records: fields separated by ',', records by LF or CRLF; a
// field in double quotes may hold ',', CR, LF and "" (one quote). A record with a defect keeps
// being read to its end so the next record starts on the right line.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  // True when every byte was read.
  bool done() const { return pos_ >= text_.size(); }

  // The next record. Precondition: !done().
  CsvRecord next();

 private:
  bool at_record_end() const;
  void read_plain(std::string& field, CsvRecord& record);
  void read_quoted(std::string& field, CsvRecord& record);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

// The byte order mark spreadsheet programs need to read a CSV file as UTF-8 (Excel otherwise
// shows Chinese names as mojibake).
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Writes RFC 4180 rows with CRLF line ends. A field is quoted when it holds ',', '"', CR or
// LF. text() fields are also defused against formula injection: a cell a spreadsheet would
// evaluate (starting with '=', '+', '-', '@', tab or CR) gets a leading apostrophe; number()
// fields (amounts, counts, which may be negative) are written as they are.
class CsvWriter {
 public:
  // `bom`: start the output with kUtf8Bom (for files a person opens in a spreadsheet).
  explicit CsvWriter(std::ostream& out, bool bom = true);

  CsvWriter& text(std::string_view field);
  CsvWriter& number(std::string_view field);
  CsvWriter& number(long long value) { return number(std::to_string(value)); }
  // Ends the row.
  void end_row();
  // A whole row of text() fields (headers).
  void row(const std::vector<std::string>& fields);

 private:
  void separate();
  void quoted(std::string_view field);

  std::ostream& out_;
  bool first_in_row_ = true;
};

}  // namespace onestop::codec
