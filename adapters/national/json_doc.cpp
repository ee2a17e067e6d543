#include "adapters/national/json_doc.hpp"

#include <optional>
#include <utility>

#include "adapters/codec/csv.hpp"

namespace onestop::national {

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const JsonMember& m : members) {
    if (m.key == key) return m.value;
  }
  return nullptr;
}

std::string_view type_name(JsonValue::Type type) {
  switch (type) {
    case JsonValue::Type::null:
      return "null";
    case JsonValue::Type::boolean:
      return "a boolean";
    case JsonValue::Type::number:
      return "a number";
    case JsonValue::Type::string:
      return "a string";
    case JsonValue::Type::array:
      return "an array";
    case JsonValue::Type::object:
      return "an object";
  }
  return "a value";
}

// A recursive-descent parser over the whole text; the first defect ends it.
class JsonParser {
 public:
  JsonParser(std::string_view text, JsonDocument& doc) : text_(text), doc_(doc) {}

  std::optional<Error> run() {
    if (!codec::valid_utf8(text_)) return fail("the body is not valid UTF-8");
    skip_space();
    if (auto e = value(0)) return e;
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the document");
    return std::nullopt;
  }

 private:
  Error fail(std::string what) const {
    return Error{"malformed_json", "", what + " at byte " + std::to_string(pos_)};
  }

  JsonValue& make(JsonValue::Type type) {
    doc_.values_.push_back(std::make_unique<JsonValue>());
    doc_.values_.back()->type = type;
    return *doc_.values_.back();
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<Error> value(std::size_t depth) {
    if (depth > kMaxDepth) return fail("nesting deeper than " + std::to_string(kMaxDepth));
    if (pos_ >= text_.size()) return fail("unexpected end of the document");
    const char c = text_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      JsonValue& v = make(JsonValue::Type::string);
      return string(v.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (literal("true")) {
      make(JsonValue::Type::boolean).boolean = true;
      return std::nullopt;
    }
    if (literal("false")) {
      make(JsonValue::Type::boolean);
      return std::nullopt;
    }
    if (literal("null")) {
      make(JsonValue::Type::null);
      return std::nullopt;
    }
    return fail("unexpected character");
  }

  std::optional<Error> object(std::size_t depth) {
    const std::size_t index = doc_.values_.size();
    make(JsonValue::Type::object);
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return std::nullopt;
    }
    while (true) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a member name");
      std::string key;
      if (auto e = string(key)) return e;
      if (doc_.values_[index]->find(key) != nullptr) {
        return Error{"malformed_json", "", "the key \"" + key + "\" appears twice"};
      }
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_space();
      const std::size_t child = doc_.values_.size();
      if (auto e = value(depth + 1)) return e;
      doc_.values_[index]->members.push_back({std::move(key), doc_.values_[child].get()});
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return std::nullopt;
      }
      return fail("expected ',' or '}'");
    }
  }

  std::optional<Error> array(std::size_t depth) {
    const std::size_t index = doc_.values_.size();
    make(JsonValue::Type::array);
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return std::nullopt;
    }
    while (true) {
      skip_space();
      const std::size_t child = doc_.values_.size();
      if (auto e = value(depth + 1)) return e;
      doc_.values_[index]->elements.push_back(doc_.values_[child].get());
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return std::nullopt;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool digits() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  std::optional<Error> number() {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return fail("malformed number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) return fail("malformed number");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return fail("malformed number");
    }
    make(JsonValue::Type::number).text = std::string(text_.substr(start, pos_ - start));
    return std::nullopt;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::optional<unsigned> hex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= unsigned(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= unsigned(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= unsigned(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return v;
  }

  std::optional<Error> escape(std::string& out) {
    if (pos_ >= text_.size()) return fail("unterminated string");
    const char c = text_[pos_++];
    switch (c) {
      case '"':
        out += '"';
        return std::nullopt;
      case '\\':
        out += '\\';
        return std::nullopt;
      case '/':
        out += '/';
        return std::nullopt;
      case 'b':
        out += '\b';
        return std::nullopt;
      case 'f':
        out += '\f';
        return std::nullopt;
      case 'n':
        out += '\n';
        return std::nullopt;
      case 'r':
        out += '\r';
        return std::nullopt;
      case 't':
        out += '\t';
        return std::nullopt;
      case 'u':
        break;
      default:
        return fail("bad escape");
    }
    auto cp = hex4();
    if (!cp) return fail("bad \\u escape");
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
      if (!literal("\\u")) return fail("unpaired surrogate");
      auto low = hex4();
      if (!low || *low < 0xDC00 || *low > 0xDFFF) return fail("unpaired surrogate");
      *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
    } else if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
      return fail("unpaired surrogate");
    }
    if (*cp == 0) return fail("\\u0000 in a string");
    append_utf8(out, *cp);
    return std::nullopt;
  }

  std::optional<Error> string(std::string& out) {
    ++pos_;  // the opening quote
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      ++pos_;
      if (c == '\\') {
        if (auto e = escape(out)) return e;
      } else {
        out += c;
      }
    }
    return fail("unterminated string");
  }

  std::string_view text_;
  JsonDocument& doc_;
  std::size_t pos_ = 0;
};

Result<JsonDocument> JsonDocument::parse(std::string_view text) {
  JsonDocument doc;
  JsonParser parser(text, doc);
  if (auto e = parser.run()) return *e;
  return doc;
}

}  // namespace onestop::national
