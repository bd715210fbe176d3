// Absurd and hostile sizes: each is refused with a clear error before
// anything is allocated for it, and no input makes a reader's work or memory grow faster
// than its size: no out-of-memory kill and no hang.
//
// The quadratic cases below (a memoized tuple reused as the size of many tensors, a long
// key reused many times, zip entries whose data overlap) were found by reading the readers
// for work that is not paid for by bytes of the file.
#include <gtest/gtest.h>

#include "test_bytes.h"
#include "test_zip.h"

#include <chrono>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"
#include "graph/graph.h"
#include "graph/plan.h"

namespace ghostnet {
namespace {

using testing::le;
using testing::make_stored_zip;

// ---- helpers --------------------------------------------------------------------------

Error error_of(const std::string& file, const CheckpointLimits& limits = {}) {
  try {
    parse_checkpoint(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "limits.bin", limits);
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorCode::Internal, "");
}

void expect_error(const std::string& file, ErrorCode code, const std::string& fragment,
                  const CheckpointLimits& limits = {}) {
  const Error error = error_of(file, limits);
  EXPECT_EQ(error.code(), code) << error.what();
  EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << error.what();
}

void expect_npy_error(const std::string& file, const std::string& fragment) {
  try {
    parse_npy(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "limits.npy");
    ADD_FAILURE() << "no error for " << fragment;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument) << error.what();
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << error.what();
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A pickle written opcode by opcode (CPython's pickletools names them).
struct Pickle {
  std::string bytes = "\x80\x02";
  Pickle& op(char code) { bytes += code; return *this; }
  Pickle& raw(const std::string& more) { bytes += more; return *this; }
  Pickle& str(const std::string& text) { return op('X').raw(le(text.size(), 4)).raw(text); }  // BINUNICODE
  Pickle& small(int value) { return op('K').raw(le(uint64_t(value), 1)); }                     // BININT1
  Pickle& global(const std::string& module, const std::string& name) { return op('c').raw(module + "\n" + name + "\n"); }
  Pickle& put(int index) { return op('q').raw(le(uint64_t(index), 1)); }  // BINPUT
  Pickle& get(int index) { return op('h').raw(le(uint64_t(index), 1)); }  // BINGET
  // ('storage', torch.<type>, key, 'cpu', numel), then BINPERSID.
  Pickle& storage(const std::string& type, const std::string& key, int numel) {
    op('(').str("storage").global("torch", type).str(key).str("cpu").op('J').raw(le(uint64_t(numel), 4)).op('t');
    return op('Q');
  }
  Pickle& stop() { return op('.'); }
};

std::string torch_zip(const std::string& pickle, const std::vector<std::pair<std::string, std::string>>& storages) {
  std::vector<std::pair<std::string, std::string>> entries = {{"archive/data.pkl", pickle}};
  for (const auto& storage : storages) entries.push_back({"archive/data/" + storage.first, storage.second});
  return make_stored_zip(entries);
}

const std::string kOneFloat = std::string("\x00\x00\x80\x3f", 4);

std::string safetensors(const std::string& header, const std::string& data) { return le(header.size(), 8) + header + data; }

std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  const std::string header = dict + "\n";
  return std::string("\x93NUMPY", 6) + char(major) + '\0' + le(header.size(), major == 1 ? 2 : 4) + header + data;
}

// ---- a header length beyond the file --------------------------------------------------

TEST(Limits, HeaderLengthsBeyondTheFileAreRefused) {
  expect_error(le(uint64_t(1) << 62, 8) + "{}", ErrorCode::Checkpoint,
               "truncated: the safetensors header length says 4611686018427387904 bytes, the file has 2");
  expect_npy_error(std::string("\x93NUMPY\x01\x00", 8) + le(0xffff, 2) + "{}\n", "truncated: the header needs 65535 bytes");
  expect_npy_error(std::string("\x93NUMPY\x02\x00", 8) + le(0xffffffff, 4) + "{}\n", "truncated: the header needs 4294967295");
  // The zip central directory said to lie beyond the end of the file.
  std::string zip = torch_zip(Pickle().op('}').stop().bytes, {});
  const std::size_t end = zip.size() - 22;
  zip.replace(end + 12, 4, le(0x7fffffff, 4));
  expect_error(zip, ErrorCode::Checkpoint, "the central directory (2147483647 bytes at offset");
}

// ---- offsets outside the file or overlapping --------------------------------------------

TEST(Limits, OffsetsOutsideTheFileAreRefused) {
  expect_error(safetensors(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[18446744073709551608,18446744073709551615]}})", ""),
               ErrorCode::Checkpoint, "not a non-negative integer");
  expect_error(safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[9223372036854775806,9223372036854775807]}})", "ab"),
               ErrorCode::Checkpoint, "truncated: safetensors tensor 'a' needs data bytes");
  // A zip entry whose local header, or whose data, lies outside the file.
  const std::string pickle = Pickle().op('}').stop().bytes;
  std::string zip = torch_zip(pickle, {});
  const std::size_t directory = zip.find(std::string("PK\x01\x02", 4));
  std::string moved = zip;
  moved.replace(directory + 42, 4, le(0x7ffffff0, 4));
  expect_error(moved, ErrorCode::Checkpoint, "no local header for zip entry 'archive/data.pkl'");
  std::string longer = zip;
  longer.replace(directory + 20, 4, le(0x7ffffff0, 4));
  longer.replace(directory + 24, 4, le(0x7ffffff0, 4));
  expect_error(longer, ErrorCode::Checkpoint, "truncated: zip entry 'archive/data.pkl' needs 2147483632 bytes");
}

