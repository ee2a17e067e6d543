#include "adapters/codec/csv.hpp"

#include <array>

namespace onestop::codec {

bool valid_utf8(std::string_view s) {
  static constexpr std::array<unsigned, 4> kSmallest = {0, 0x80, 0x800, 0x10000};
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    unsigned cp = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if ((lead & 0xE0u) == 0xC0u) {
      extra = 1;
      cp = lead & 0x1Fu;
    } else if ((lead & 0xF0u) == 0xE0u) {
      extra = 2;
      cp = lead & 0x0Fu;
    } else if ((lead & 0xF8u) == 0xF0u) {
      extra = 3;
      cp = lead & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (next & 0x3Fu);
    }
    if (cp < kSmallest[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

CsvRecord CsvReader::next() {
  CsvRecord record;
  record.line = line_;
  std::string field;
  for (;;) {
    const bool quoted = !done() && text_[pos_] == '"';
    if (quoted) {
      read_quoted(field, record);
    } else {
      read_plain(field, record);
    }
    record.fields.push_back(std::move(field));
    field.clear();
    if (done()) return record;
    const char c = text_[pos_++];
    if (c == ',') continue;
    if (c == '\r') ++pos_;  // read_plain/read_quoted stop at '\r' only before '\n'
    ++line_;
    return record;
  }
}

// True at LF or CRLF. Precondition: !done().
bool CsvReader::at_record_end() const {
  return text_[pos_] == '\n' ||
         (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
}

// An unquoted field: up to ',' or the end of the line. A quote inside is a defect.
void CsvReader::read_plain(std::string& field, CsvRecord& record) {
  while (!done() && text_[pos_] != ',' && !at_record_end()) {
    if (text_[pos_] == '"' && record.defect.empty()) {
      record.defect = "a quote inside an unquoted field (quote the whole field)";
    }
    field += text_[pos_++];
  }
}

// A quoted field from its opening quote to the closing one; "" is a quote; line breaks
// inside count as lines of the file.
void CsvReader::read_quoted(std::string& field, CsvRecord& record) {
  ++pos_;
  for (;;) {
    if (done()) {
      record.defect = "a quoted field is not closed";
      return;
    }
    const char c = text_[pos_++];
    if (c == '"' && !done() && text_[pos_] == '"') {
      field += '"';
      ++pos_;
    } else if (c == '"') {
      break;
    } else {
      if (c == '\n') ++line_;
      field += c;
    }
  }
  if (!done() && text_[pos_] != ',' && !at_record_end()) {
    if (record.defect.empty()) record.defect = "text after a closing quote";
    read_plain(field, record);
  }
}

CsvWriter::CsvWriter(std::ostream& out, bool bom) : out_(out) {
  if (bom) out_ << kUtf8Bom;
}

void CsvWriter::separate() {
  if (!first_in_row_) out_ << ',';
  first_in_row_ = false;
}

void CsvWriter::quoted(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out_ << field;
    return;
  }
  out_ << '"';
  for (const char c : field) {
    if (c == '"') out_ << '"';
    out_ << c;
  }
  out_ << '"';
}

CsvWriter& CsvWriter::text(std::string_view field) {
  separate();
  static constexpr std::string_view kFormulaStart = "=+-@\t\r";
  if (!field.empty() && kFormulaStart.find(field.front()) != std::string_view::npos) {
    quoted("'" + std::string(field));
  } else {
    quoted(field);
  }
  return *this;
}

CsvWriter& CsvWriter::number(std::string_view field) {
  separate();
  quoted(field);
  return *this;
}

void CsvWriter::end_row() {
  out_ << "\r\n";
  first_in_row_ = true;
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  for (const auto& f : fields) text(f);
  end_row();
}

}  // namespace onestop::codec
