#include "adapters/codec/json_reader.hpp"

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <set>
#include <utility>

namespace onestop::codec {

namespace ondemand = simdjson::ondemand;

namespace {

// Members of one object compared by a scan up to this many; a larger object gets a set, so
// that a hostile object with a million keys costs n log n, not n².
constexpr std::size_t kScannedKeys = 32;

// The keys of one object met so far, for refusing a repeat: a set once the object is larger
// than kScannedKeys, and a filter of one bit per key (of 64, chosen by its size and its first
// and last bytes): a key whose bit no earlier key set is new without comparing it with them.
struct KeysSeen {
  std::uint64_t bits = 0;
  std::set<std::string_view> set;

  static std::uint64_t bit_of(std::string_view key) {
    std::uint32_t h = static_cast<std::uint32_t>(key.size()) * 0x9E3779B1u;
    if (!key.empty()) {
      h ^= static_cast<unsigned char>(key.front()) * 0x85EBCA77u;
      h ^= static_cast<unsigned char>(key.back()) * 0xC2B2AE3Du;
    }
    return std::uint64_t{1} << (h >> 26);
  }
};

// A value of RFC 8259's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// Whether a valid JSON number's magnitude is beyond every double (1e400); tiny ones (1e-400)
// are not: they read as zero.
bool overflows_double(std::string_view t) {
  double value = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), value);
  if (r.ec != std::errc::result_out_of_range) return false;
  // Out of range either way: the decimal exponent of the leading digit says which.
  const std::size_t e = t.find_first_of("eE");
  const std::string_view mantissa = t.substr(0, e);
  const std::size_t first = mantissa.find_first_of("123456789");
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  long long exponent = first == std::string_view::npos ? 0
                       : first < point                 ? static_cast<long long>(point - first - 1)
                                                       : -static_cast<long long>(first - point);
  if (e != std::string_view::npos) {
    long long written = 0;
    std::string_view tail = t.substr(e + 1);
    const bool negative = tail.starts_with('-');
    if (tail.starts_with('-') || tail.starts_with('+')) tail.remove_prefix(1);
    const auto er = std::from_chars(tail.data(), tail.data() + tail.size(), written);
    if (er.ec == std::errc::result_out_of_range) return !negative;
    exponent += negative ? -written : written;
  }
  return exponent > 0;
}

// Where the string whose text starts at `p` (just past its opening quote) ends, when nothing in
// it is escaped: its closing quote; nullptr when a backslash comes first. Such a string is its
// own decoded text, so it needs no copy: stage 1 has checked its UTF-8 and that it holds no
// control character (so no U+0000 either). `p` is in a text stage 1 accepted (every string
// closed) followed by SIMDJSON_PADDING bytes, so reading 16 bytes at a time stays inside.
inline const char* plain_string_end(const char* p) {
#if defined(__SSE2__)  // every x86-64
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (;; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto hits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
    if (hits != 0) {
      const char* first = p + std::countr_zero(hits);
      return *first == '"' ? first : nullptr;
    }
  }
#else
  static_assert(std::endian::native == std::endian::little);
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  // The lowest byte flagged is exactly the first zero byte (Bit Twiddling Hacks, haszero).
  const auto zero_bytes = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  for (;; p += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    const std::uint64_t hits = zero_bytes(v ^ (kOnes * '"')) | zero_bytes(v ^ (kOnes * '\\'));
    if (hits != 0) {
      const char* first = p + std::countr_zero(hits) / 8;
      return *first == '"' ? first : nullptr;
    }
  }
#endif
}

std::string reason_of(simdjson::error_code error) { return simdjson::error_message(error); }

// raw_json_token() of a value cannot fail; of a document it can.
simdjson::simdjson_result<std::string_view> raw_token(ondemand::value& v) {
  return v.raw_json_token();
}
simdjson::simdjson_result<std::string_view> raw_token(ondemand::document& d) {
  return d.raw_json_token();
}

