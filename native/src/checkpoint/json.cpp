#include "checkpoint/json.h"

#include <algorithm>
#include <locale>
#include <sstream>

namespace ghostnet::json {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when there is none.
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t available) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    length = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    length = 3;
    if (c == 0xe0) low = 0xa0;
    if (c == 0xed) high = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    length = 4;
    if (c == 0xf0) low = 0x90;
    if (c == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (available < length || p[1] < low || p[1] > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!is_continuation(p[i])) return 0;
  }
  return length;
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += char(code_point);
  } else if (code_point < 0x800) {
    out += char(0xc0 | (code_point >> 6));
    out += char(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    out += char(0xe0 | (code_point >> 12));
    out += char(0x80 | ((code_point >> 6) & 0x3f));
    out += char(0x80 | (code_point & 0x3f));
  } else {
    out += char(0xf0 | (code_point >> 18));
    out += char(0x80 | ((code_point >> 12) & 0x3f));
    out += char(0x80 | ((code_point >> 6) & 0x3f));
    out += char(0x80 | (code_point & 0x3f));
  }
}

}  // namespace

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  Value parse_document() {
    skip_space();
    Value value = parse_value(1);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected " + describe_next() + " after the value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError(ParseError::Reason::Syntax, what + " at byte " + std::to_string(pos_));
  }

  std::string describe_next() const {
    if (pos_ >= text_.size()) return "end of input";
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + char(c) + "'";
    static const char kHex[] = "0123456789abcdef";
    return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect(char c) {
    if (at_end() || peek() != c) fail(std::string("expected '") + c + "', found " + describe_next());
    ++pos_;
  }

  Value parse_value(int depth) {
    if (at_end()) fail("the input ends where a value should start");
    Value value;
    switch (peek()) {
      case '{': return parse_object(depth);
      case '[': return parse_array(depth);
      case '"':
        value.kind_ = Value::Kind::String;
        value.text_ = parse_string();
        return value;
      case 't': return parse_word("true", Value::Kind::Boolean, true);
      case 'f': return parse_word("false", Value::Kind::Boolean, false);
      case 'n': return parse_word("null", Value::Kind::Null, false);
      default: return parse_number();
    }
  }

  Value parse_word(std::string_view word, Value::Kind kind, bool boolean) {
    if (text_.substr(pos_, word.size()) != word) fail("unexpected " + describe_next());
    pos_ += word.size();
    Value value;
    value.kind_ = kind;
    value.boolean_ = boolean;
    return value;
  }

  // Checked before the container is read, so nesting costs nothing past the limit.
  void enter(int depth) const {
    if (depth > max_depth_) {
      throw ParseError(ParseError::Reason::TooDeep,
                       "nests deeper than " + std::to_string(max_depth_) + " levels at byte " + std::to_string(pos_));
    }
  }

  Value parse_array(int depth) {
    enter(depth);
    ++pos_;
    Value value;
    value.kind_ = Value::Kind::Array;
    skip_space();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return value;
    }
    for (;;) {
      skip_space();
      value.items_.push_back(parse_value(depth + 1));
      skip_space();
      if (!at_end() && peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return value;
    }
  }

  Value parse_object(int depth) {
    enter(depth);
    ++pos_;
    Value value;
    value.kind_ = Value::Kind::Object;
    skip_space();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return value;
    }
    for (;;) {
      skip_space();
      if (at_end() || peek() != '"') fail("expected a key, found " + describe_next());
      std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      value.members_.emplace_back(std::move(key), parse_value(depth + 1));
      skip_space();
      if (!at_end() && peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      refuse_repeated_keys(value.members_);
      return value;
    }
  }

  // Sorting pointers to the keys finds repeats in n log n, however many keys a file has.
  static void refuse_repeated_keys(const std::vector<Value::Member>& members) {
    std::vector<const std::string*> keys;
    keys.reserve(members.size());
    for (const Value::Member& member : members) keys.push_back(&member.first);
    std::sort(keys.begin(), keys.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
    for (std::size_t i = 1; i < keys.size(); ++i) {
      if (*keys[i] == *keys[i - 1]) {
        throw ParseError(ParseError::Reason::RepeatedKey, "repeats the key '" + *keys[i] + "'", *keys[i]);
      }
    }
  }

  std::string parse_string() {
    ++pos_;  // the opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail("the input ends inside a string");
      const unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        parse_escape(out);
      } else if (c < 0x20) {
        fail("a control character must be escaped inside a string, found " + describe_next());
      } else {
        const std::size_t length =
            utf8_sequence_length(reinterpret_cast<const unsigned char*>(text_.data()) + pos_, text_.size() - pos_);
        if (length == 0) fail("a string holds " + describe_next() + ", which does not start valid UTF-8");
        out.append(text_.data() + pos_, length);
        pos_ += length;
      }
    }
  }

  void parse_escape(std::string& out) {
    ++pos_;  // the backslash
    if (at_end()) fail("the input ends inside an escape");
    const char c = peek();
    ++pos_;
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': append_utf8(out, parse_unicode_escape()); return;
      default: --pos_; fail("unknown escape \\" + describe_next());
    }
  }

  // After "\u": four hex digits, or a surrogate pair written as two escapes.
  uint32_t parse_unicode_escape() {
    const uint32_t unit = parse_hex4();
    if (unit >= 0xdc00 && unit <= 0xdfff) fail("a \\u escape holds a low surrogate without a high one");
    if (unit < 0xd800 || unit > 0xdbff) return unit;
    if (text_.substr(pos_, 2) != "\\u") fail("a high surrogate \\u escape is not followed by a low one");
    pos_ += 2;
    const uint32_t low = parse_hex4();
    if (low < 0xdc00 || low > 0xdfff) fail("a high surrogate \\u escape is not followed by a low one");
    return 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  }

  uint32_t parse_hex4() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (at_end()) fail("the input ends inside a \\u escape");
      const char c = peek();
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) fail("a \\u escape needs four hex digits, found " + describe_next());
      value = value * 16 + uint32_t(digit);
    }
    return value;
  }

  bool digit_next() const { return !at_end() && peek() >= '0' && peek() <= '9'; }

  void skip_digits() {
    if (!digit_next()) fail("expected a digit, found " + describe_next());
    while (digit_next()) ++pos_;
  }

  // RFC 8259's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  Value parse_number() {
    const std::size_t start = pos_;
    const bool negative = peek() == '-';
    if (negative) ++pos_;
    if (!digit_next()) fail("unexpected " + describe_next());
    if (peek() == '0') {
      ++pos_;
      if (digit_next()) fail("a number has a leading zero");
    } else {
      skip_digits();
    }
    bool integral = !negative;
    if (!at_end() && peek() == '.') {
      ++pos_;
      skip_digits();
      integral = false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      skip_digits();
      integral = false;
    }
    Value value;
    value.kind_ = Value::Kind::Number;
    value.text_.assign(text_.data() + start, pos_ - start);
    if (integral) {
      uint64_t n = 0;
      bool fits = true;
      for (char c : value.text_) fits = fits && !__builtin_mul_overflow(n, 10u, &n) && !__builtin_add_overflow(n, uint64_t(c - '0'), &n);
      value.unsigned_integer_ = fits;
      value.integer_ = fits ? n : 0;
    }
    return value;
  }

  std::string_view text_;
  int max_depth_;
  std::size_t pos_ = 0;
};