TEST(Limits, OverlappingTensorsAreRefused) {
  expect_error(safetensors(R"({"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"U8","shape":[3],"data_offsets":[1,4]}})",
                           "abcd"),
               ErrorCode::Checkpoint, "safetensors tensors 'a' and 'b' overlap");
}

// Zip entries whose data overlap would let one region of the file be read, and its CRC
// computed, once per entry: work growing with entries x file size. Each entry must end
// before the next one begins.
TEST(Limits, OverlappingZipEntriesAreRefused) {
  // 500 entries over 256 KiB: the reader would compute CRCs over 128 MiB (the test does, to
  // build the file); ten times both would take it 100 times as long.
  const std::string blob(1 << 18, 'x');
  const int kEntries = 500;
  std::vector<std::string> names;
  std::vector<uint64_t> header_offsets;
  std::string body;
  for (int i = 0; i < kEntries; ++i) {
    names.push_back("archive/data/" + std::to_string(i));
    header_offsets.push_back(body.size());
    body += testing::zip_local_header(names.back(), 0, 0);
  }
  body += blob;
  // Entry i's data runs from the end of its local header to the end of the blob, over the
  // local headers of the entries after it, which are final by the time its CRC is taken.
  std::vector<uint32_t> crcs(names.size());
  std::vector<uint64_t> sizes(names.size());
  for (std::size_t i = names.size(); i-- > 0;) {
    const uint64_t data = header_offsets[i] + 30 + names[i].size();
    sizes[i] = body.size() - data;
    crcs[i] = crc32({reinterpret_cast<const uint8_t*>(body.data()) + data, sizes[i]});
    body.replace(header_offsets[i], 30 + names[i].size(), testing::zip_local_header(names[i], crcs[i], sizes[i]));
  }
  // The pickle: {"t<i>": a one-byte tensor of storage i}, and the central directory.
  Pickle p;
  p.op('}').op('(');
  for (int i = 0; i < kEntries; ++i) {
    p.str("t" + std::to_string(i)).global("torch._utils", "_rebuild_tensor_v2").op('(');
    p.storage("ByteStorage", std::to_string(i), int(sizes[std::size_t(i)])).small(0).op('(').small(1).op('t');
    p.op('(').small(1).op('t').op('\x89').op('}').op('t').op('R');
  }
  p.op('u').stop();
  const uint64_t pickle_offset = body.size();
  body += testing::zip_local_header("archive/data.pkl", testing::crc_of(p.bytes), p.bytes.size()) + p.bytes;
  std::string directory;
  for (std::size_t i = 0; i < names.size(); ++i) {
    directory += testing::zip_central_header(names[i], crcs[i], sizes[i], header_offsets[i]);
  }
  directory += testing::zip_central_header("archive/data.pkl", testing::crc_of(p.bytes), p.bytes.size(), pickle_offset);
  const uint64_t directory_offset = body.size();
  const std::string zip = body + directory + testing::zip_end_record(names.size() + 1, directory.size(), directory_offset);

  const auto start = std::chrono::steady_clock::now();
  expect_error(zip, ErrorCode::Checkpoint, "overlaps the zip entry");
  EXPECT_LT(seconds_since(start), 5.0) << "reading " << zip.size() << " bytes";
}