// Whether nothing but whitespace follows the root value. A root container, once walked, leaves
// the iterator on the next token (the end sentinel, past `end`, when there is none); a root
// scalar's raw token ends where the next token starts, so the rest is checked by hand.
bool at_end(ondemand::document& document, const char* end) {
  ondemand::json_type type;
  if (document.type().get(type) == simdjson::SUCCESS && type != ondemand::json_type::object &&
      type != ondemand::json_type::array) {
    std::string_view raw;
    if (document.raw_json_token().get(raw) != simdjson::SUCCESS) return false;
    for (const char* p = raw.data() + raw.size(); p < end; ++p) {
      if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
    }
    return true;
  }
  const char* next = nullptr;
  if (document.current_location().get(next) != simdjson::SUCCESS) return true;
  return next >= end;
}

}  // namespace

// Walks simdjson's on-demand document once, depth first, into JsonDocument's flat node array:
// the members of an open container wait on `pending_` and move to the document, contiguous,
// when it closes; so children always precede their parent and the root comes last.
class JsonTreeBuilder {
 public:
  // Copies `text` into the document, padded as simdjson reads it: strings with no escape are
  // views of that copy, the others are decoded after it (decoding never lengthens);
  // for_overwrite: no zeroing of what is written over.
  JsonTreeBuilder(std::string_view text, const JsonLimits& limits)
      : limits_(limits), size_(text.size()), used_(size_ + simdjson::SIMDJSON_PADDING) {
    doc_.strings_ = std::make_unique_for_overwrite<char[]>(used_ + size_ + 1);
    char* padded = doc_.strings_.get();
    if (size_ != 0) std::memcpy(padded, text.data(), size_);  // an empty view's data() may be null
    std::memset(padded + size_, 0, simdjson::SIMDJSON_PADDING);
    // A node per 8 bytes of text: a claim has one per 13 or so, so its nodes never move. Only
    // the open containers' members wait on pending_: few, unless an array is long.
    doc_.nodes_.reserve(size_ / 8 + 4);
    pending_.reserve(64);
    frames_.reserve(16);
  }

  Result<JsonDocument> build(ondemand::parser& parser);

 private:
  // Where the walk is, for the path in an error: a key or an index per open container.
  struct Frame {
    bool is_array = false;
    std::size_t index = 0;
    std::string_view key;
  };

  template <typename Value>
  bool walk(Value& value, std::size_t depth);
  template <typename Value>
  bool walk_object(Value& value, std::size_t depth);
  template <typename Value>
  bool walk_array(Value& value, std::size_t depth);
  template <typename Value>
  bool walk_scalar(Value& value, ondemand::json_type type);
  bool close(JsonNode::Type type, std::size_t mark);
  bool check_unique(std::string_view key, std::size_t mark, KeysSeen& seen);
  // The rare paths out of line, so that the usual ones save fewer registers.
  [[gnu::cold, gnu::noinline]] bool duplicate(std::string_view key);
  bool read_key(ondemand::field& field, std::string_view& key);
  [[gnu::noinline]] bool read_escaped_key(ondemand::field& field, std::string_view& key);
  template <typename Value>
  bool read_string(Value& value, std::string_view& text);
  template <typename Value>
  [[gnu::noinline]] bool read_escaped_string(Value& value, std::string_view& text);
  std::string_view keep(std::string_view s);

  bool malformed(std::string reason);
  bool malformed(simdjson::error_code error) { return malformed(reason_of(error)); }
  // The path of the first `frames` open containers.
  std::string path(std::size_t frames) const;
  std::string path() const { return path(frames_.size()); }

  const JsonLimits& limits_;
  JsonDocument doc_;
  std::size_t size_;  // of the text
  std::size_t used_;  // bytes of doc_.strings_ taken: the padded text, then decoded strings
  std::vector<JsonNode> pending_;
  std::vector<Frame> frames_;
  std::string_view next_key_;  // the key of the member whose value is walked next
  Error error_;
};

