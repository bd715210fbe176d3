// safetensors: an 8-byte little-endian header length N, N bytes of JSON describing each
// tensor ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}),
// then the data section the offsets point into.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "checkpoint/file_io.h"
#include "checkpoint/internal.h"
#include "checkpoint/json.h"

namespace ghostnet {
namespace {

using json::Value;

// A header is an object of objects of arrays. Refusing anything deeper while parsing
// keeps a hostile header from costing stack or memory in proportion to its nesting.
constexpr int kMaxHeaderDepth = 3;

// The safetensors library refuses headers over 100 MB; so do we, which bounds the memory
// a hostile header can make the parser take.
constexpr uint64_t kMaxHeaderBytes = 100000000;

constexpr const char* kMetadataKey = "__metadata__";

struct TensorEntry {
  std::string name;
  StoredType type = StoredType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

const StoredType kAllTypes[] = {StoredType::F64, StoredType::F32, StoredType::F16, StoredType::BF16,
                                StoredType::I64, StoredType::I32, StoredType::I16, StoredType::I8,
                                StoredType::U8,  StoredType::Bool};

bool parse_dtype(const std::string& text, StoredType* type) {
  for (StoredType candidate : kAllTypes) {
    if (text == stored_type_name(candidate)) {
      *type = candidate;
      return true;
    }
  }
  return false;
}

Value parse_header(ByteSpan text, const std::string& file) {
  // Some writers pad the header with NUL bytes instead of spaces: say so plainly.
  if (std::memchr(text.data, '\0', text.size) != nullptr) fail_checkpoint(file, "safetensors header holds a NUL byte");
  try {
    return json::parse({reinterpret_cast<const char*>(text.data), text.size}, kMaxHeaderDepth);
  } catch (const json::ParseError& e) {
    switch (e.reason()) {
      case json::ParseError::Reason::TooDeep:
        fail_checkpoint(file, "safetensors header nests deeper than a safetensors header does (" +
                                  std::to_string(kMaxHeaderDepth) + " levels)");
      case json::ParseError::Reason::RepeatedKey:
        fail_checkpoint(file, "safetensors header repeats the key '" + e.key() + "'");
      default: fail_checkpoint(file, std::string("safetensors header is not valid JSON: ") + e.what());
    }
  }
}

void check_metadata(const Value& metadata, const std::string& file) {
  if (!metadata.is_object()) fail_checkpoint(file, "safetensors '__metadata__' is not an object");
  for (const Value::Member& item : metadata.members()) {
    if (!item.second.is_string()) {
      fail_checkpoint(file, "safetensors '__metadata__' entry '" + item.first + "' is not a string");
    }
  }
}

// Reads a JSON array of non-negative integers that fit int64.
std::vector<int64_t> parse_integers(const Value& value, const std::string& what, const std::string& file) {
  if (!value.is_array()) fail_checkpoint(file, what + " is not an array");
  std::vector<int64_t> integers;
  for (const Value& item : value.items()) {
    if (!item.is_unsigned_integer() || item.unsigned_integer() > uint64_t(INT64_MAX)) {
      fail_checkpoint(file, what + " holds " + item.excerpt() + ", not a non-negative integer");
    }
    integers.push_back(int64_t(item.unsigned_integer()));
  }
  return integers;
}

TensorEntry parse_entry(const std::string& name, const Value& info, uint64_t data_size, const std::string& file) {
  const std::string where = "safetensors tensor '" + name + "'";
  if (!info.is_object()) fail_checkpoint(file, where + " is described by " + info.excerpt() + ", not an object");
  for (const Value::Member& field : info.members()) {
    if (field.first != "dtype" && field.first != "shape" && field.first != "data_offsets") {
      fail_checkpoint(file, where + " has an unknown field '" + field.first + "'");
    }
  }
  if (!info.find("dtype") || !info.find("shape") || !info.find("data_offsets")) {
    fail_checkpoint(file, where + " needs the fields 'dtype', 'shape' and 'data_offsets'");
  }

  TensorEntry entry;
  entry.name = name;
  const Value& dtype = info.at("dtype");
  if (!dtype.is_string() || !parse_dtype(dtype.string(), &entry.type)) {
    fail_checkpoint(file, where + " has dtype " + dtype.excerpt() +
                              ": expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
  }
  entry.shape = parse_integers(info.at("shape"), where + " shape", file);
  const std::vector<int64_t> offsets = parse_integers(info.at("data_offsets"), where + " data_offsets", file);
  if (offsets.size() != 2) fail_checkpoint(file, where + " data_offsets needs 2 values, has " + std::to_string(offsets.size()));
  entry.begin = uint64_t(offsets[0]);
  entry.end = uint64_t(offsets[1]);
  const std::string range = "[" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "]";
  if (entry.begin > entry.end) fail_checkpoint(file, where + " has data_offsets " + range + " that run backwards");
  if (entry.end > data_size) {
    fail_checkpoint(file, "truncated: " + where + " needs data bytes " + range + ", the data section has " +
                              std::to_string(data_size) + " bytes");
  }

  uint64_t numel = 0;
  uint64_t bytes = 0;
  if (!checked_numel(entry.shape, &numel) || !checked_mul(numel, stored_type_size(entry.type), &bytes)) {
    fail_checkpoint(file, where + " has a shape whose size overflows");
  }
  if (bytes != entry.end - entry.begin) {
    fail_checkpoint(file, where + " needs " + std::to_string(bytes) + " bytes for its shape and dtype, its data_offsets span " +
                              std::to_string(entry.end - entry.begin));
  }
  return entry;
}

// The format requires the tensors to cover the data section exactly, without holes or
// overlaps, so that no bytes hide in a file beside the tensors and no two tensors alias.
void check_layout(std::vector<TensorEntry*> entries, uint64_t data_size, const std::string& file) {
  std::sort(entries.begin(), entries.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry* entry : entries) {
    if (entry->begin < covered) {
      fail_checkpoint(file, "safetensors tensors '" + previous->name + "' and '" + entry->name + "' overlap");
    }
    if (entry->begin > covered) {
      fail_checkpoint(file, "safetensors data bytes " + std::to_string(covered) + " to " + std::to_string(entry->begin) +
                                " belong to no tensor");
    }
    covered = entry->end;
    previous = entry;
  }
  if (covered != data_size) {
    fail_checkpoint(file, "safetensors data section has " + std::to_string(data_size - covered) +
                              " bytes after the last tensor");
  }
}

}  // namespace

Checkpoint parse_safetensors(ByteSpan file, const std::string& name, const CheckpointLimits& limits) {
  if (file.size < 8) {
    fail_checkpoint(name, "truncated: a safetensors file starts with an 8-byte header length, the file has " +
                              std::to_string(file.size) + " bytes");
  }
  const uint64_t header_size = load_u64(file.data);
  if (header_size > file.size - 8) {
    fail_checkpoint(name, "truncated: the safetensors header length says " + std::to_string(header_size) +
                              " bytes, the file has " + std::to_string(file.size - 8) + " after the length");
  }
  if (header_size > kMaxHeaderBytes) {
    fail_checkpoint(name, "the safetensors header length says " + std::to_string(header_size) +
                              " bytes, more than the format's limit of " + std::to_string(kMaxHeaderBytes));
  }
  const Value header = parse_header({file.data + 8, header_size}, name);
  if (!header.is_object()) fail_checkpoint(name, "safetensors header is not a JSON object");

  const uint64_t data_size = file.size - 8 - header_size;
  std::vector<TensorEntry> entries;
  entries.reserve(header.members().size());
  for (const Value::Member& item : header.members()) {
    if (item.first == kMetadataKey) {
      check_metadata(item.second, name);
    } else {
      entries.push_back(parse_entry(item.first, item.second, data_size, name));
    }
  }
  std::vector<TensorEntry*> pointers;
  for (TensorEntry& entry : entries) pointers.push_back(&entry);
  check_layout(pointers, data_size, name);

  AllocationBudget budget(limits, name);
  for (const TensorEntry& entry : entries) budget.reserve(entry.name, entry.end - entry.begin);

  Checkpoint checkpoint;
  checkpoint.format = CheckpointFormat::Safetensors;
  const uint8_t* data = file.data + 8 + header_size;
  for (TensorEntry& entry : entries) {
    StoredTensor tensor;
    tensor.type = entry.type;
    tensor.shape = std::move(entry.shape);
    tensor.bytes.assign(data + entry.begin, data + entry.end);
    checkpoint.tensors.emplace(std::move(entry.name), std::move(tensor));
  }
  return checkpoint;
}

namespace {

void check_writable(const std::string& name, const StoredTensor& tensor) {
  if (name == kMetadataKey) fail(ErrorCode::InvalidArgument, "write_safetensors: '__metadata__' cannot name a tensor");
  if (!json::is_valid_utf8(name)) {
    fail(ErrorCode::InvalidArgument, "write_safetensors: a tensor name is not valid UTF-8");
  }
  uint64_t numel = 0;
  uint64_t bytes = 0;
  if (!checked_numel(tensor.shape, &numel) || !checked_mul(numel, stored_type_size(tensor.type), &bytes) ||
      bytes != tensor.bytes.size()) {
    fail(ErrorCode::InvalidArgument, "write_safetensors: tensor '" + name + "' holds " +
                                         std::to_string(tensor.bytes.size()) + " bytes, which does not match its " +
                                         stored_type_name(tensor.type) + " shape");
  }
}

}  // namespace

void write_safetensors(const std::string& path, const StateDict& tensors) {
  // Data goes in order of decreasing element size, then name (as the safetensors library
  // lays it out), so that every tensor is aligned to its element size in the file.
  std::vector<StateDict::const_pointer> order;
  for (const auto& item : tensors) {
    check_writable(item.first, item.second);
    order.push_back(&item);
  }
  std::stable_sort(order.begin(), order.end(), [](StateDict::const_pointer a, StateDict::const_pointer b) {
    return stored_type_size(a->second.type) > stored_type_size(b->second.type);
  });

  std::unordered_map<StateDict::const_pointer, uint64_t> begin_of;
  uint64_t offset = 0;
  for (StateDict::const_pointer item : order) {
    begin_of[item] = offset;
    offset += item->second.bytes.size();
  }
  // The header lists the tensors by name (a StateDict is sorted), each with its fields in
  // sorted order, as json.dumps(..., sort_keys=True) would.
  std::string text = "{";
  for (const auto& item : tensors) {
    const uint64_t begin = begin_of.at(&item);
    if (text.size() > 1) text += ',';
    text += json::quote(item.first) + ":{\"data_offsets\":[" + std::to_string(begin) + "," +
            std::to_string(begin + item.second.bytes.size()) + "],\"dtype\":" +
            json::quote(stored_type_name(item.second.type)) + ",\"shape\":[";
    for (std::size_t d = 0; d < item.second.shape.size(); ++d) {
      if (d > 0) text += ',';
      text += std::to_string(item.second.shape[d]);
    }
    text += "]}";
  }
  text += '}';
  // Padding the header to a multiple of 8 aligns the data section for readers that map it.
  text.append((8 - text.size() % 8) % 8, ' ');

  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = uint8_t(uint64_t(text.size()) >> (8 * i));
  FileWriter writer(path);
  writer.write(length, sizeof length);
  writer.write(text.data(), text.size());
  for (StateDict::const_pointer item : order) writer.write(item->second.bytes.data(), item->second.bytes.size());
  writer.finish();
}

}  // namespace ghostnet