// ---- element counts and shapes that overflow --------------------------------------------

TEST(Limits, ByteSizesThatOverflowAreRefused) {
  // 2^62 F32 elements: the element count fits, its byte size does not.
  expect_error(safetensors(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", ""),
               ErrorCode::Checkpoint, "has a shape whose size overflows");
  expect_npy_error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", ""),
                   "shape (4611686018427387904,) is too large");
  // A torch storage of 2^62 F32 elements (LONG1 8-byte count): refused before it is looked up.
  Pickle p;
  p.op('}').str("a").global("torch._utils", "_rebuild_tensor_v2").op('(');
  p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu");
  p.op('\x8a').raw(le(8, 1)).raw(le(uint64_t(1) << 62, 8)).op('t').op('Q');
  p.small(0).op('(').small(1).op('t').op('(').small(1).op('t').op('\x89').op('}').op('t').op('R').op('s').stop();
  expect_error(torch_zip(p.bytes, {{"0", kOneFloat}}), ErrorCode::Checkpoint, "storage '0' has a size that overflows");
}

TEST(Limits, ShapesWhoseProductOverflowsAreRefused) {
  expect_error(safetensors(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296,2],"data_offsets":[0,0]}})", ""),
               ErrorCode::Checkpoint, "overflows");
  expect_npy_error(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", ""), "too large");
  Pickle p;
  p.op('}').str("a").global("torch._utils", "_rebuild_tensor_v2").op('(').storage("FloatStorage", "0", 1).small(0);
  p.op('(').op('J').raw(le(1 << 30, 4)).op('J').raw(le(1 << 30, 4)).op('J').raw(le(1 << 30, 4)).op('t');
  p.op('(').small(0).small(0).small(0).op('t').op('\x89').op('}').op('t').op('R').op('s').stop();
  expect_error(torch_zip(p.bytes, {{"0", kOneFloat}}), ErrorCode::Checkpoint, "tensor 'a' has a size [1073741824, 1073741824, 1073741824] that overflows");
}

// ---- tensors larger than the configured limits -------------------------------------------

TEST(Limits, TensorsBeyondTheConfiguredLimitAreRefusedBeforeAllocating) {
  // One float expanded (stride 0) to 2^20 x 2^20: 4 TiB from a file of a few hundred bytes.
  Pickle p;
  p.op('}').str("huge").global("torch._utils", "_rebuild_tensor_v2").op('(').storage("FloatStorage", "0", 1).small(0);
  p.op('(').op('J').raw(le(1 << 20, 4)).op('J').raw(le(1 << 20, 4)).op('t').op('(').small(0).small(0).op('t');
  p.op('\x89').op('}').op('t').op('R').op('s').stop();
  const std::string file = torch_zip(p.bytes, {{"0", kOneFloat}});
  expect_error(file, ErrorCode::OutOfMemory, "tensor 'huge' needs 4398046511104 bytes, more than the limit of 1073741824");  // the 1 GiB default
  CheckpointLimits limits;
  limits.max_tensor_bytes = 1000;
  expect_error(safetensors(R"({"a":{"dtype":"U8","shape":[1001],"data_offsets":[0,1001]}})", std::string(1001, 'x')),
               ErrorCode::OutOfMemory, "tensor 'a' needs 1001 bytes, more than the limit of 1000 bytes per tensor", limits);
}

