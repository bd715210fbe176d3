// PyTorch checkpoints (zip and legacy) and the restricted unpickler, against files built
// here byte by byte from the pickle opcode table (CPython's pickletools), PKWARE's zip
// APPNOTE and torch/serialization.py's description of both layouts.
#include <gtest/gtest.h>

#include <fstream>

#include "test_bytes.h"

#include <cstring>
#include <string>
#include <vector>

#include "checkpoint/zip_reader.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

// ---- building pickles -------------------------------------------------------------

using testing::le;

class Pickle {
 public:
  explicit Pickle(int protocol = 2) { op(0x80).byte(protocol); }

  Pickle& op(uint8_t code) { return raw(std::string(1, char(code))); }
  Pickle& byte(int value) { return raw(le(uint64_t(value), 1)); }
  Pickle& raw(const std::string& bytes) {
    text += bytes;
    return *this;
  }
  Pickle& str(const std::string& s) { return op('X').raw(le(s.size(), 4)).raw(s); }          // BINUNICODE
  Pickle& short_str(const std::string& s) { return op(0x8c).byte(int(s.size())).raw(s); }  // SHORT_BINUNICODE
  Pickle& global(const std::string& module, const std::string& name) {
    return op('c').raw(module + "\n" + name + "\n");
  }
  Pickle& stack_global(const std::string& module, const std::string& name) {
    return short_str(module).short_str(name).op(0x93);
  }
  Pickle& integer(int32_t value) { return op('J').raw(le(uint32_t(value), 4)); }  // BININT
  Pickle& mark() { return op('('); }
  Pickle& tuple() { return op('t'); }
  Pickle& none() { return op('N'); }
  Pickle& ordered_dict() { return global("collections", "OrderedDict").op(')').op('R'); }
  Pickle& put(int index) { return op('q').byte(index); }
  Pickle& get(int index) { return op('h').byte(index); }
  Pickle& setitems() { return op('u'); }
  Pickle& stop() { return op('.'); }

  Pickle& ints(const std::vector<int32_t>& values) {
    mark();
    for (int32_t value : values) integer(value);
    return tuple();
  }

  // ('storage', torch.<storage_class>, key, 'cpu', numel[, None]) then BINPERSID.
  Pickle& storage(const std::string& storage_class, const std::string& key, int32_t numel, bool legacy = false) {
    mark().str("storage").global("torch", storage_class).str(key).str("cpu").integer(numel);
    if (legacy) none();
    return tuple().op('Q');
  }

  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
  Pickle& tensor(const std::string& storage_class, const std::string& key, int32_t numel, int32_t offset,
                 const std::vector<int32_t>& size, const std::vector<int32_t>& stride, bool legacy = false) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    storage(storage_class, key, numel, legacy);
    return integer(offset).ints(size).ints(stride).op(0x89).ordered_dict().tuple().op('R');
  }

  std::string text;
};

std::string floats(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(&bytes[0], values.data(), bytes.size());
  return bytes;
}

// A state_dict pickle as torch writes one: OrderedDict, the entries, then BUILD with
// the _metadata attribute.
std::string state_dict_pickle(const std::string& entries) {
  Pickle p;
  p.global("collections", "OrderedDict").put(0).op(')').op('R').put(1).mark().raw(entries).setitems();
  p.op('}').str("_metadata").get(0).op(')').op('R').str("").op('}').str("version").integer(1).op('s').op('s').op('s');
  return p.op('b').stop().text;
}

// ---- building zip archives ----------------------------------------------------------