std::string JsonTreeBuilder::path(std::size_t frames) const {
  std::string out;
  for (std::size_t i = 0; i < frames; ++i) {
    const Frame& f = frames_[i];
    out = f.is_array ? index_path(out, f.index) : field_path(out, f.key);
  }
  return out;
}

bool JsonTreeBuilder::malformed(std::string reason) {
  const std::string where = path();
  error_ = Error{"malformed_json", "",
                 where.empty() ? std::move(reason) : "inside " + where + ": " + reason};
  return false;
}

std::string_view JsonTreeBuilder::keep(std::string_view s) {
  char* at = doc_.strings_.get() + used_;
  if (!s.empty()) std::memcpy(at, s.data(), s.size());  // an empty view's data() may be null
  used_ += s.size();
  return {at, s.size()};
}

bool JsonTreeBuilder::check_unique(std::string_view key, std::size_t mark, KeysSeen& seen) {
  const std::size_t count = pending_.size() - mark;
  bool repeated = false;
  if (count < kScannedKeys) {
    const std::uint64_t bit = KeysSeen::bit_of(key);
    const bool maybe_seen = (seen.bits & bit) != 0;
    seen.bits |= bit;
    for (std::size_t i = mark; maybe_seen && i < pending_.size() && !repeated; ++i) {
      repeated = same_key(pending_[i].key, key);
    }
  } else {
    if (seen.set.empty()) {
      for (std::size_t i = mark; i < pending_.size(); ++i) seen.set.insert(pending_[i].key);
    }
    repeated = !seen.set.insert(key).second;
  }
  return !repeated || duplicate(key);
}

bool JsonTreeBuilder::duplicate(std::string_view key) {
  // The innermost frame is this object's, holding its previous key.
  error_ = Error{"duplicate_key", field_path(path(frames_.size() - 1), key),
                 "appears twice in its object"};
  return false;
}

bool JsonTreeBuilder::close(JsonNode::Type type, std::size_t mark) {
  JsonNode node;
  node.type = type;
  node.first_ = static_cast<std::uint32_t>(doc_.nodes_.size());
  node.count_ = static_cast<std::uint32_t>(pending_.size() - mark);
  node.key = next_key_;
  doc_.nodes_.insert(doc_.nodes_.end(), std::make_move_iterator(pending_.begin() + mark),
                     std::make_move_iterator(pending_.end()));
  pending_.resize(mark);
  pending_.push_back(node);
  return true;
}

// A member's key: a view of the text when nothing in it is escaped, else decoded and kept.
bool JsonTreeBuilder::read_key(ondemand::field& field, std::string_view& key) {
  const char* raw = field.key().raw();
  if (const char* end = plain_string_end(raw)) {
    key = {raw, static_cast<std::size_t>(end - raw)};
    return true;
  }
  return read_escaped_key(field, key);
}

bool JsonTreeBuilder::read_escaped_key(ondemand::field& field, std::string_view& key) {
  if (auto e = field.unescaped_key().get(key)) return malformed(e);
  if (key.find('\0') != std::string_view::npos) return malformed("a key contains \\u0000");
  key = keep(key);
  return true;
}

// A string value, the same way. One left unread is skipped by the walk as any other value.
template <typename Value>
bool JsonTreeBuilder::read_string(Value& value, std::string_view& text) {
  std::string_view raw;
  if (auto e = raw_token(value).get(raw)) return malformed(e);
  const char* start = raw.data() + 1;  // past the opening quote
  if (const char* end = plain_string_end(start)) {
    text = {start, static_cast<std::size_t>(end - start)};
    return true;
  }
  return read_escaped_string(value, text);
}

template <typename Value>
bool JsonTreeBuilder::read_escaped_string(Value& value, std::string_view& text) {
  if (auto e = value.get_string().get(text)) return malformed(e);
  if (text.find('\0') != std::string_view::npos) return malformed("a string contains \\u0000");
  text = keep(text);
  return true;
}

