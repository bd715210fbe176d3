// safetensors: an 8-byte little-endian header length N, N bytes of JSON describing each
// tensor ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}),
// then the data section the offsets point into.
#include <algorithm>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "checkpoint/file_io.h"
#include "checkpoint/internal.h"

namespace ghostnet {
namespace {

using json = nlohmann::json;

// A header is an object of objects of arrays. Refusing anything deeper while parsing
// keeps a hostile header from costing stack or memory in proportion to its nesting.
constexpr int kMaxHeaderDepth = 3;

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

// A JSON value for an error message, cut short so that a hostile header cannot make the
// message as large as itself.
std::string brief(const json& value) {
  std::string text = value.dump();
  return text.size() <= 40 ? text : text.substr(0, 40) + "...";
}

bool parse_dtype(const std::string& text, StoredType* type) {
  for (StoredType candidate : kAllTypes) {
    if (text == stored_type_name(candidate)) {
      *type = candidate;
      return true;
    }
  }
  return false;
}

json parse_header(ByteSpan text, const std::string& file) {
  // nlohmann keeps the last of repeated keys silently; a header that names a tensor
  // twice is ambiguous, so the keys of every open object are tracked and repeats refused.
  std::vector<std::set<std::string>> open_objects;
  const auto guard = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxHeaderDepth) {
          fail_checkpoint(file, "safetensors header nests deeper than a safetensors header does (" +
                                    std::to_string(kMaxHeaderDepth) + " levels)");
        }
        if (event == json::parse_event_t::object_start) open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end: open_objects.pop_back(); break;
      case json::parse_event_t::key:
        if (!open_objects.back().insert(parsed.get<std::string>()).second) {
          fail_checkpoint(file, "safetensors header repeats the key '" + parsed.get<std::string>() + "'");
        }
        break;
      default: break;
    }
    return true;
  };
  // nlohmann's lexer takes a NUL byte for the end of its input, which would let bytes
  // after one pass unread.
  if (std::memchr(text.data, '\0', text.size) != nullptr) fail_checkpoint(file, "safetensors header holds a NUL byte");
  try {
    return json::parse(text.data, text.data + text.size, guard);
  } catch (const json::exception& e) {
    fail_checkpoint(file, std::string("safetensors header is not valid JSON: ") + e.what());
  }
}

void check_metadata(const json& metadata, const std::string& file) {
  if (!metadata.is_object()) fail_checkpoint(file, "safetensors '__metadata__' is not an object");
  for (const auto& item : metadata.items()) {
    if (!item.value().is_string()) {
      fail_checkpoint(file, "safetensors '__metadata__' entry '" + item.key() + "' is not a string");
    }
  }
}

// Reads a JSON array of non-negative integers that fit int64.
std::vector<int64_t> parse_integers(const json& value, const std::string& what, const std::string& file) {
  if (!value.is_array()) fail_checkpoint(file, what + " is not an array");
  std::vector<int64_t> integers;
  for (const json& item : value) {
    if (!item.is_number_unsigned() || item.get<uint64_t>() > uint64_t(INT64_MAX)) {
      fail_checkpoint(file, what + " holds " + brief(item) + ", not a non-negative integer");
    }
    integers.push_back(item.get<int64_t>());
  }
  return integers;
}

TensorEntry parse_entry(const std::string& name, const json& info, uint64_t data_size, const std::string& file) {
  const std::string where = "safetensors tensor '" + name + "'";
  if (!info.is_object()) fail_checkpoint(file, where + " is described by " + brief(info) + ", not an object");
  for (const auto& field : info.items()) {
    if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets") {
      fail_checkpoint(file, where + " has an unknown field '" + field.key() + "'");
    }
  }
  if (!info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets")) {
    fail_checkpoint(file, where + " needs the fields 'dtype', 'shape' and 'data_offsets'");
  }

  TensorEntry entry;
  entry.name = name;
  const json& dtype = info.at("dtype");
  if (!dtype.is_string() || !parse_dtype(dtype.get<std::string>(), &entry.type)) {
    fail_checkpoint(file, where + " has dtype " + brief(dtype) +
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
  const json header = parse_header({file.data + 8, header_size}, name);
  if (!header.is_object()) fail_checkpoint(name, "safetensors header is not a JSON object");

  const uint64_t data_size = file.size - 8 - header_size;
  std::vector<TensorEntry> entries;
  entries.reserve(header.size());
  for (const auto& item : header.items()) {
    if (item.key() == kMetadataKey) {
      check_metadata(item.value(), name);
    } else {
      entries.push_back(parse_entry(item.key(), item.value(), data_size, name));
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

  json header = json::object();  // an std::map underneath: keys come out sorted
  uint64_t offset = 0;
  for (StateDict::const_pointer item : order) {
    const StoredTensor& tensor = item->second;
    const uint64_t end = offset + tensor.bytes.size();
    header[item->first] = {{"dtype", stored_type_name(tensor.type)},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    fail(ErrorCode::InvalidArgument, std::string("write_safetensors: a tensor name is not valid UTF-8: ") + e.what());
  }
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
