// .npy reading and writing, against bytes numpy 1.24's np.save writes (copied here) and
// files built by hand from numpy/lib/format.py's description.
#include "ghostnet/npy.h"

#include <gtest/gtest.h>

#include "fixtures.h"
#include "test_bytes.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ghostnet/error.h"

namespace ghostnet {
namespace {

using testing::le;

// A version 1.0 file as np.save writes it: the dict padded with spaces to `header_size`
// bytes including the closing newline.
std::string npy_v1(const std::string& dict, std::size_t header_size, const std::string& data) {
  return std::string("\x93NUMPY\x01\x00", 8) + le(header_size, 2) + dict + std::string(header_size - 1 - dict.size(), ' ') +
         "\n" + data;
}

std::string npy(int major, const std::string& dict, const std::string& data) {
  const std::string header = dict + "\n";
  return std::string("\x93NUMPY", 6) + char(major) + '\0' + le(header.size(), major == 1 ? 2 : 4) + header + data;
}

NpyArray parse(const std::string& file) {
  return parse_npy(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "x.npy");
}

void expect_error(const std::string& file, const std::string& fragment) {
  try {
    parse(file);
    ADD_FAILURE() << "no error for " << fragment;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument) << error.what();
    EXPECT_EQ(std::string(error.what()).rfind("x.npy: ", 0), 0u) << error.what();
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << error.what();
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kF32Dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
const std::vector<float> kSix = {0, 1, 2, 3, 4, 5};

std::string six_floats() {
  std::string bytes(24, '\0');
  std::memcpy(&bytes[0], kSix.data(), 24);
  return bytes;
}

TEST(Npy, ReadsWhatNumpyWrites) {
  const NpyArray array = parse(npy_v1(kF32Dict, 118, six_floats()));
  EXPECT_EQ(array.dtype, DType::F32);
  EXPECT_EQ(array.shape, std::vector<int64_t>({2, 3}));
  ASSERT_EQ(array.bytes.size(), 24u);
  EXPECT_EQ(std::memcmp(array.bytes.data(), kSix.data(), 24), 0);

  const NpyArray half = parse(npy_v1("{'descr': '<f2', 'fortran_order': False, 'shape': (), }", 118, std::string("\x00\x3c", 2)));
  EXPECT_EQ(half.dtype, DType::F16);
  EXPECT_TRUE(half.shape.empty());
  EXPECT_EQ(half.bytes, std::vector<uint8_t>({0x00, 0x3c}));

  const NpyArray bytes = parse(npy_v1("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", 118, "\x01\x02\x03"));
  EXPECT_EQ(bytes.dtype, DType::U8);
  EXPECT_EQ(bytes.shape, std::vector<int64_t>({3}));
  EXPECT_EQ(bytes.bytes, std::vector<uint8_t>({1, 2, 3}));
}

TEST(Npy, ReadsVersions2And3AndOtherSpellings) {
  for (int major : {1, 2, 3}) {
    const NpyArray array = parse(npy(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", six_floats().substr(0, 8)));
    EXPECT_EQ(array.shape, std::vector<int64_t>({2})) << major;
  }
  // Key order, double quotes, no trailing comma, '<u1', empty arrays.
  const NpyArray array = parse(npy(1, R"({"shape": (0, 4,), "fortran_order": False, "descr": "<u1"})", ""));
  EXPECT_EQ(array.dtype, DType::U8);
  EXPECT_EQ(array.shape, std::vector<int64_t>({0, 4}));
  EXPECT_TRUE(array.bytes.empty());
}

TEST(Npy, ReadsTheFixtureInputs) {
  const NpyArray input = read_npy(testing::fixture("inputs/input_64x48_b2_s41.npy"));
  EXPECT_EQ(input.dtype, DType::F32);
  EXPECT_EQ(input.shape, std::vector<int64_t>({2, 3, 64, 48}));
  EXPECT_EQ(input.bytes.size(), 2u * 3 * 64 * 48 * 4);
}

TEST(Npy, WritesExactlyWhatNumpyWrites) {
  const std::string path = ::testing::TempDir() + "ghostnet_written.npy";
  write_npy(path, DType::F32, {2, 3}, kSix.data());
  EXPECT_EQ(read_file(path), npy_v1(kF32Dict, 118, six_floats()));

  const uint16_t one = 0x3c00;
  write_npy(path, DType::F16, {}, &one);
  EXPECT_EQ(read_file(path), npy_v1("{'descr': '<f2', 'fortran_order': False, 'shape': (), }", 118, std::string("\x00\x3c", 2)));

  const uint8_t three[] = {1, 2, 3};
  write_npy(path, DType::U8, {3}, three);
  EXPECT_EQ(read_file(path), npy_v1("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", 118, "\x01\x02\x03"));
  const NpyArray back = read_npy(path);
  EXPECT_EQ(back.dtype, DType::U8);
  EXPECT_EQ(back.bytes, std::vector<uint8_t>({1, 2, 3}));

  write_npy(path, DType::F32, {0, 7}, nullptr);
  EXPECT_EQ(read_npy(path).shape, std::vector<int64_t>({0, 7}));
  std::remove(path.c_str());
}

TEST(Npy, WriteRefusesWhatNpyCannotHold) {
  const std::string path = ::testing::TempDir() + "ghostnet_refused.npy";
  const float value = 1;
  EXPECT_THROW(write_npy(path, DType::BF16, {1}, &value), Error);
  EXPECT_THROW(write_npy(path, DType::F32, {-1}, &value), Error);
  EXPECT_THROW(write_npy(path, DType::F32, {1}, nullptr), Error);
  EXPECT_THROW(write_npy("/nonexistent-dir/x.npy", DType::F32, {1}, &value), Error);
}

TEST(Npy, RefusesOtherElementTypesNamingThem) {
  const auto with_descr = [](const std::string& descr) {
    return npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'));
  };
  expect_error(with_descr("<f8"),
               "x.npy: element type '<f8' is not supported: expected '<f4' (float32), '<f2' (float16) or '|u1' (uint8)");
  expect_error(with_descr("<i8"), "element type '<i8' is not supported");
  expect_error(with_descr("|b1"), "element type '|b1' is not supported");
  expect_error(with_descr(">f4"), "element type '>f4' is big-endian");
}

TEST(Npy, RefusesFortranOrder) {
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six_floats()),
               "Fortran-order arrays are not supported");
}

TEST(Npy, RefusesMalformedHeaders) {
  const std::string data = six_floats();
  expect_error(npy(1, "{'descr': '<f4', 'shape': (2, 3), }", data), "expected the keys");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", data), "unknown key 'x'");
  expect_error(npy(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", data), "repeated key");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", data), "expected True or False");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (24)}", data), "needs a trailing comma");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3)}", data), "non-negative integer");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", data), "expected '('");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", data), "after the dict");
  expect_error(npy(1, "{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2, 3)}", data), "escapes");
  expect_error(npy(1, "{'descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}", data), "expected ':'");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", ""), "overflows");
  expect_error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", ""), "too large");
  std::string no_newline = npy(1, kF32Dict, data);
  no_newline[10 + kF32Dict.size()] = ' ';
  expect_error(no_newline, "does not end with a newline");
}

TEST(Npy, RefusesBadPrefixesAndSizes) {
  const std::string good = npy_v1(kF32Dict, 118, six_floats());
  expect_error("\x93NUMPX" + good.substr(6), "not a .npy file");
  std::string version = good;
  version[6] = 4;
  expect_error(version, ".npy version 4.0 is not supported");
  version[6] = 1;
  version[7] = 1;
  expect_error(version, ".npy version 1.1");
  expect_error(good + "x", "needs 24 bytes of data, the file has 25");
  expect_error(good.substr(0, good.size() - 1), "truncated: shape (2, 3) of '<f4' needs 24 bytes of data, the file has 23");
  std::string long_header = good;
  long_header[8] = char(0xff);
  expect_error(long_header, "truncated: the header needs");
  for (std::size_t size = 0; size < good.size(); ++size) {
    EXPECT_THROW(parse(good.substr(0, size)), Error) << "prefix of " << size << " bytes";
  }
}

TEST(Npy, ReadNpyNamesMissingFiles) {
  try {
    read_npy("/nonexistent/input.npy");
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find("/nonexistent/input.npy"), std::string::npos);
  }
}

}  // namespace
}  // namespace ghostnet
