// A strict JSON reader (RFC 8259) and the string quoting its writers need.
//
// safetensors describes its tensors in a JSON header, so the library parses JSON from
// untrusted files. The reader is small and defensive rather than general: it refuses
// nesting beyond a caller's limit before descending (a hostile file cannot cost stack in
// proportion to its size), refuses repeated keys (a header naming a tensor twice is
// ambiguous), validates UTF-8, and keeps each number's literal so that integers are read
// exactly and no locale is involved.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ghostnet::json {

class ParseError : public std::runtime_error {
 public:
  enum class Reason { Syntax, TooDeep, RepeatedKey };
  ParseError(Reason reason, const std::string& message, std::string key = {})
      : std::runtime_error(message), reason_(reason), key_(std::move(key)) {}
  Reason reason() const { return reason_; }
  const std::string& key() const { return key_; }  // RepeatedKey: the key

 private:
  Reason reason_;
  std::string key_;
};

class Value {
 public:
  enum class Kind { Null, Boolean, Number, String, Array, Object };
  using Member = std::pair<std::string, Value>;

  Kind kind() const { return kind_; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_number() const { return kind_ == Kind::Number; }
  // A number written without sign, fraction or exponent that fits 64 bits.
  bool is_unsigned_integer() const { return kind_ == Kind::Number && unsigned_integer_; }

  bool boolean() const;
  const std::string& string() const;
  uint64_t unsigned_integer() const;
  double number() const;                        // any number, rounded to the nearest double
  const std::vector<Value>& items() const;      // an array's elements
  const std::vector<Member>& members() const;   // an object's members, in document order
  const Value* find(std::string_view key) const;  // an object's member, or null
  const Value& at(std::string_view key) const;    // an object's member; std::out_of_range if absent

  // The value written compactly, cut to about 40 bytes followed by "...": for error
  // messages, which must not grow with a hostile input.
  std::string excerpt() const;

 private:
  friend class Parser;
  void write_excerpt(std::string& out, std::size_t limit) const;

  Kind kind_ = Kind::Null;
  bool boolean_ = false;
  bool unsigned_integer_ = false;
  uint64_t integer_ = 0;
  std::string text_;  // String: the decoded string; Number: the literal
  std::vector<Value> items_;
  std::vector<Member> members_;
};

// Parses one JSON value filling all of `text`. Arrays and objects may nest `max_depth`
// deep (the outermost counts as 1). Throws ParseError.
Value parse(std::string_view text, int max_depth);

bool is_valid_utf8(std::string_view text);

// `text` (valid UTF-8) as a JSON string literal, quotes included.
std::string quote(std::string_view text);

}  // namespace ghostnet::json