template <typename Value>
bool JsonTreeBuilder::walk_object(Value& value, std::size_t depth) {
  ondemand::object object;
  if (auto e = value.get_object().get(object)) return malformed(e);
  const std::string_view own_key = next_key_;
  const std::size_t mark = pending_.size();
  KeysSeen seen;
  frames_.push_back(Frame{});
  for (auto member : object) {
    ondemand::field field;
    if (auto e = std::move(member).get(field)) return malformed(e);
    std::string_view key;
    if (!read_key(field, key)) return false;
    if (!check_unique(key, mark, seen)) return false;
    next_key_ = key;
    frames_.back().key = next_key_;
    if (!walk(field.value(), depth + 1)) return false;
  }
  frames_.pop_back();
  next_key_ = own_key;
  return close(JsonNode::Type::object, mark);
}

template <typename Value>
bool JsonTreeBuilder::walk_array(Value& value, std::size_t depth) {
  ondemand::array array;
  if (auto e = value.get_array().get(array)) return malformed(e);
  const std::string_view own_key = next_key_;
  const std::size_t mark = pending_.size();
  frames_.push_back(Frame{true, 0, {}});
  for (auto element : array) {
    ondemand::value child;
    if (auto e = std::move(element).get(child)) return malformed(e);
    next_key_ = {};
    if (!walk(child, depth + 1)) return false;
    ++frames_.back().index;
  }
  frames_.pop_back();
  next_key_ = own_key;
  return close(JsonNode::Type::array, mark);
}

template <typename Value>
bool JsonTreeBuilder::walk_scalar(Value& value, ondemand::json_type type) {
  // Made in place; a node left half made by an error goes with the builder.
  JsonNode& node = pending_.emplace_back();
  node.key = next_key_;
  switch (type) {
    case ondemand::json_type::string: {
      if (!read_string(value, node.text)) return false;
      node.type = JsonNode::Type::string;
      break;
    }
    case ondemand::json_type::number: {
      std::string_view raw;
      if (auto e = raw_token(value).get(raw)) return malformed(e);
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' ||
                              raw.back() == '\r')) {
        raw.remove_suffix(1);
      }
      if (!is_json_number(raw)) return malformed("not a JSON number");
      if (overflows_double(raw)) return malformed("a number too large");
      node.type = JsonNode::Type::number;
      node.text = raw;  // a view of the text
      break;
    }
    case ondemand::json_type::boolean: {
      if (auto e = value.get_bool().get(node.boolean)) return malformed(e);
      node.type = JsonNode::Type::boolean;
      break;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto e = value.is_null().get(is_null)) return malformed(e);
      if (!is_null) return malformed("not a JSON literal");
      break;
    }
    default:
      return malformed("not a JSON value");
  }
  return true;
}

