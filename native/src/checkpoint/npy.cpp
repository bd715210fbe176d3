// NumPy's .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a version byte
// pair, the header length (2 bytes in version 1.0, 4 in 2.0 and 3.0), then a Python dict
// literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and ended by '\n', then the data.
#include "ghostnet/npy.h"

#include <cstring>
#include <set>

#include "checkpoint/file_io.h"
#include "checkpoint/internal.h"

namespace ghostnet {
namespace {

const char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlignment = 64;  // numpy aligns the data to 64 bytes
constexpr std::size_t kGrowthDigits = 21;

constexpr const char* kExpectedTypes = "expected '<f4' (float32), '<f2' (float16) or '|u1' (uint8)";

[[noreturn]] void fail_npy(const std::string& file, const std::string& what) {
  fail(ErrorCode::InvalidArgument, file + ": " + what);
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// A strict parser of the header dict as numpy writes it: exactly the keys 'descr',
// 'fortran_order' and 'shape', string, boolean and tuple-of-integers values.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& file) : text_(text), file_(file) {}
  Header parse();

 private:
  [[noreturn]] void bad(const std::string& what) const {
    const std::string shown = text_.size() <= 200 ? text_ : text_.substr(0, 200) + "...";
    fail_npy(file_, "malformed header: " + what + " at character " + std::to_string(at_) + " of \"" + shown + "\"");
  }
  void skip_spaces() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
  }
  bool accept(char c) {
    if (at_ >= text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) bad(std::string("expected '") + c + "'");
  }
  std::string parse_string();
  bool parse_bool();
  int64_t parse_integer();
  std::vector<int64_t> parse_shape();

  const std::string& text_;
  const std::string& file_;
  std::size_t at_ = 0;
};

std::string HeaderParser::parse_string() {
  if (at_ >= text_.size() || (text_[at_] != '\'' && text_[at_] != '"')) bad("expected a string");
  const char quote = text_[at_++];
  const std::size_t end = text_.find(quote, at_);
  if (end == std::string::npos) bad("unterminated string");
  std::string value = text_.substr(at_, end - at_);
  if (value.find('\\') != std::string::npos) bad("escapes in strings are not supported");
  at_ = end + 1;
  return value;
}

bool HeaderParser::parse_bool() {
  for (const bool value : {true, false}) {
    const char* word = value ? "True" : "False";
    if (text_.compare(at_, std::strlen(word), word) == 0) {
      at_ += std::strlen(word);
      return value;
    }
  }
  bad("expected True or False");
}

int64_t HeaderParser::parse_integer() {
  const std::size_t begin = at_;
  uint64_t value = 0;
  while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
    if (!checked_mul(value, 10, &value) || !checked_add(value, uint64_t(text_[at_] - '0'), &value) ||
        value > uint64_t(INT64_MAX)) {
      bad("a dimension overflows");
    }
    ++at_;
  }
  if (at_ == begin) bad("expected a non-negative integer");
  return int64_t(value);
}

// "()", "(3,)", "(2, 3)" or "(2, 3,)": like Python, "(3)" is not a tuple.
std::vector<int64_t> HeaderParser::parse_shape() {
  std::vector<int64_t> shape;
  expect('(');
  skip_spaces();
  while (!accept(')')) {
    shape.push_back(parse_integer());
    skip_spaces();
    if (accept(',')) {
      skip_spaces();
    } else {
      expect(')');
      if (shape.size() == 1) bad("a one-dimensional shape needs a trailing comma");
      break;
    }
  }
  return shape;
}

Header HeaderParser::parse() {
  Header header;
  std::set<std::string> seen;
  skip_spaces();
  expect('{');
  for (skip_spaces(); !accept('}'); skip_spaces()) {
    const std::string key = parse_string();
    skip_spaces();
    expect(':');
    skip_spaces();
    if (key == "descr") {
      header.descr = parse_string();
    } else if (key == "fortran_order") {
      header.fortran_order = parse_bool();
    } else if (key == "shape") {
      header.shape = parse_shape();
    } else {
      bad("unknown key '" + key + "'");
    }
    if (!seen.insert(key).second) bad("repeated key '" + key + "'");
    skip_spaces();
    if (!accept(',')) {
      skip_spaces();
      expect('}');
      break;
    }
  }
  skip_spaces();
  if (at_ != text_.size()) bad("unexpected text after the dict");
  if (seen.size() != 3) bad("expected the keys 'descr', 'fortran_order' and 'shape'");
  return header;
}

