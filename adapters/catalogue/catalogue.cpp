#include "adapters/catalogue/catalogue.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "adapters/codec/csv.hpp"
#include "adapters/policy/policy_loader.hpp"

namespace onestop::catalogue {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 8> kColumns = {
    "code", "name", "class", "item_type", "price_cap", "self_pay_ratio", "valid_from", "valid_to"};
enum Column : std::size_t { kCode, kName, kClass, kItemType, kCap, kRatio, kFrom, kTo };

Int128 pow10(int n) {
  Int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

bool is_item_type(std::string_view text) {
  return !text.empty() && text.size() <= 6 &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0; });
}

// Reads the fields of one sound record into an entry, adding a defect for each bad field.
class RowReader {
 public:
  RowReader(const std::string& file, std::size_t line, std::vector<Defect>& defects)
      : file_(file), line_(line), defects_(defects) {}

  std::optional<Entry> read(const std::vector<std::string>& f) {
    if (f.size() != kColumns.size()) {
      defects_.push_back({file_, line_, 0,
                          "expected " + std::to_string(kColumns.size()) + " fields (" +
                              codec::header_text(kColumns) + "), got " + std::to_string(f.size())});
      return std::nullopt;
    }
    Entry e;
    e.line = line_;
    e.code = f[kCode];
    if (e.code.empty() || e.code.size() > kCodeBytes) {
      fail(kCode, "code must be 1 to " + std::to_string(kCodeBytes) + " bytes");
    }
    e.name = f[kName];
    if (e.name.empty() || e.name.size() > kNameBytes) {
      fail(kName, "name must be 1 to " + std::to_string(kNameBytes) + " bytes");
    }
    if (auto c = parse_item_class(f[kClass])) {
      e.item_class = *c;
    } else {
      fail(kClass, "class must be A, B or C, not '" + f[kClass] + "'");
    }
    e.item_type = f[kItemType];
    if (!is_item_type(e.item_type)) fail(kItemType, "item_type must be 1 to 6 letters or digits");
    read_cap(f[kCap], e);
    read_ratio(f[kRatio], e);
    read_dates(f[kFrom], f[kTo], e);
    if (failed_) return std::nullopt;
    return e;
  }

 private:
  // A defect of field `column` (0-based; reported 1-based).
  void fail(std::size_t column, std::string message) {
    defects_.push_back({file_, line_, column + 1, std::move(message)});
    failed_ = true;
  }

  void read_cap(const std::string& text, Entry& e) {
    if (text.empty()) return;
    auto cap = parse_scaled(text, kPriceScale);
    if (!cap || *cap < 0) {
      fail(kCap, "price_cap must be empty or a price in yuan with at most six decimals, not '" +
                     text + "'");
      return;
    }
    e.price_cap = *cap;
  }

  void read_ratio(const std::string& text, Entry& e) {
    if (text.empty()) return;
    auto ratio = Rate::parse(text);
    if (!ratio || *ratio > Rate::one()) {
      fail(kRatio, "self_pay_ratio must be empty or a share from 0 to 1, not '" + text + "'");
      return;
    }
    if (e.item_class != ItemClass::B) {
      fail(kRatio, "self_pay_ratio is for class B items only");
      return;
    }
    e.self_pay_ratio = *ratio;
  }

  void read_dates(const std::string& from, const std::string& to, Entry& e) {
    if (auto d = Date::parse(from)) {
      e.valid_from = *d;
    } else {
      fail(kFrom, "valid_from must be a date YYYY-MM-DD, not '" + from + "'");
      return;
    }
    if (to.empty()) return;
    auto d = Date::parse(to);
    if (!d) {
      fail(kTo, "valid_to must be empty or a date YYYY-MM-DD, not '" + to + "'");
    } else if (*d < e.valid_from) {
      fail(kTo, "valid_to " + to + " is before valid_from " + from);
    } else {
      e.valid_to = *d;
    }
  }

  const std::string& file_;
  std::size_t line_;
  std::vector<Defect>& defects_;
  bool failed_ = false;
};

bool overlap(const Entry& a, const Entry& b) {
  const bool a_before_b = a.valid_to && *a.valid_to < b.valid_from;
  const bool b_before_a = b.valid_to && *b.valid_to < a.valid_from;
  return !a_before_b && !b_before_a;
}

Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > kFileBytes) {
    return Error{"file_error", "",
                 path.string() + ": cannot be read or is larger than " +
                     std::to_string(kFileBytes) + " bytes"};
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Error{"file_error", "", path.string() + ": cannot be read"};
  return text.str();
}

Money round_product(const Int128& quantity, const Int128& price) {
  // quantity × 10^4 and yuan × 10^6: their product is in 1e-10 yuan = 1e-8 fen; Exact counts
  // 1e-12 fen.
  return round(Exact::from_units(quantity * price * 10'000), Rounding::half_up);
}

}  // namespace

std::optional<Int128> parse_scaled(std::string_view text, int scale) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > kWholeDigits) return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > std::size_t(scale))) {
    return std::nullopt;
  }
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || !digits(frac)) return std::nullopt;
  Int128 value = 0;
  for (char c : whole) value = value * 10 + (c - '0');
  for (char c : frac) value = value * 10 + (c - '0');
  value *= pow10(scale - static_cast<int>(frac.size()));
  return negative ? -value : value;
}