template <typename Value>
bool JsonTreeBuilder::walk(Value& value, std::size_t depth) {
  ondemand::json_type type;
  if (auto e = value.type().get(type)) return malformed(e);
  if (type == ondemand::json_type::object || type == ondemand::json_type::array) {
    if (depth > limits_.max_depth) {
      return malformed("nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    return type == ondemand::json_type::object ? walk_object(value, depth)
                                               : walk_array(value, depth);
  }
  return walk_scalar(value, type);
}

Result<JsonDocument> JsonTreeBuilder::build(ondemand::parser& parser) {
  const char* padded = doc_.strings_.get();
  ondemand::document document;
  if (auto e = parser.iterate(padded, size_, size_ + simdjson::SIMDJSON_PADDING).get(document)) {
    malformed(e);
    return error_;
  }
  if (!walk(document, 1)) return error_;
  if (!at_end(document, padded + size_)) {
    malformed("text after the end of the document");
    return error_;
  }
  doc_.nodes_.push_back(pending_.back());
  for (JsonNode& node : doc_.nodes_) {
    if (node.count_ > 0) node.children_ = doc_.nodes_.data() + node.first_;
  }
  return std::move(doc_);
}

Result<JsonDocument> parse_json(std::string_view text, const JsonLimits& limits) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end, and skips a byte order mark
  // that RFC 8259 forbids a sender to add: copy into a padded buffer, and refuse the mark.
  if (text.starts_with("\xEF\xBB\xBF")) {
    return Error{"malformed_json", "", "a byte order mark before the document"};
  }
  if (text.size() >= simdjson::SIMDJSON_MAXSIZE_BYTES) {
    return Error{"malformed_json", "", "a document of 4 GiB or more"};
  }
  thread_local ondemand::parser parser;
  JsonTreeBuilder builder(text, limits);
  return builder.build(parser);
}

const JsonNode* JsonNode::find(std::string_view k) const {
  if (type != Type::object) return nullptr;
  for (const JsonNode& member : children()) {
    if (same_key(member.key, k)) return &member;
  }
  return nullptr;
}

std::string field_path(std::string_view prefix, std::string_view key) {
  std::string path;
  path.reserve(prefix.size() + key.size() + 1);
  path.append(prefix);
  if (!prefix.empty()) path += '.';
  path.append(key);
  return path;
}

std::string index_path(std::string_view prefix, std::size_t index) {
  std::string path(prefix);
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

std::string element_path(std::string_view prefix, std::string_view key, std::size_t i) {
  return index_path(field_path(prefix, key), i);
}

// ---------------------------------------------------------------------------------------------
// Canonical form

namespace {

void write_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// A number as its value (see canonical_json): what the hashes of policies written before
// issue 10 were computed from, when numbers were parsed into int64, uint64 or double.
void write_number(std::string& out, std::string_view t) {
  char buffer[32];
  const char* first = t.data();
  const char* last = t.data() + t.size();
  if (t.find_first_of(".eE") == std::string_view::npos) {
    std::int64_t i = 0;
    if (std::from_chars(first, last, i).ec == std::errc{}) {
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, i).ptr);
      return;
    }
    std::uint64_t u = 0;
    if (std::from_chars(first, last, u).ec == std::errc{}) {
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, u).ptr);
      return;
    }
    out += t;  // beyond 64 bits: as written
    return;
  }
  double d = 0;
  std::from_chars(first, last, d);  // out of range only below the smallest double: zero
  if (d == 0) d = 0;                // JSON has one zero (RFC 8785 writes -0 as 0)
  out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, d).ptr);
}

void write_node(std::string& out, const JsonNode& node);

void write_object(std::string& out, const JsonNode& node) {
  std::vector<const JsonNode*> sorted;
  sorted.reserve(node.size());
  for (const JsonNode& m : node.members()) sorted.push_back(&m);
  // string_view compares as unsigned bytes: UTF-8 byte order is code point order.
  std::sort(sorted.begin(), sorted.end(),
            [](const JsonNode* a, const JsonNode* b) { return a->key < b->key; });
  out += '{';
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    write_string(out, sorted[i]->key);
    out += ':';
    write_node(out, *sorted[i]);
  }
  out += '}';
}

void write_node(std::string& out, const JsonNode& node) {
  switch (node.type) {
    case JsonNode::Type::null:
      out += "null";
      return;
    case JsonNode::Type::boolean:
      out += node.boolean ? "true" : "false";
      return;
    case JsonNode::Type::number:
      write_number(out, node.text);
      return;
    case JsonNode::Type::string:
      write_string(out, node.text);
      return;
    case JsonNode::Type::object:
      write_object(out, node);
      return;
    case JsonNode::Type::array:
      out += '[';
      for (std::size_t i = 0; i < node.size(); ++i) {
        if (i > 0) out += ',';
        write_node(out, node.elements()[i]);
      }
      out += ']';
      return;
  }
}

}  // namespace

std::string canonical_json(const JsonNode& node) {
  std::string out;
  write_node(out, node);
  return out;
}

}  // namespace onestop::codec