TEST(Limits, ModelLoadAppliesTheConfiguredLimit) {
  ModelOptions options;
  options.limits.max_tensor_bytes = 1024;
  try {
    Model::load(testing::fixture("formats/small_f32.safetensors"), Device::host(), options);
    ADD_FAILURE() << "loaded past the limit";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::OutOfMemory) << error.what();
    EXPECT_NE(std::string(error.what()).find("more than the limit of 1024 bytes per tensor"), std::string::npos) << error.what();
  }
}

// ---- work and memory grow with the file, not faster ---------------------------------------

// A size tuple of many dimensions, memoized once and reused by many tensors, would cost
// memory in proportion to dimensions x tensors. Ranks are bounded.
TEST(Limits, TensorRanksAreBounded) {
  const auto rebuild_with_rank = [](int rank, int tensors) {
    Pickle p;
    p.op('}').str("list").op(']').op('(');
    p.global("torch._utils", "_rebuild_tensor_v2").put(0).op('(').storage("FloatStorage", "0", 1).put(1).small(0);
    p.op('(');
    for (int i = 0; i < rank; ++i) p.small(1);
    p.op('t').put(2).get(2).op('\x89').op('}').put(3).op('t').op('R');
    for (int i = 1; i < tensors; ++i) p.get(0).op('(').get(1).small(0).get(2).get(2).op('\x89').get(3).op('t').op('R');
    return torch_zip(p.op('e').op('s').stop().bytes, {{"0", kOneFloat}});
  };
  const std::string ok = rebuild_with_rank(64, 20000);
  EXPECT_NO_THROW(parse_checkpoint(reinterpret_cast<const uint8_t*>(ok.data()), ok.size(), "ok", {}));
  const auto start = std::chrono::steady_clock::now();
  expect_error(rebuild_with_rank(100000, 20000), ErrorCode::Checkpoint, "a tensor's size has 100000 dimensions, more than 64");
  EXPECT_LT(seconds_since(start), 5.0);
}

// One long key, memoized and set many times: the last value wins, as in Python, and each
// repeat costs a lookup by value, not a comparison of the whole key.
TEST(Limits, RepeatedLongKeysCostNoMoreThanTheirBytes) {
  const std::string key(1 << 20, 'k');
  const int kRepeats = 1 << 18;
  Pickle p;
  p.op('}').op('(').str(key).put(0);
  p.global("torch._utils", "_rebuild_tensor_v2").op('(').storage("FloatStorage", "0", 1).small(0);
  p.op('(').small(1).op('t').op('(').small(1).op('t').op('\x89').op('}').op('t').op('R').put(1);
  for (int i = 0; i < kRepeats; ++i) p.get(0).get(1);
  const std::string file = torch_zip(p.op('u').stop().bytes, {{"0", kOneFloat}});
  const auto start = std::chrono::steady_clock::now();
  const Checkpoint checkpoint = parse_checkpoint(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "keys", {});
  EXPECT_LT(seconds_since(start), 5.0) << "reading " << file.size() << " bytes";
  ASSERT_EQ(checkpoint.tensors.size(), 1u);
  EXPECT_EQ(checkpoint.tensors.begin()->first.size(), key.size());
}

// One persistent id with a long storage key, memoized and loaded many times.
TEST(Limits, RepeatedLongStorageKeysCostNoMoreThanTheirBytes) {
  const std::string key(1 << 20, 's');
  const int kRepeats = 1 << 17;
  Pickle p;
  p.op('}').str("list").op(']').op('(');
  p.op('(').str("storage").global("torch", "FloatStorage").str(key).str("cpu").small(1).op('t').put(0).op('Q');
  for (int i = 0; i < kRepeats; ++i) p.get(0).op('Q');
  const std::string file = torch_zip(p.op('e').op('s').stop().bytes, {});
  const auto start = std::chrono::steady_clock::now();
  const Checkpoint checkpoint = parse_checkpoint(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "storages", {});
  EXPECT_LT(seconds_since(start), 5.0) << "reading " << file.size() << " bytes";
  EXPECT_TRUE(checkpoint.tensors.empty());
}