Value parse(std::string_view text, int max_depth) { return Parser(text, max_depth).parse_document(); }

namespace {

[[noreturn]] void wrong_kind(const char* wanted) {
  throw std::logic_error(std::string("json::Value: not ") + wanted);
}

}  // namespace

bool Value::boolean() const {
  if (kind_ != Kind::Boolean) wrong_kind("a boolean");
  return boolean_;
}

const std::string& Value::string() const {
  if (kind_ != Kind::String) wrong_kind("a string");
  return text_;
}

uint64_t Value::unsigned_integer() const {
  if (!is_unsigned_integer()) wrong_kind("an unsigned integer");
  return integer_;
}

double Value::number() const {
  if (kind_ != Kind::Number) wrong_kind("a number");
  // The classic locale reads '.' as the decimal point whatever the process's locale says.
  std::istringstream in(text_);
  in.imbue(std::locale::classic());
  double value = 0;
  in >> value;  // out of range: the largest finite value of the sign, as the standard says
  return value;
}

const std::vector<Value>& Value::items() const {
  if (kind_ != Kind::Array) wrong_kind("an array");
  return items_;
}

const std::vector<Value::Member>& Value::members() const {
  if (kind_ != Kind::Object) wrong_kind("an object");
  return members_;
}

const Value* Value::find(std::string_view key) const {
  for (const Member& member : members()) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

const Value& Value::at(std::string_view key) const {
  const Value* value = find(key);
  if (value == nullptr) throw std::out_of_range("json::Value: no member '" + std::string(key) + "'");
  return *value;
}

void Value::write_excerpt(std::string& out, std::size_t limit) const {
  switch (kind_) {
    case Kind::Null: out += "null"; return;
    case Kind::Boolean: out += boolean_ ? "true" : "false"; return;
    case Kind::Number: out += text_; return;
    case Kind::String: out += quote(std::string_view(text_).substr(0, limit)); return;
    case Kind::Array:
      out += '[';
      for (std::size_t i = 0; i < items_.size() && out.size() <= limit; ++i) {
        if (i > 0) out += ',';
        items_[i].write_excerpt(out, limit);
      }
      out += ']';
      return;
    case Kind::Object:
      out += '{';
      for (std::size_t i = 0; i < members_.size() && out.size() <= limit; ++i) {
        if (i > 0) out += ',';
        out += quote(std::string_view(members_[i].first).substr(0, limit));
        out += ':';
        members_[i].second.write_excerpt(out, limit);
      }
      out += '}';
      return;
  }
}

std::string Value::excerpt() const {
  constexpr std::size_t kLimit = 40;
  std::string out;
  write_excerpt(out, kLimit);
  if (out.size() > kLimit) out = out.substr(0, kLimit) + "...";
  return out;
}

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(p + i, text.size() - i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string quote(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace ghostnet::json
