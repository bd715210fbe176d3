// safetensors reading and writing, against files built by hand from the format's
// description (an 8-byte little-endian header length, a JSON header, the data).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

std::string le64(uint64_t value) {
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += char((value >> (8 * i)) & 0xff);
  return bytes;
}

std::string safetensors(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

Checkpoint parse(const std::string& file, const CheckpointLimits& limits = {}) {
  return parse_checkpoint(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "test.safetensors", limits);
}

// The error parse() raises, or a failure when there is none.
Error parse_error(const std::string& file, const CheckpointLimits& limits = {}) {
  try {
    parse(file, limits);
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error for " << file.substr(8, 200);
  return Error(ErrorCode::Internal, "");
}

void expect_checkpoint_error(const std::string& file, const std::string& fragment) {
  const Error error = parse_error(file);
  EXPECT_EQ(error.code(), ErrorCode::Checkpoint) << error.what();
  EXPECT_NE(std::string(error.what()).find("test.safetensors: "), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "ghostnet_" + name;
}

const std::string kTwoFloats = std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);  // 1.0f, -2.0f

TEST(Safetensors, ReadsHandBuiltFile) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("h":{"dtype":"F16","shape":[1,1],"data_offsets":[8,10]},"n":{"dtype":"I64","shape":[],"data_offsets":[10,18]}}  )";
  const std::string data = kTwoFloats + std::string("\x00\xbc", 2) + std::string("\x07\0\0\0\0\0\0\0", 8);
  const Checkpoint checkpoint = parse(safetensors(header, data));
  EXPECT_EQ(checkpoint.format, CheckpointFormat::Safetensors);
  EXPECT_EQ(checkpoint.wrapper, "");
  EXPECT_FALSE(checkpoint.stripped_module_prefix);
  ASSERT_EQ(checkpoint.tensors.size(), 3u);

  const StoredTensor& w = checkpoint.tensors.at("w");
  EXPECT_EQ(w.type, StoredType::F32);
  EXPECT_EQ(w.shape, std::vector<int64_t>({2}));
  EXPECT_EQ(w.to_float(), std::vector<float>({1.0f, -2.0f}));
  const StoredTensor& h = checkpoint.tensors.at("h");
  EXPECT_EQ(h.type, StoredType::F16);
  EXPECT_EQ(h.shape, std::vector<int64_t>({1, 1}));
  EXPECT_EQ(h.to_float(), std::vector<float>({-1.0f}));  // 0xbc00
  const StoredTensor& n = checkpoint.tensors.at("n");
  EXPECT_EQ(n.type, StoredType::I64);
  EXPECT_TRUE(n.shape.empty());
  EXPECT_EQ(n.numel(), 1);
  EXPECT_EQ(n.bytes, std::vector<uint8_t>({7, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(n.is_floating());
  EXPECT_THROW(n.to_float(), Error);
}

TEST(Safetensors, ReadsEveryElementType) {
  const struct {
    const char* name;
    StoredType type;
    std::size_t size;
  } types[] = {{"F64", StoredType::F64, 8}, {"F32", StoredType::F32, 4}, {"F16", StoredType::F16, 2},
               {"BF16", StoredType::BF16, 2}, {"I64", StoredType::I64, 8}, {"I32", StoredType::I32, 4},
               {"I16", StoredType::I16, 2}, {"I8", StoredType::I8, 1}, {"U8", StoredType::U8, 1},
               {"BOOL", StoredType::Bool, 1}};
  for (const auto& type : types) {
    const std::string header = std::string(R"({"t":{"dtype":")") + type.name + R"(","shape":[3],"data_offsets":[0,)" +
                               std::to_string(3 * type.size) + "]}}";
    const Checkpoint checkpoint = parse(safetensors(header, std::string(3 * type.size, '\x01')));
    EXPECT_EQ(checkpoint.tensors.at("t").type, type.type) << type.name;
    EXPECT_EQ(stored_type_name(type.type), std::string(type.name));
    EXPECT_EQ(stored_type_size(type.type), type.size);
  }
}

TEST(Safetensors, FloatConversions) {
  StoredTensor bf16;
  bf16.type = StoredType::BF16;
  bf16.shape = {2};
  bf16.bytes = {0x80, 0x3f, 0x40, 0xc0};  // 1.0, -3.0
  EXPECT_EQ(bf16.to_float(), std::vector<float>({1.0f, -3.0f}));
  StoredTensor f64;
  f64.type = StoredType::F64;
  f64.shape = {1};
  f64.bytes = {0, 0, 0, 0, 0, 0, 0xf8, 0x3f};  // 1.5
  EXPECT_EQ(f64.to_float(), std::vector<float>({1.5f}));
}

TEST(Safetensors, WritesSortedAlignedPaddedHeader) {
  StateDict tensors;
  tensors["b"] = {StoredType::F32, {2}, std::vector<uint8_t>(kTwoFloats.begin(), kTwoFloats.end())};
  tensors["a"] = {StoredType::F16, {}, {0x00, 0x3c}};
  tensors["c"] = {StoredType::U8, {3}, {1, 2, 3}};
  const std::string path = temp_path("written.safetensors");
  write_safetensors(path, tensors);

  // Keys sorted; data by decreasing element size, so the F32 tensor comes first.
  std::string header =
      R"({"a":{"data_offsets":[8,10],"dtype":"F16","shape":[]},"b":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
      R"("c":{"data_offsets":[10,13],"dtype":"U8","shape":[3]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  const std::string expected = le64(header.size()) + header + kTwoFloats + std::string("\x00\x3c\x01\x02\x03", 5);
  EXPECT_EQ(read_file(path), expected);
  EXPECT_EQ(header.size() % 8, 0u);

  const Checkpoint back = read_checkpoint(path);
  ASSERT_EQ(back.tensors.size(), 3u);
  for (const auto& item : tensors) {
    const StoredTensor& read = back.tensors.at(item.first);
    EXPECT_EQ(read.type, item.second.type) << item.first;
    EXPECT_EQ(read.shape, item.second.shape) << item.first;
    EXPECT_EQ(read.bytes, item.second.bytes) << item.first;
  }
  std::remove(path.c_str());
}

TEST(Safetensors, RoundTripsEveryTypeAndEmptyTensors) {
  StateDict tensors;
  const StoredType types[] = {StoredType::F64, StoredType::F32, StoredType::F16, StoredType::BF16, StoredType::I64,
                              StoredType::I32, StoredType::I16, StoredType::I8,  StoredType::U8,   StoredType::Bool};
  uint8_t next = 0;
  for (StoredType type : types) {
    StoredTensor tensor{type, {2, 3}, {}};
    for (std::size_t i = 0; i < 6 * stored_type_size(type); ++i) tensor.bytes.push_back(next++);
    tensors[std::string("t_") + stored_type_name(type)] = tensor;
  }
  tensors["empty"] = {StoredType::F32, {0, 4}, {}};
  tensors["module.odd name \xc3\xa9"] = {StoredType::U8, {1}, {9}};
  const std::string path = temp_path("roundtrip.safetensors");
  write_safetensors(path, tensors);
  const Checkpoint back = read_checkpoint(path);
  EXPECT_FALSE(back.stripped_module_prefix);
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (const auto& item : tensors) {
    const StoredTensor& read = back.tensors.at(item.first);
    EXPECT_EQ(read.type, item.second.type) << item.first;
    EXPECT_EQ(read.shape, item.second.shape) << item.first;
    EXPECT_EQ(read.bytes, item.second.bytes) << item.first;
  }
  std::remove(path.c_str());

  write_safetensors(path, {});
  EXPECT_EQ(read_file(path), le64(8) + "{}      ");
  EXPECT_TRUE(read_checkpoint(path).tensors.empty());
  std::remove(path.c_str());
}

TEST(Safetensors, WriteRefusesInconsistentTensors) {
  const std::string path = temp_path("refused.safetensors");
  const auto code_of = [&](const StateDict& tensors) {
    try {
      write_safetensors(path, tensors);
    } catch (const Error& error) {
      return error.code();
    }
    return ErrorCode::Internal;
  };
  EXPECT_EQ(code_of({{"x", {StoredType::F32, {2}, {1, 2, 3}}}}), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of({{"x", {StoredType::F32, {-1}, {}}}}), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of({{"__metadata__", {StoredType::U8, {1}, {1}}}}), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of({{"bad \xff utf-8", {StoredType::U8, {1}, {1}}}}), ErrorCode::InvalidArgument);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  EXPECT_EQ(file, nullptr) << "a refused write leaves no file";
  if (file != nullptr) std::fclose(file);
  try {
    write_safetensors("/nonexistent-dir/x.safetensors", {});
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find("/nonexistent-dir/x.safetensors"), std::string::npos);
  }
}

TEST(Safetensors, StripsModulePrefixOnlyWhenEveryKeyHasIt) {
  const std::string both =
      R"({"module.a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"module.b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})";
  const Checkpoint stripped = parse(safetensors(both, "\x01\x02"));
  EXPECT_TRUE(stripped.stripped_module_prefix);
  ASSERT_EQ(stripped.tensors.size(), 2u);
  EXPECT_EQ(stripped.tensors.at("a").bytes, std::vector<uint8_t>({1}));
  EXPECT_EQ(stripped.tensors.at("b").bytes, std::vector<uint8_t>({2}));

  const std::string one =
      R"({"module.a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})";
  const Checkpoint kept = parse(safetensors(one, "\x01\x02"));
  EXPECT_FALSE(kept.stripped_module_prefix);
  EXPECT_EQ(kept.tensors.count("module.a"), 1u);
}

const std::string kValidHeader =
    R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[2,1],"data_offsets":[8,10]}})";