// ---- batch x height x width beyond what the kernels index ----------------------------------

class LimitsForward : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new Model(Model::load(testing::fixture("formats/small_f32.safetensors"), Device::host()));
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  // A forward of a borrowed input of `shape` over a few bytes: it must be refused before
  // the kernels read past those bytes or any workspace is allocated.
  static Error forward_error(const std::vector<int64_t>& shape, Layout layout) {
    static float tiny[16] = {};
    const Tensor input = Tensor::borrow(tiny, Device::host(), DType::F32, shape, layout);
    static float logits[16] = {};
    Tensor output = Tensor::borrow(logits, Device::host(), DType::F32, {shape[0], model_->num_classes()}, Layout::RowMajor);
    ExecutionContext context = model_->create_context();
    try {
      context.forward(input, output);
    } catch (const Error& error) {
      return error;
    }
    ADD_FAILURE() << "a forward of " << input.describe() << " ran";
    return Error(ErrorCode::Internal, "");
  }
  static Model* model_;
};
Model* LimitsForward::model_ = nullptr;

TEST_F(LimitsForward, ActivationsBeyondTheKernelsIndexAreRefused) {
  // 2^20 x 2^20 pixels of 3 channels: 3 * 2^40 elements in the input alone.
  Error error = forward_error({1, 3, 1 << 20, 1 << 20}, Layout::NCHW);
  EXPECT_EQ(error.code(), ErrorCode::InvalidArgument) << error.what();
  EXPECT_NE(std::string(error.what()).find("beyond what the kernels index"), std::string::npos) << error.what();
  // The batch alone: 2^39 images of 2x2 (only 16 logits' worth of output memory is borrowed
  // for it, which the forward must never reach).
  error = forward_error({int64_t(1) << 39, 2, 2, 3}, Layout::NHWC);
  EXPECT_NE(std::string(error.what()).find("beyond what the kernels index"), std::string::npos) << error.what();
}

TEST_F(LimitsForward, HeightsAndWidthsBeyondIntAreRefusedNotTruncated) {
  // 2^32 + 8 rows would be taken for 8 if the size were narrowed to int: the kernels would
  // then read 8 rows of an input that is not there.
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{1, 3, (int64_t(1) << 32) + 8, 8}, std::vector<int64_t>{1, 3, 8, (int64_t(1) << 32) + 8},
        std::vector<int64_t>{1, 3, int64_t(INT_MAX) + 1, 1}, std::vector<int64_t>{1, 3, 1, (int64_t(1) << 30) + 1}}) {
    const Error error = forward_error(shape, Layout::NCHW);
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument) << error.what();
    EXPECT_NE(std::string(error.what()).find("height and width"), std::string::npos) << error.what();
  }
}

TEST(LimitsPlan, MakePlanRefusesSizesTheKernelsCannotIndex) {
  const Checkpoint checkpoint = read_checkpoint(testing::fixture("formats/small_f32.safetensors"));
  const graph::Graph graph =
      graph::build_graph(checkpoint.tensors, graph::infer_topology(checkpoint.tensors, "small"), "small");
  EXPECT_NO_THROW(graph::make_plan(graph, 2, 64, 48, sizeof(float)));
  // Sides near INT_MAX are refused before any window arithmetic on them could overflow.
  for (const auto& size : {std::vector<int64_t>{int64_t(1) << 40, 1, 1}, std::vector<int64_t>{1, INT_MAX, INT_MAX},
                           std::vector<int64_t>{1, INT_MAX, 1}, std::vector<int64_t>{1, 1, (1 << 30) + 1},
                           std::vector<int64_t>{1, (int64_t(1) << 32) + 8, 8},
                           std::vector<int64_t>{1 << 20, 1 << 10, 1 << 10}}) {
    try {
      graph::make_plan(graph, size[0], size[1], size[2], sizeof(float));
      ADD_FAILURE() << "planned batch " << size[0] << " of " << size[1] << "x" << size[2];
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::InvalidArgument) << error.what();
      EXPECT_NE(std::string(error.what()).find("beyond what the kernels index"), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace ghostnet