uint32_t bitwise_crc32(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

struct ZipEntry {
  std::string name;
  std::string data;
  uint16_t method = 0;
  uint16_t flags = 0;
};

// Writes the local headers with their data, the central directory and the end record,
// optionally with the zip64 end records and extra fields torch's writer uses.
std::string make_zip(const std::vector<ZipEntry>& entries, bool zip64 = false, const std::string& comment = "") {
  std::string out;
  std::string directory;
  for (const ZipEntry& entry : entries) {
    const uint32_t crc = bitwise_crc32(entry.data);
    const uint64_t offset = out.size();
    out += le(0x04034b50, 4) + le(20, 2) + le(entry.flags, 2) + le(entry.method, 2) + le(0, 4) + le(crc, 4) +
           le(entry.data.size(), 4) + le(entry.data.size(), 4) + le(entry.name.size(), 2) + le(4, 2) + entry.name +
           "FB" + le(0, 2) + entry.data;  // an empty padding extra field, as torch writes one
    const std::string extra = zip64 ? le(1, 2) + le(24, 2) + le(entry.data.size(), 8) + le(entry.data.size(), 8) +
                                          le(offset, 8)
                                    : "";
    const uint64_t small_size = zip64 ? 0xffffffff : entry.data.size();
    directory += le(0x02014b50, 4) + le(0x031e, 2) + le(45, 2) + le(entry.flags, 2) + le(entry.method, 2) +
                 le(0, 4) + le(crc, 4) + le(small_size, 4) + le(small_size, 4) + le(entry.name.size(), 2) +
                 le(extra.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                 le(zip64 ? 0xffffffff : offset, 4) + entry.name + extra;
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  if (zip64) {
    const uint64_t record = out.size();
    out += le(0x06064b50, 4) + le(44, 8) + le(0x031e, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(entries.size(), 8) +
           le(entries.size(), 8) + le(directory.size(), 8) + le(directory_offset, 8);
    out += le(0x07064b50, 4) + le(0, 4) + le(record, 8) + le(1, 4);
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xffff, 2) + le(0xffff, 2) + le(0xffffffff, 4) +
           le(0xffffffff, 4) + le(comment.size(), 2) + comment;
  } else {
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(entries.size(), 2) + le(entries.size(), 2) +
           le(directory.size(), 4) + le(directory_offset, 4) + le(comment.size(), 2) + comment;
  }
  return out;
}

// A torch.save zip: data.pkl and the storages under the archive folder.
std::string torch_zip(const std::string& pickle, const std::vector<std::pair<std::string, std::string>>& storages,
                      bool zip64 = false) {
  std::vector<ZipEntry> entries = {{"archive/data.pkl", pickle}};
  for (const auto& storage : storages) entries.push_back({"archive/data/" + storage.first, storage.second});
  entries.push_back({"archive/version", "3\n"});
  entries.push_back({"archive/byteorder", "little"});
  return make_zip(entries, zip64);
}

// ---- building legacy files ----------------------------------------------------------

std::string legacy_file(const std::string& main_pickle, const std::vector<std::pair<std::string, std::string>>& storages,
                        const std::vector<uint64_t>& counts, bool little_endian = true) {
  // The magic number 0x1950a86a20f9469cfc6c as LONG1, then the format version 1001.
  std::string out = Pickle().op(0x8a).byte(10).raw("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19").stop().text;
  out += Pickle().op('M').raw(le(1001, 2)).stop().text;
  Pickle info;
  info.op('}').mark().str("protocol_version").op('M').raw(le(1001, 2)).str("little_endian").op(little_endian ? 0x88 : 0x89);
  info.str("type_sizes").op('}').mark().str("short").integer(2).str("int").integer(4).str("long").integer(4);
  out += info.setitems().setitems().stop().text;
  out += main_pickle;
  Pickle keys;
  keys.op(']').mark();
  for (const auto& storage : storages) keys.str(storage.first);
  out += keys.op('e').stop().text;
  for (std::size_t i = 0; i < storages.size(); ++i) out += le(counts[i], 8) + storages[i].second;
  return out;
}

// ---- reading ------------------------------------------------------------------------

Checkpoint parse(const std::string& file, const CheckpointLimits& limits = {}) {
  return parse_checkpoint(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "test.pt", limits);
}

Error parse_error(const std::string& file, const CheckpointLimits& limits = {}) {
  try {
    parse(file, limits);
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorCode::Internal, "");
}

void expect_error(const std::string& file, const std::string& fragment, ErrorCode code = ErrorCode::Checkpoint) {
  const Error error = parse_error(file);
  EXPECT_EQ(error.code(), code) << error.what();
  EXPECT_NE(std::string(error.what()).find("test.pt"), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << error.what();
}

// Never a crash, hang or other exception: a result or an Error.
void expect_result_or_error(const std::string& file) {
  try {
    parse(file);
  } catch (const Error&) {
  }
}

const std::vector<float> kTwelve = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

std::string two_tensor_entries(bool legacy = false) {
  Pickle p(2);
  p.text.clear();
  p.str("conv.weight").tensor("FloatStorage", "0", 6, 0, {2, 3}, {3, 1}, legacy);
  p.str("bn.num_batches_tracked").tensor("LongStorage", "1", 1, 0, {}, {}, legacy);
  return p.text;
}

const std::string kSixFloats = floats({1, 2, 3, 4, 5, 6});
const std::string kFive = le(5, 8);

void expect_two_tensors(const Checkpoint& checkpoint) {
  ASSERT_EQ(checkpoint.tensors.size(), 2u);
  const StoredTensor& weight = checkpoint.tensors.at("conv.weight");
  EXPECT_EQ(weight.type, StoredType::F32);
  EXPECT_EQ(weight.shape, std::vector<int64_t>({2, 3}));
  EXPECT_EQ(weight.to_float(), std::vector<float>({1, 2, 3, 4, 5, 6}));
  const StoredTensor& count = checkpoint.tensors.at("bn.num_batches_tracked");
  EXPECT_EQ(count.type, StoredType::I64);
  EXPECT_TRUE(count.shape.empty());
  EXPECT_EQ(count.bytes, std::vector<uint8_t>({5, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(TorchZip, Crc32MatchesTheStandardCheckValue) {
  const std::string digits = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const uint8_t*>(digits.data()), digits.size()}), 0xcbf43926u);
  EXPECT_EQ(bitwise_crc32(digits), 0xcbf43926u);
}

TEST(TorchZip, ReadsStateDictWithMetadata) {
  const Checkpoint checkpoint = parse(torch_zip(state_dict_pickle(two_tensor_entries()), {{"0", kSixFloats}, {"1", kFive}}));
  EXPECT_EQ(checkpoint.format, CheckpointFormat::TorchZip);
  EXPECT_EQ(checkpoint.wrapper, "");
  EXPECT_FALSE(checkpoint.stripped_module_prefix);
  expect_two_tensors(checkpoint);
}

TEST(TorchZip, ReadsZip64RecordsAndAnyFolderName) {
  std::vector<ZipEntry> entries = {{"my_model/data.pkl", state_dict_pickle(two_tensor_entries())},
                                   {"my_model/data/0", kSixFloats},
                                   {"my_model/data/1", kFive}};
  expect_two_tensors(parse(make_zip(entries, true)));
  expect_two_tensors(parse(make_zip(entries, false)));
}

TEST(TorchZip, FindsTheEndRecordPastACommentThatMimicsIt) {
  const std::string comment = le(0x06054b50, 4) + std::string(18, '\0');  // a fake end record, 2 bytes short of the end
  const std::string zip = make_zip({{"archive/data.pkl", state_dict_pickle(two_tensor_entries())},
                                    {"archive/data/0", kSixFloats},
                                    {"archive/data/1", kFive}},
                                   false, comment + "zz");
  expect_two_tensors(parse(zip));
}

TEST(TorchZip, GathersStridedAndSharedStorages) {
  Pickle p;
  p.op('}').mark();
  p.str("x").tensor("FloatStorage", "0", 12, 2, {2, 3}, {3, 1});    // a contiguous slice
  p.str("y").tensor("FloatStorage", "0", 12, 0, {4, 3}, {1, 4});    // a transposed view
  p.str("z").tensor("FloatStorage", "0", 12, 10, {2, 2}, {0, 1});   // an expanded row
  p.str("c").tensor("FloatStorage", "0", 12, 1, {2, 1, 2}, {6, 5, 3});  // channels-last-like, size-1 dim
  p.str("s").tensor("FloatStorage", "0", 12, 11, {}, {});          // a scalar
  p.str("e").tensor("FloatStorage", "0", 12, 12, {0, 5}, {5, 1});   // empty, at the very end
  const Checkpoint checkpoint = parse(torch_zip(p.setitems().stop().text, {{"0", floats(kTwelve)}}));
  ASSERT_EQ(checkpoint.tensors.size(), 6u);
  EXPECT_EQ(checkpoint.tensors.at("x").to_float(), std::vector<float>({2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(checkpoint.tensors.at("y").to_float(), std::vector<float>({0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(checkpoint.tensors.at("y").shape, std::vector<int64_t>({4, 3}));
  EXPECT_EQ(checkpoint.tensors.at("z").to_float(), std::vector<float>({10, 11, 10, 11}));
  EXPECT_EQ(checkpoint.tensors.at("c").to_float(), std::vector<float>({1, 4, 7, 10}));
  EXPECT_EQ(checkpoint.tensors.at("s").to_float(), std::vector<float>({11}));
  EXPECT_TRUE(checkpoint.tensors.at("s").shape.empty());
  EXPECT_TRUE(checkpoint.tensors.at("e").bytes.empty());
  EXPECT_EQ(checkpoint.tensors.at("e").shape, std::vector<int64_t>({0, 5}));
}

TEST(TorchZip, ReadsProtocol4FramesMemoAndStackGlobal) {
  // What torch.save(..., pickle_protocol=4) writes: a FRAME, SHORT_BINUNICODE names,
  // MEMOIZE, STACK_GLOBAL, and the memoized rebuild function fetched back with BINGET.
  Pickle body(4);
  body.text.clear();
  body.stack_global("collections", "OrderedDict").op(0x94).op(')').op('R').op(0x94).mark();  // memo 0, 1
  body.short_str("a").stack_global("torch._utils", "_rebuild_tensor_v2").op(0x94);            // memo 2
  body.mark().mark().short_str("storage").stack_global("torch", "HalfStorage").short_str("0").short_str("cpu");
  body.op('K').byte(2).tuple().op('Q').op('K').byte(0).op('K').byte(2).op(0x85).op('K').byte(1).op(0x85);
  body.op(0x89).get(0).op(')').op('R').tuple().op('R');
  body.short_str("b").get(2).mark().mark().short_str("storage").stack_global("torch", "HalfStorage").short_str("0");
  body.short_str("cpu").op('K').byte(2).tuple().op('Q').op('K').byte(1).op(0x29).op(0x29).op(0x89).get(0).op(')');
  body.op('R').tuple().op('R').setitems().stop();
  const std::string pickle = std::string("\x80\x04\x95", 3) + le(body.text.size(), 8) + body.text;
  const std::string halves = le(0x3c00, 2) + le(0xc000, 2);  // 1.0, -2.0
  const Checkpoint checkpoint = parse(torch_zip(pickle, {{"0", halves}}));
  ASSERT_EQ(checkpoint.tensors.size(), 2u);
  EXPECT_EQ(checkpoint.tensors.at("a").type, StoredType::F16);
  EXPECT_EQ(checkpoint.tensors.at("a").to_float(), std::vector<float>({1.0f, -2.0f}));
  EXPECT_EQ(checkpoint.tensors.at("b").to_float(), std::vector<float>({-2.0f}));
}

TEST(TorchZip, ReadsParametersAndOtherStorageTypes) {
  Pickle p;
  p.op('}').mark().str("p").global("torch._utils", "_rebuild_parameter").mark();
  p.tensor("BFloat16Storage", "0", 2, 0, {2}, {1}).op(0x88).ordered_dict().tuple().op('R');
  p.str("mask").tensor("BoolStorage", "1", 3, 0, {3}, {1});
  p.str("idx").tensor("IntStorage", "2", 1, 0, {1}, {1});
  p.str("d").tensor("DoubleStorage", "3", 1, 0, {}, {});
  p.str("b").tensor("ByteStorage", "4", 1, 0, {1}, {1});
  p.str("c").tensor("CharStorage", "6", 1, 0, {1}, {1});
  p.str("h").tensor("ShortStorage", "5", 1, 0, {1}, {1});
  const std::string pickle = p.setitems().stop().text;
  const Checkpoint checkpoint = parse(torch_zip(pickle, {{"0", le(0x3f80, 2) + le(0xc040, 2)},
                                                         {"1", std::string("\x01\x00\x01", 3)},
                                                         {"2", le(7, 4)},
                                                         {"3", le(0x3ff8000000000000, 8)},
                                                         {"4", "\xff"},
                                                         {"5", le(0xfffe, 2)},
                                                         {"6", "\x80"}}));
  EXPECT_EQ(checkpoint.tensors.at("p").type, StoredType::BF16);
  EXPECT_EQ(checkpoint.tensors.at("p").to_float(), std::vector<float>({1.0f, -3.0f}));
  EXPECT_EQ(checkpoint.tensors.at("mask").type, StoredType::Bool);
  EXPECT_EQ(checkpoint.tensors.at("mask").bytes, std::vector<uint8_t>({1, 0, 1}));
  EXPECT_EQ(checkpoint.tensors.at("idx").type, StoredType::I32);
  EXPECT_EQ(checkpoint.tensors.at("d").to_float(), std::vector<float>({1.5f}));
  EXPECT_EQ(checkpoint.tensors.at("b").type, StoredType::U8);
  EXPECT_EQ(checkpoint.tensors.at("h").type, StoredType::I16);
  EXPECT_EQ(checkpoint.tensors.at("c").type, StoredType::I8);
}

TEST(TorchZip, UnwrapsTrainingCheckpointsInTimmOrder) {
  const auto wrapped = [](const std::string& top_entries) {
    Pickle p;
    p.op('}').mark().raw(top_entries).setitems().stop();
    return torch_zip(p.text, {{"0", kSixFloats}, {"1", kFive}});
  };
  const auto dict_with = [](const std::string& key, int32_t offset) {
    Pickle p(2);
    p.text.clear();
    p.str(key).ordered_dict().mark().str("w").tensor("FloatStorage", "0", 6, offset, {1}, {1}).setitems();
    return p.text;
  };
  Pickle epoch(2);
  epoch.text.clear();
  epoch.str("epoch").integer(3).str("args").none().str("lr").op('G').raw("\x3f\xb9\x99\x99\x99\x99\x99\x9a");

  Checkpoint checkpoint =
      parse(wrapped(epoch.text + dict_with("model", 0) + dict_with("state_dict", 1) + dict_with("state_dict_ema", 2)));
  EXPECT_EQ(checkpoint.wrapper, "state_dict_ema");
  EXPECT_EQ(checkpoint.tensors.at("w").to_float(), std::vector<float>({3}));

  checkpoint = parse(wrapped(dict_with("model", 0) + dict_with("state_dict", 1)));
  EXPECT_EQ(checkpoint.wrapper, "state_dict");
  EXPECT_EQ(checkpoint.tensors.at("w").to_float(), std::vector<float>({2}));

  // model_ema that is not a dict is passed over.
  Pickle not_dict(2);
  not_dict.text.clear();
  not_dict.str("model_ema").integer(1);
  checkpoint = parse(wrapped(not_dict.text + dict_with("model", 4)));
  EXPECT_EQ(checkpoint.wrapper, "model");
  EXPECT_EQ(checkpoint.tensors.at("w").to_float(), std::vector<float>({5}));

  // No wrapper: the top level, without its non-tensor entries.
  Pickle top(2);
  top.text.clear();
  top.str("w").tensor("FloatStorage", "0", 6, 5, {1}, {1});
  checkpoint = parse(wrapped(epoch.text + top.text));
  EXPECT_EQ(checkpoint.wrapper, "");
  ASSERT_EQ(checkpoint.tensors.size(), 1u);
  EXPECT_EQ(checkpoint.tensors.at("w").to_float(), std::vector<float>({6}));
}

TEST(TorchZip, StripsDataParallelPrefixAndKeepsLastOfRepeatedKeys) {
  Pickle p;
  p.ordered_dict().mark();
  p.str("module.a").tensor("FloatStorage", "0", 6, 0, {1}, {1});
  p.str("module.a").tensor("FloatStorage", "0", 6, 1, {1}, {1});
  p.str("module.b").tensor("FloatStorage", "0", 6, 2, {1}, {1});
  const Checkpoint checkpoint = parse(torch_zip(p.setitems().stop().text, {{"0", kSixFloats}}));
  EXPECT_TRUE(checkpoint.stripped_module_prefix);
  ASSERT_EQ(checkpoint.tensors.size(), 2u);
  EXPECT_EQ(checkpoint.tensors.at("a").to_float(), std::vector<float>({2}));
  EXPECT_EQ(checkpoint.tensors.at("b").to_float(), std::vector<float>({3}));
}

TEST(TorchZip, ValuesMayNestDeeplyAndFormCycles) {
  // Lists nested 200000 deep and a dict holding itself: nothing recurses through values.
  const std::size_t depth = 200000;
  Pickle p;
  p.op('}').put(0).str("deep").raw(std::string(depth, ']')).raw(std::string(depth - 1, 'a')).op('s');
  p.str("self").get(0).op('s');
  p.str("w").tensor("FloatStorage", "0", 6, 0, {2}, {1}).op('s').stop();
  const Checkpoint checkpoint = parse(torch_zip(p.text, {{"0", kSixFloats}}));
  ASSERT_EQ(checkpoint.tensors.size(), 1u);
  EXPECT_EQ(checkpoint.tensors.at("w").to_float(), std::vector<float>({1, 2}));
}

const char* const kForeignGlobals[][2] = {
    {"os", "system"},          {"posix", "system"},     {"builtins", "eval"},
    {"__builtin__", "eval"},   {"subprocess", "Popen"}, {"argparse", "Namespace"},
    {"numpy.core.multiarray", "_reconstruct"},           {"torch", "load"},
    {"torch._utils", "_rebuild_qtensor"},                {"collections", "defaultdict"},
};

TEST(TorchZip, RefusesForeignGlobalsNamingThem) {
  for (const auto& global : kForeignGlobals) {
    const std::string qualified = std::string(global[0]) + "." + global[1];
    const std::string expected = "refused pickle global '" + qualified +
                                 "' in test.pt (archive/data.pkl): only tensors and plain containers are loaded";
    Pickle classic;
    classic.global(global[0], global[1]).mark().str("echo pwned").tuple().op('R').stop();
    expect_error(torch_zip(classic.text, {}), expected);
    Pickle stacked(4);
    stacked.stack_global(global[0], global[1]).mark().str("1+1").tuple().op('R').stop();
    expect_error(torch_zip(stacked.text, {}), expected);
    // Refused when named, before anything could call it.
    Pickle named;
    named.op('}').str("x").global(global[0], global[1]).op('s').stop();
    expect_error(torch_zip(named.text, {}), expected);
  }
}

TEST(TorchZip, RefusesWhatTorchNeverWrites) {
  const auto zip = [](const std::string& pickle) { return torch_zip(pickle, {{"0", kSixFloats}}); };
  expect_error(zip(Pickle().global("torch", "FloatStorage").op(')').op('R').stop().text),
               "'torch.FloatStorage' is called");
  expect_error(zip(Pickle().str("f").op(')').op('R').stop().text), "the callee of REDUCE is a str");
  expect_error(zip(Pickle().op('}').op('}').op('b').stop().text), "BUILD on a dict");
  expect_error(zip(Pickle().global("collections", "OrderedDict").mark().integer(1).tuple().op('R').stop().text),
               "OrderedDict is called with arguments");
  expect_error(zip(Pickle().mark().str("module").none().none().none().tuple().op('Q').stop().text),
               "refused persistent id 'module'");
  for (const uint8_t opcode : {uint8_t('i'), uint8_t('o'), uint8_t(0x81), uint8_t(0x92), uint8_t('P'),
                               uint8_t(0x82), uint8_t('B'), uint8_t('C'), uint8_t('0'), uint8_t('2'),
                               uint8_t(0x8b), uint8_t('I'), uint8_t(0x97)}) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", opcode);
    expect_error(zip(Pickle().op(opcode).stop().text), std::string("pickle opcode ") + code + " at byte 2");
  }
  expect_error(zip(Pickle(6).op('}').stop().text), "protocol 6");
}

TEST(TorchZip, RefusesMalformedPickles) {
  const auto zip = [](const std::string& pickle) { return torch_zip(pickle, {{"0", kSixFloats}}); };
  expect_error(zip(Pickle().op('s').stop().text), "the stack is empty");
  expect_error(zip(Pickle().op('}').mark().str("k").op('s').stop().text), "the stack is empty");  // fenced by MARK
  expect_error(zip(Pickle().op('t').stop().text), "no MARK is open");
  expect_error(zip(Pickle().get(3).stop().text), "memo entry 3 was never stored");
  expect_error(zip(Pickle().op('}').op('}').stop().text), "STOP leaves 2 values");
  expect_error(zip(Pickle().mark().op('}').stop().text), "STOP leaves");
  expect_error(zip(Pickle().op('}').text), "ends without a STOP");
  expect_error(zip(Pickle().op(')').none().op('a').stop().text), "APPEND on a tuple");
  expect_error(zip(Pickle().op(']').mark().str("k").str("v").op('u').stop().text), "SETITEM on a list");
  expect_error(zip(Pickle().op('}').mark().str("k").op('u').stop().text), "key without a value");
  expect_error(zip(Pickle().str("abc").text.substr(0, 7)), "truncated pickle");
  expect_error(zip(Pickle().op('X').raw(le(0xffffffff, 4)).text), "truncated pickle");
  expect_error(zip(Pickle().op('T').raw(le(0x80000000, 4)).text), "negative length");
  expect_error(zip(Pickle().op(0x95).raw(le(1000, 8)).op('}').stop().text), "frame reaches past");
  expect_error(zip(Pickle().op('c').raw("os").text), "GLOBAL name has no end");
  expect_error(zip(Pickle().integer(1).stop().text), "holds an object of type int, not a dict");
  expect_error(zip(Pickle().op('}').stop().text + "x"), "bytes follow the pickle's STOP");
}

TEST(TorchZip, RefusesMalformedTensors) {
  const auto one = [](const std::string& entry_bytes) {
    Pickle p;
    p.op('}').str("t").raw(entry_bytes).op('s').stop();
    return torch_zip(p.text, {{"0", kSixFloats}});
  };
  const auto tensor = [](int32_t numel, int32_t offset, std::vector<int32_t> size, std::vector<int32_t> stride,
                         const std::string& storage_class = "FloatStorage") {
    Pickle p(2);
    p.text.clear();
    return p.tensor(storage_class, "0", numel, offset, size, stride).text;
  };
  expect_error(one(tensor(6, 0, {7}, {1})), "tensor 't' (offset 0, size [7], stride [1]) reads past the end of its storage '0' of 6 elements");
  expect_error(one(tensor(6, 4, {2, 2}, {1, 1})), "reads past the end");
  expect_error(one(tensor(6, 0, {2, 2}, {5, 1})), "reads past the end");
  expect_error(one(tensor(6, 6, {}, {})), "reads past the end");
  expect_error(one(tensor(6, 0, {1 << 30, 1 << 30, 1 << 30}, {0, 0, 0})), "that overflows");
  expect_error(one(tensor(6, 0, {2, 0x40000000}, {0, 0})), "", ErrorCode::OutOfMemory);
  expect_error(one(tensor(6, -1, {1}, {1})), "storage offset is negative");
  expect_error(one(tensor(6, 0, {-1}, {1})), "size is negative");
  expect_error(one(tensor(6, 0, {2}, {-1})), "stride is negative");
  expect_error(one(tensor(6, 0, {2}, {1, 1})), "size and stride differ");
  expect_error(one(tensor(7, 0, {1}, {1})), "storage 'archive/data/0' holds 24 bytes, its 7 F32 elements need 28");

  Pickle clash;
  clash.op('}').str("a").tensor("FloatStorage", "0", 6, 0, {1}, {1}).op('s');
  clash.str("b").tensor("IntStorage", "0", 6, 0, {1}, {1}).op('s').stop();
  expect_error(torch_zip(clash.text, {{"0", kSixFloats}}), "storage '0' is declared twice with different types");

  Pickle missing;
  missing.op('}').str("a").tensor("FloatStorage", "9", 6, 0, {1}, {1}).op('s').stop();
  expect_error(torch_zip(missing.text, {{"0", kSixFloats}}), "storage 'archive/data/9' is missing");
}

TEST(TorchZip, RefusesCompressedEncryptedAndCorruptEntries) {
  const std::string pickle = state_dict_pickle(two_tensor_entries());
  std::vector<ZipEntry> entries = {{"archive/data.pkl", pickle}, {"archive/data/0", kSixFloats}, {"archive/data/1", kFive}};
  entries[1].method = 8;
  expect_error(make_zip(entries),
               "zip entry 'archive/data/0' is compressed (method 8, deflate): only stored (uncompressed) entries are read");
  entries[1].method = 0;
  entries[2].flags = 1;
  expect_error(make_zip(entries), "zip entry 'archive/data/1' is encrypted");
  entries[2].flags = 0;

  std::string zip = make_zip(entries);
  zip[zip.find(kSixFloats) + 5] ^= 0x10;
  expect_error(zip, "zip entry 'archive/data/0' fails its CRC-32 check");

  zip = make_zip(entries);
  zip[zip.find("archive/data/1")] = 'X';  // the local header's copy of the name
  expect_error(zip, "the local header of zip entry 'archive/data/1' does not match");

  entries.push_back(entries[1]);
  expect_error(make_zip(entries), "the entry 'archive/data/0' appears twice");
  entries.pop_back();

  expect_error(make_zip({{"archive/version", "3"}}), "without '<folder>/data.pkl'");
  expect_error(make_zip({{"a/data.pkl", pickle}, {"b/data.pkl", pickle}}), "several '<folder>/data.pkl'");
  expect_error(make_zip({{"m/data.pkl", pickle}, {"m/constants.pkl", pickle}}), "TorchScript archive");
  std::vector<ZipEntry> big_endian = entries;
  big_endian.push_back({"archive/byteorder", "big"});
  expect_error(make_zip(big_endian), "only little-endian");
}

TEST(TorchZip, RefusesBrokenDirectories) {
  const std::string zip = torch_zip(state_dict_pickle(two_tensor_entries()), {{"0", kSixFloats}, {"1", kFive}});
  const std::size_t end = zip.rfind(le(0x06054b50, 4));
  std::string broken = zip;
  broken.replace(end + 10, 2, le(60000, 2));  // more entries than the directory can hold
  broken.replace(end + 8, 2, le(60000, 2));
  expect_error(broken, "entries cannot fit");
  broken = zip;
  broken.replace(end + 16, 4, le(zip.size(), 4));  // directory offset past the end
  expect_error(broken, "central directory");
  broken = zip;
  broken.replace(end + 4, 2, le(1, 2));
  expect_error(broken, "several disks");
  broken = zip;
  broken.replace(end + 10, 2, le(0xffff, 2));
  expect_error(broken, "zip64 records, which are missing");
  expect_error(std::string("PK\x03\x04", 4) + std::string(100, '\0'), "no end-of-central-directory record");
}

TEST(TorchZip, EveryPrefixAndEveryByteFlipIsHandled) {
  const std::string zip = torch_zip(state_dict_pickle(two_tensor_entries()), {{"0", kSixFloats}, {"1", kFive}});
  expect_two_tensors(parse(zip));
  for (std::size_t size = 0; size < zip.size(); ++size) {
    EXPECT_THROW(parse(zip.substr(0, size)), Error) << "prefix of " << size << " bytes";
  }
  for (std::size_t at = 0; at < zip.size(); ++at) {
    for (const uint8_t value : {uint8_t(0), uint8_t(0xff), uint8_t(zip[at] ^ 1), uint8_t(zip[at] + 0x80)}) {
      std::string flipped = zip;
      flipped[at] = char(value);
      expect_result_or_error(flipped);
    }
  }
}

TEST(TorchZip, EveryMutationOfThePickleIsHandled) {
  // The CRC would catch most flips in the archive; rebuilding the archive around each
  // mutated pickle exercises the unpickler itself.
  const std::string pickle = state_dict_pickle(two_tensor_entries());
  for (std::size_t at = 0; at < pickle.size(); ++at) {
    for (int value = 0; value < 256; value += 15) {
      std::string mutated = pickle;
      mutated[at] = char(value);
      expect_result_or_error(torch_zip(mutated, {{"0", kSixFloats}, {"1", kFive}}));
    }
    expect_result_or_error(torch_zip(pickle.substr(0, at) + pickle.substr(at + 1), {{"0", kSixFloats}, {"1", kFive}}));
  }
}

TEST(TorchZip, EnforcesLimitsBeforeAllocating) {
  const std::string zip = torch_zip(state_dict_pickle(two_tensor_entries()), {{"0", kSixFloats}, {"1", kFive}});
  CheckpointLimits limits;
  limits.max_tensor_bytes = 23;
  Error error = parse_error(zip, limits);
  EXPECT_EQ(error.code(), ErrorCode::OutOfMemory);
  EXPECT_NE(std::string(error.what()).find("test.pt: tensor 'conv.weight' needs 24 bytes, more than the limit of 23"),
            std::string::npos)
      << error.what();
  limits = {};
  limits.max_total_bytes = 31;
  error = parse_error(zip, limits);
  EXPECT_EQ(error.code(), ErrorCode::OutOfMemory);
  EXPECT_NE(std::string(error.what()).find("max_total_bytes"), std::string::npos) << error.what();
  limits.max_total_bytes = 32;
  expect_two_tensors(parse(zip, limits));

  // A one-element storage expanded to 2^40 elements: refused by the limit, not allocated.
  Pickle huge;
  huge.op('}').str("big").tensor("FloatStorage", "1", 2, 0, {1 << 20, 1 << 20}, {0, 0}).op('s').stop();
  error = parse_error(torch_zip(huge.text, {{"1", kFive}}));
  EXPECT_EQ(error.code(), ErrorCode::OutOfMemory);
  EXPECT_NE(std::string(error.what()).find("tensor 'big' needs 4398046511104 bytes"), std::string::npos) << error.what();
}

// ---- legacy format ------------------------------------------------------------------

TEST(TorchLegacy, ReadsStateDict) {
  const std::string main = state_dict_pickle(two_tensor_entries(true));
  const Checkpoint checkpoint = parse(legacy_file(main, {{"1", kFive}, {"0", kSixFloats}}, {1, 6}));
  EXPECT_EQ(checkpoint.format, CheckpointFormat::TorchLegacy);
  expect_two_tensors(checkpoint);
}

TEST(TorchLegacy, ReadsStorageViews) {
  // Old torch wrote views of a storage as ('storage', type, root key, location, root
  // numel, (view key, offset, numel)).
  Pickle p;
  p.op('}').str("v").global("torch._utils", "_rebuild_tensor_v2").mark();
  p.mark().str("storage").global("torch", "FloatStorage").str("root").str("cpu").integer(12);
  p.mark().str("view").integer(4).integer(6).tuple().tuple().op('Q');
  p.integer(1).ints({2, 2}).ints({1, 2}).op(0x89).ordered_dict().tuple().op('R').op('s').stop();
  const Checkpoint checkpoint = parse(legacy_file(p.text, {{"root", floats(kTwelve)}}, {12}));
  EXPECT_EQ(checkpoint.tensors.at("v").to_float(), std::vector<float>({5, 7, 6, 8}));

  Pickle past;
  past.op('}').str("v").global("torch._utils", "_rebuild_tensor_v2").mark();
  past.mark().str("storage").global("torch", "FloatStorage").str("root").str("cpu").integer(12);
  past.mark().str("view").integer(4).integer(6).tuple().tuple().op('Q');
  past.integer(5).ints({2}).ints({1}).op(0x89).ordered_dict().tuple().op('R').op('s').stop();
  expect_error(legacy_file(past.text, {{"root", floats(kTwelve)}}, {12}), "reads past the end of its storage 'root' of 6");

  Pickle wide;
  wide.mark().str("storage").global("torch", "FloatStorage").str("root").str("cpu").integer(12);
  wide.mark().str("view").integer(10).integer(3).tuple().tuple().op('Q').stop();
  expect_error(legacy_file(wide.text, {{"root", floats(kTwelve)}}, {12}), "reaches past its 12 elements");
}

TEST(TorchLegacy, RefusesInconsistentStorageRecords) {
  const std::string main = state_dict_pickle(two_tensor_entries(true));
  const std::string file = legacy_file(main, {{"0", kSixFloats}, {"1", kFive}}, {6, 1});
  expect_two_tensors(parse(file));
  expect_error(legacy_file(main, {{"0", kSixFloats}, {"1", kFive}}, {5, 1}), "storage '0' holds 5 elements, its tensors say 6");
  expect_error(file + "x", "1 bytes follow the last storage");
  expect_error(legacy_file(main, {{"0", kSixFloats}}, {6}), "storage '1' is used but not stored");
  expect_error(legacy_file(main, {{"0", kSixFloats}, {"1", kFive}, {"0", kSixFloats}}, {6, 1, 6}), "names '0' twice");
  expect_error(legacy_file(main, {{"0", kSixFloats}, {"1", kFive}, {"2", kFive}}, {6, 1, 1}), "names a storage no tensor uses");
  expect_error(legacy_file(main, {{"0", kSixFloats}, {"1", kFive}}, {6, 1}, false), "only little-endian");

  const std::size_t second = file.size() - 16;  // the count of storage '1'
  expect_error(file.substr(0, second + 8 + 3),
               "truncated: storage '1' needs 8 bytes at offset " + std::to_string(second + 8) + ", file has " +
                   std::to_string(second + 11));
  expect_error(file.substr(0, second + 4), "truncated: storage '1' needs its 8-byte size");

  std::string wrong_magic = file;
  wrong_magic[5] ^= 1;
  expect_error(wrong_magic, "not with torch's magic number");
  std::string wrong_version = file;
  wrong_version[wrong_version.find(std::string("M\xe9\x03", 3)) + 1] = '\xe8';
  expect_error(wrong_version, "legacy PyTorch format version is not 1001");
}

TEST(TorchLegacy, RefusesForeignGlobalsNamingThem) {
  Pickle popen;
  popen.global("subprocess", "Popen").mark().mark().str("echo").str("pwned").tuple().tuple().op('R').stop();
  expect_error(legacy_file(popen.text, {}, {}),
               "refused pickle global 'subprocess.Popen' in test.pt: only tensors and plain containers are loaded");
}

TEST(TorchLegacy, EveryPrefixAndEveryByteFlipIsHandled) {
  const std::string file = legacy_file(state_dict_pickle(two_tensor_entries(true)), {{"0", kSixFloats}, {"1", kFive}}, {6, 1});
  for (std::size_t size = 0; size < file.size(); ++size) {
    EXPECT_THROW(parse(file.substr(0, size)), Error) << "prefix of " << size << " bytes";
  }
  for (std::size_t at = 0; at < file.size(); ++at) {
    for (int value = 0; value < 256; value += 5) {
      std::string flipped = file;
      flipped[at] = char(value);
      expect_result_or_error(flipped);
    }
  }
}

// ---- format detection -----------------------------------------------------------------

TEST(CheckpointFormat, NamesTheSupportedFormatsForOthers) {
  expect_error("", "the file is empty: checkpoints are read as safetensors, PyTorch zip files (torch.save) or legacy");
  expect_error("GIF89a....", "unknown file format: checkpoints are read as safetensors");
  expect_error("\x80", "unknown file format");
  EXPECT_STREQ(checkpoint_format_name(CheckpointFormat::Safetensors), "safetensors");
  EXPECT_STREQ(checkpoint_format_name(CheckpointFormat::TorchZip), "PyTorch zip");
  EXPECT_STREQ(checkpoint_format_name(CheckpointFormat::TorchLegacy), "PyTorch legacy");
}

TEST(CheckpointFormat, SafetensorsWhoseLengthLooksLikeAPickleIsSafetensors) {
  // A 640-byte header: its length starts with 80 02, the bytes of a protocol-2 pickle.
  std::string header = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  header.append(640 - header.size(), ' ');
  const Checkpoint checkpoint = parse(le(640, 8) + header + "\x07");
  EXPECT_EQ(checkpoint.format, CheckpointFormat::Safetensors);
  EXPECT_EQ(checkpoint.tensors.at("a").bytes, std::vector<uint8_t>({7}));
}

TEST(CheckpointFormat, ReadCheckpointReportsFileProblems) {
  for (const std::string& path : {std::string("/nonexistent/model.pth"), ::testing::TempDir()}) {
    try {
      read_checkpoint(path);
      ADD_FAILURE() << path;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace ghostnet

namespace ghostnet {
namespace {

// A storage key or entry name that climbs out of the archive names nothing outside it:
// entries are looked up by exact name inside the zip, never as files.
TEST(TorchZip, PathsNeverLeaveTheArchive) {
  const std::string outside = "../../../../../../etc/hostname";
  ASSERT_TRUE(std::ifstream("/etc/hostname").good()) << "the test needs a file that exists outside the archive";
  Pickle p;
  p.op('}').str("w").tensor("FloatStorage", outside, 1, 0, {1}, {1}).op('s').stop();
  // The zip also holds an entry under that very name relative to the archive's folder, and
  // one with an absolute name: neither is ever resolved against the filesystem.
  std::vector<ZipEntry> entries = {{"archive/data.pkl", p.text}, {"/etc/hostname", floats({1.0f})},
                                   {"archive/version", "3\n"}};
  expect_error(make_zip(entries), "archive/data/" + outside);
  entries.push_back({"archive/data/" + outside, floats({7.0f})});
  const Checkpoint checkpoint = parse(make_zip(entries));
  ASSERT_EQ(checkpoint.tensors.count("w"), 1u);
  EXPECT_EQ(checkpoint.tensors.at("w").to_float(), std::vector<float>{7.0f});  // the archive's bytes
}

}  // namespace
}  // namespace ghostnet