const std::string kValidData = kTwoFloats + "\x05\x06";

TEST(Safetensors, EveryPrefixOfAValidFileIsAnError) {
  const std::string file = safetensors(kValidHeader, kValidData);
  ASSERT_EQ(parse(file).tensors.size(), 2u);
  for (std::size_t size = 0; size < file.size(); ++size) {
    const std::string prefix = file.substr(0, size);
    EXPECT_THROW(parse_checkpoint(reinterpret_cast<const uint8_t*>(prefix.data()), size, "cut", {}), Error)
        << "prefix of " << size << " bytes";
  }
}

TEST(Safetensors, RefusesHeaderLengthBeyondFile) {
  const std::string file = le64(1000) + kValidHeader + kValidData;
  expect_checkpoint_error(file, "truncated");
  expect_checkpoint_error(le64(~uint64_t(0)) + "{}", "truncated");
}

TEST(Safetensors, RefusesBadLayouts) {
  expect_checkpoint_error(
      safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}})",
                  kTwoFloats),
      "'a' and 'b' overlap");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})", "xyz"),
                          "bytes 0 to 1 belong to no tensor");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "xyz"),
                          "1 bytes after the last tensor");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,0]}})", "xy"),
                          "run backwards");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", "xy"),
                          "truncated: safetensors tensor 'a' needs data bytes [0, 4], the data section has 2");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", kTwoFloats),
                          "needs 12 bytes");
}