std::string format_scaled(const Int128& value, int scale, int decimals) {
  const bool negative = value < 0;
  const Int128 magnitude = (negative ? -value : value) / pow10(scale - decimals);
  std::string digits = magnitude.str();
  if (decimals > 0) {
    if (digits.size() <= std::size_t(decimals)) {
      digits.insert(0, std::size_t(decimals) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - std::size_t(decimals), ".");
  }
  return (negative && magnitude != 0 ? "-" : "") + digits;
}

std::string Defect::text() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ParsedVersion parse_version(std::string_view csv, const std::string& file,
                            const std::string& version) {
  ParsedVersion out;
  if (!codec::valid_utf8(csv)) {
    out.defects.push_back({file, 1, 0, "the file is not valid UTF-8"});
    return out;
  }
  if (csv.starts_with(codec::kUtf8Bom)) csv.remove_prefix(codec::kUtf8Bom.size());
  codec::CsvReader reader(csv);
  bool header = true;
  while (!reader.done()) {
    codec::CsvRecord record = reader.next();
    if (record.is_blank()) continue;
    if (!record.defect.empty()) {
      out.defects.push_back({file, record.line, 0, record.defect});
      header = false;
      continue;
    }
    if (header) {
      header = false;
      if (codec::header_text(record.fields) != kHeader) {
        out.defects.push_back({file, record.line, 1, "the header must be " + std::string(kHeader)});
        return out;
      }
      continue;
    }
    RowReader row(file, record.line, out.defects);
    if (auto entry = row.read(record.fields)) {
      entry->version = version;
      out.entries.push_back(std::move(*entry));
    }
  }
  if (header) out.defects.push_back({file, 1, 1, "the header must be " + std::string(kHeader)});
  return out;
}

Result<Catalogue> Catalogue::from_texts(
    const std::vector<std::pair<std::string, std::string>>& files) {
  Catalogue c;
  std::vector<Defect> defects;
  std::string hashes;
  for (const auto& [file, text] : files) {
    const std::string name = fs::path(file).filename().string();
    const std::string id = name.ends_with(".csv") ? name.substr(0, name.size() - 4) : name;
    ParsedVersion parsed = parse_version(text, name, id);
    defects.insert(defects.end(), parsed.defects.begin(), parsed.defects.end());
    Version v{id, policy::sha256_hex(text), parsed.entries.size()};
    hashes += v.id + " " + v.sha256 + "\n";
    c.versions_.push_back(std::move(v));
    for (Entry& e : parsed.entries) c.entries_.push_back(std::move(e));
  }
  std::stable_sort(c.entries_.begin(), c.entries_.end(), [](const Entry& a, const Entry& b) {
    return a.code != b.code ? a.code < b.code : a.valid_from < b.valid_from;
  });
  for (std::size_t i = 1; i < c.entries_.size(); ++i) {
    const Entry& a = c.entries_[i - 1];
    const Entry& b = c.entries_[i];
    if (a.code == b.code && overlap(a, b)) {
      defects.push_back({b.version + ".csv", b.line, 1,
                         "code " + b.code + " is also in force by " + a.version + ".csv line " +
                             std::to_string(a.line) + " on " + b.valid_from.to_string()});
    }
  }
  if (!defects.empty()) {
    std::string message = std::to_string(defects.size()) + " defect(s) in the catalogue:";
    for (std::size_t i = 0; i < defects.size() && i < kDefectsShown; ++i) {
      message += "\n" + defects[i].text();
    }
    const Defect& first = defects.front();
    return Error{"bad_catalogue",
                 first.file + ":" + std::to_string(first.line) + ":" + std::to_string(first.column),
                 message};
  }
  c.sha256_ = policy::sha256_hex(hashes);
  return c;
}

Result<Catalogue> Catalogue::load_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error{"file_error", "", dir + ": not a readable directory"};
  }
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".csv") {
      paths.push_back(entry.path());
    }
  }
  if (ec) return Error{"file_error", "", dir + ": " + ec.message()};
  if (paths.empty()) return Error{"empty", "", dir + ": no catalogue version (*.csv) in it"};
  std::sort(paths.begin(), paths.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const fs::path& path : paths) {
    auto text = read_file(path);
    if (!text) return text.error();
    files.emplace_back(path.filename().string(), std::move(text).value());
  }
  auto catalogue = from_texts(files);
  if (!catalogue) {
    Error e = catalogue.error();
    e.message = dir + ": " + e.message;
    return e;
  }
  return catalogue;
}

const Entry* Catalogue::find(std::string_view code, const Date& on) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), code,
                             [](const Entry& e, std::string_view c) { return e.code < c; });
  for (; it != entries_.end() && it->code == code; ++it) {
    if (it->in_force_on(on)) return &*it;
  }
  return nullptr;
}

Result<PricedLine> Catalogue::price(std::string_view code, const Int128& quantity,
                                    const Int128& unit_price, const Date& on,
                                    std::string_view field, std::string_view item) const {
  const Entry* entry = find(code, on);
  if (entry == nullptr) {
    return Error{"unknown_catalogue_code", std::string(field),
                 "item " + std::string(item) + ": code " + std::string(code) +
                     " is not in the medical-insurance catalogue on " + on.to_string() +
                     "; map the item to its national code before settling"};
  }
  PricedLine line;
  line.entry = entry;
  line.amount = round_product(quantity, unit_price);
  if (entry->price_cap && unit_price > *entry->price_cap) {
    line.over_limit = round_product(quantity, unit_price - *entry->price_cap);
  }
  if (entry->item_class == ItemClass::C) line.over_limit = Money();
  line.item.code = entry->code;
  line.item.name = entry->name;
  line.item.item_class = entry->item_class;
  line.item.amount = line.amount;
  line.item.over_limit = line.over_limit;
  line.item.self_pay_ratio = entry->self_pay_ratio;
  return line;
}

}  // namespace onestop::catalogue