DType parse_descr(const std::string& descr, const std::string& file) {
  if (descr == "<f4") return DType::F32;
  if (descr == "<f2") return DType::F16;
  if (descr == "|u1" || descr == "<u1") return DType::U8;
  if (!descr.empty() && descr[0] == '>') {
    fail_npy(file, "element type '" + descr + "' is big-endian: only little-endian data is supported, " + kExpectedTypes);
  }
  fail_npy(file, "element type '" + descr + "' is not supported: " + kExpectedTypes);
}

const char* descr_of(DType dtype) {
  switch (dtype) {
    case DType::F32: return "<f4";
    case DType::F16: return "<f2";
    case DType::U8: return "|u1";
    case DType::BF16: break;
  }
  fail(ErrorCode::InvalidArgument, std::string("write_npy: .npy has no element type for ") + dtype_name(dtype));
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

NpyArray parse_npy(const uint8_t* data, std::size_t size, const std::string& name) {
  if (data == nullptr && size > 0) fail(ErrorCode::InvalidArgument, name + ": no data for " + std::to_string(size) + " bytes");
  if (size < kMagicSize + 2 || std::memcmp(data, kMagic, kMagicSize) != 0) fail_npy(name, "not a .npy file");
  const uint8_t major = data[6];
  const uint8_t minor = data[7];
  if (major < 1 || major > 3 || minor != 0) {
    fail_npy(name, ".npy version " + std::to_string(major) + "." + std::to_string(minor) +
                       " is not supported (1.0, 2.0 and 3.0 are)");
  }
  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::size_t prefix = kMagicSize + 2 + length_size;
  if (size < prefix) fail_npy(name, "truncated: the header length is cut short");
  const uint64_t header_size = major == 1 ? load_u16(data + 8) : load_u32(data + 8);
  if (header_size > size - prefix) {
    fail_npy(name, "truncated: the header needs " + std::to_string(header_size) + " bytes, the file has " +
                       std::to_string(size - prefix) + " after the header length");
  }
  const std::string text(reinterpret_cast<const char*>(data + prefix), header_size);
  if (text.empty() || text.back() != '\n') fail_npy(name, "malformed header: it does not end with a newline");
  const Header header = HeaderParser(text.substr(0, text.size() - 1), name).parse();

  NpyArray array;
  array.dtype = parse_descr(header.descr, name);
  if (header.fortran_order) {
    fail_npy(name, "Fortran-order arrays are not supported: save a C-order array (np.ascontiguousarray)");
  }
  array.shape = header.shape;
  uint64_t numel = 0;
  uint64_t bytes = 0;
  if (!checked_numel(array.shape, &numel) || !checked_mul(numel, dtype_size(array.dtype), &bytes)) {
    fail_npy(name, "shape " + shape_text(array.shape) + " is too large");
  }
  const uint64_t available = size - prefix - header_size;
  if (available != bytes) {
    fail_npy(name, (available < bytes ? "truncated: " : "") + std::string("shape ") + shape_text(array.shape) + " of '" +
                       header.descr + "' needs " + std::to_string(bytes) + " bytes of data, the file has " +
                       std::to_string(available));
  }
  array.bytes.assign(data + prefix + header_size, data + size);
  return array;
}

NpyArray read_npy(const std::string& path) {
  const FileBytes file(path);
  return parse_npy(file.bytes().data, file.bytes().size, path);
}

void write_npy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data) {
  const char* descr = descr_of(dtype);
  uint64_t numel = 0;
  uint64_t bytes = 0;
  if (!checked_numel(shape, &numel) || !checked_mul(numel, dtype_size(dtype), &bytes)) {
    fail(ErrorCode::InvalidArgument, "write_npy: shape " + shape_text(shape) + " has a negative or overflowing size");
  }
  if (data == nullptr && bytes > 0) fail(ErrorCode::InvalidArgument, "write_npy: no data for shape " + shape_text(shape));

  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // numpy leaves room for the first dimension to grow to 21 digits, so that appending to
  // the array can rewrite the header in place; doing the same makes the file np.save's.
  if (!shape.empty()) header.append(kGrowthDigits - std::to_string(shape[0]).size(), ' ');
  // Version 1.0 stores the header length in 2 bytes; 2.0 is the same with 4.
  const bool wide = header.size() + kAlignment > 0xffff;
  const std::size_t prefix = kMagicSize + 2 + (wide ? 4 : 2);
  header.append(kAlignment - 1 - (prefix + header.size()) % kAlignment, ' ');
  header += '\n';

  std::string head(kMagic, kMagicSize);
  head += char(wide ? 2 : 1);
  head += '\0';
  for (std::size_t i = 0; i < (wide ? 4u : 2u); ++i) head += char((header.size() >> (8 * i)) & 0xff);
  FileWriter writer(path);
  writer.write(head.data(), head.size());
  writer.write(header.data(), header.size());
  writer.write(data, bytes);
  writer.finish();
}

}  // namespace ghostnet