TEST(Safetensors, RefusesOverflowingShapes) {
  // 2^32 * 2^32 elements wraps to 0 in 64 bits; 2^62 F32 elements wrap to 0 bytes.
  expect_checkpoint_error(
      safetensors(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""), "overflows");
  expect_checkpoint_error(
      safetensors(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", ""), "overflows");
  expect_checkpoint_error(
      safetensors(R"({"a":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})", ""),
      "not a non-negative integer");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", ""),
                          "not a non-negative integer");
  expect_checkpoint_error(
      safetensors(R"({"a":{"dtype":"U8","shape":[1e3],"data_offsets":[0,1000]}})", std::string(1000, 'x')),
      "not a non-negative integer");
}

TEST(Safetensors, RefusesMalformedEntries) {
  const auto entry = [](const std::string& body) { return safetensors("{\"a\":" + body + "}", "xy"); };
  expect_checkpoint_error(entry(R"({"dtype":"U8","shape":[2]})"), "needs the fields");
  expect_checkpoint_error(entry(R"({"dtype":"U8","shape":[2],"data_offsets":[0,2],"x":1})"), "unknown field 'x'");
  expect_checkpoint_error(entry(R"({"dtype":"U4","shape":[2],"data_offsets":[0,2]})"), "dtype \"U4\"");
  expect_checkpoint_error(entry(R"({"dtype":8,"shape":[2],"data_offsets":[0,2]})"), "dtype 8");
  expect_checkpoint_error(entry(R"({"dtype":"U8","shape":2,"data_offsets":[0,2]})"), "shape is not an array");
  expect_checkpoint_error(entry(R"({"dtype":"U8","shape":[2],"data_offsets":[0,1,2]})"), "needs 2 values");
  expect_checkpoint_error(entry(R"({"dtype":"U8","shape":[2],"data_offsets":["0","2"]})"), "not a non-negative");
  expect_checkpoint_error(entry(R"([1,2])"), "not an object");
  expect_checkpoint_error(safetensors(R"({"__metadata__":{"a":1}})", ""), "'__metadata__' entry 'a'");
  expect_checkpoint_error(safetensors(R"({"__metadata__":[]})", ""), "'__metadata__' is not an object");
}

TEST(Safetensors, RefusesMalformedJson) {
  expect_checkpoint_error(safetensors(R"({"a":)", ""), "not valid JSON");
  expect_checkpoint_error(safetensors("{\"a\xff\":1}", ""), "not valid JSON");
  expect_checkpoint_error(safetensors(std::string("{}\0\0", 4), ""), "NUL byte");
  expect_checkpoint_error(
      safetensors(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                  "xy"),
      "repeats the key 'a'");
  expect_checkpoint_error(safetensors(R"({"a":{"dtype":"U8","dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "xy"),
                          "repeats the key 'dtype'");
}

TEST(Safetensors, RefusesDeepNestingWithoutRecursingThroughIt) {
  expect_checkpoint_error(safetensors(R"({"a":{"shape":[[1]]}})", ""), "nests deeper");
  expect_checkpoint_error(safetensors(R"({"__metadata__":{"a":{"b":{}}}})", ""), "nests deeper");
  const std::size_t depth = 1000000;
  expect_checkpoint_error(safetensors("{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}", ""),
                          "nests deeper");
}

TEST(Safetensors, EnforcesLimitsBeforeAllocating) {
  const std::string file = safetensors(kValidHeader, kValidData);
  CheckpointLimits per_tensor;
  per_tensor.max_tensor_bytes = 7;
  Error error = parse_error(file, per_tensor);
  EXPECT_EQ(error.code(), ErrorCode::OutOfMemory);
  EXPECT_NE(std::string(error.what()).find("tensor 'a' needs 8 bytes"), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find("limit of 7 bytes"), std::string::npos) << error.what();

  CheckpointLimits total;
  total.max_total_bytes = 9;
  error = parse_error(file, total);
  EXPECT_EQ(error.code(), ErrorCode::OutOfMemory);
  EXPECT_NE(std::string(error.what()).find("tensor 'b'"), std::string::npos) << error.what();

  total.max_total_bytes = 10;
  EXPECT_EQ(parse(file, total).tensors.size(), 2u);
}

}  // namespace
}  // namespace ghostnet
