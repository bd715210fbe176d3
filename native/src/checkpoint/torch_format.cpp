// PyTorch checkpoints as torch.save writes them (see torch/serialization.py):
//  - the zip format (torch >= 1.6): "<prefix>/data.pkl" pickles the object, and each
//    storage it refers to by a persistent id is the entry "<prefix>/data/<key>";
//  - the legacy format: five pickles in a row (magic number, format version, system
//    info, the object, the list of storage keys), then every storage in the order of that
//    list as an int64 element count and the raw elements.
#include <cstring>
#include <functional>
#include <unordered_set>

#include "checkpoint/internal.h"
#include "checkpoint/pickle.h"
#include "checkpoint/zip_reader.h"
#include "core/text.h"

namespace ghostnet {
namespace {

using pickle::Heap;
using pickle::Kind;
using pickle::StoredStorage;
using pickle::TensorRef;
using pickle::Value;
using pickle::ValueId;

// Where timm looks for the weights in a training checkpoint, in its order of preference.
const char* const kWrapperKeys[] = {"state_dict_ema", "model_ema", "state_dict", "model"};

// The legacy format's magic number 0x1950a86a20f9469cfc6c, as LONG1 stores it.
const char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kLegacyVersion = 1001;

// The bytes of a stored storage, already checked to hold exactly its elements.
using StorageReader = std::function<ByteSpan(uint32_t storage)>;

const Value& find_state_dict(const Heap& heap, ValueId root, const std::string& file, std::string* wrapper) {
  const Value& top = heap[root];
  if (top.kind != Kind::Dict) {
    fail_checkpoint(file, std::string("the pickle holds an object of type ") + pickle::kind_name(top.kind) +
                              ", not a dict of tensors (a state_dict)");
  }
  for (const char* key : kWrapperKeys) {
    const Value* inner = pickle::find_key(heap, top, key);
    if (inner != nullptr && inner->kind == Kind::Dict) {
      *wrapper = key;
      return *inner;
    }
  }
  wrapper->clear();
  return top;
}

// The tensors of a state_dict by name. A key set twice keeps its last value, as in
// Python; entries that are not tensors (an epoch number, a config) are skipped.
std::map<std::string, const TensorRef*> tensors_of(const Heap& heap, const Value& dict) {
  // From the last item back, so the first value seen for a key is its last. A key value
  // seen before (a memoized key set again) is passed over by its id, without comparing
  // its text: the text of each distinct key value is compared as often as a map needs.
  std::map<std::string, ValueId> latest;
  std::unordered_set<ValueId> seen_keys;
  for (std::size_t i = dict.items.size() / 2; i-- > 0;) {
    const ValueId key_id = dict.items[2 * i];
    const Value& key = heap[key_id];
    if (key.kind != Kind::String || !seen_keys.insert(key_id).second) continue;
    if (latest.find(key.text) == latest.end()) latest.emplace(key.text, dict.items[2 * i + 1]);
  }
  std::map<std::string, const TensorRef*> tensors;
  for (const auto& item : latest) {
    const Value& value = heap[item.second];
    if (value.kind == Kind::Tensor) tensors.emplace(item.first, &heap.tensors[std::size_t(value.number)]);
  }
  return tensors;
}

// Checks that every element the tensor reads lies inside its storage view.
void check_bounds(const Heap& heap, const TensorRef& tensor, uint64_t numel, const std::string& name,
                  const std::string& file) {
  if (numel == 0) return;
  const pickle::StorageView& view = heap.views[tensor.view];
  uint64_t last = uint64_t(tensor.offset);
  bool fits = true;
  for (std::size_t d = 0; d < tensor.shape.size() && fits; ++d) {
    uint64_t step = 0;
    fits = checked_mul(uint64_t(tensor.shape[d] - 1), uint64_t(tensor.stride[d]), &step) && checked_add(last, step, &last);
  }
  if (!fits || last >= uint64_t(view.numel)) {
    fail_checkpoint(file, "tensor '" + name + "' (offset " + std::to_string(tensor.offset) + ", size " +
                              dims_text(tensor.shape) + ", stride " + dims_text(tensor.stride) +
                              ") reads past the end of its storage '" + heap.storages[view.storage].key + "' of " +
                              std::to_string(view.numel) + " elements");
  }
}

bool is_contiguous(const TensorRef& tensor) {
  int64_t expected = 1;
  for (std::size_t d = tensor.shape.size(); d-- > 0;) {
    if (tensor.shape[d] != 1 && tensor.stride[d] != expected) return false;
    expected *= tensor.shape[d];
  }
  return true;
}

// Copies the elements of a strided view into row-major order. The bounds were checked,
// so element indices are computed modulo 2^64 without harm: stepping an index past its
// dimension and back may overflow in between, never in the indices actually read.
void gather(const uint8_t* storage, std::size_t item_size, const TensorRef& tensor, uint64_t numel, uint8_t* out) {
  if (numel == 0) return;
  const uint8_t* first = storage + uint64_t(tensor.offset) * item_size;
  if (is_contiguous(tensor)) {
    std::memcpy(out, first, numel * item_size);
    return;
  }
  const std::size_t rank = tensor.shape.size();  // >= 1 and no dimension is 0: the others are contiguous
  const uint64_t row = uint64_t(tensor.shape[rank - 1]);
  const uint64_t row_stride = uint64_t(tensor.stride[rank - 1]);
  std::vector<int64_t> index(rank - 1, 0);
  uint64_t row_start = 0;  // in elements from `first`
  for (uint64_t rows = numel / row; rows > 0; --rows) {
    if (row_stride == 1) {
      std::memcpy(out, first + row_start * item_size, row * item_size);
      out += row * item_size;
    } else {
      for (uint64_t i = 0; i < row; ++i, out += item_size) {
        std::memcpy(out, first + (row_start + i * row_stride) * item_size, item_size);
      }
    }
    for (std::size_t d = rank - 1; d-- > 0;) {  // advance the outer dimensions like an odometer
      row_start += uint64_t(tensor.stride[d]);
      if (++index[d] < tensor.shape[d]) break;
      row_start -= uint64_t(tensor.stride[d]) * uint64_t(tensor.shape[d]);
      index[d] = 0;
    }
  }
}

struct PlannedTensor {
  const TensorRef* ref;
  StoredType type;
  uint64_t numel;
  const uint8_t* view;  // the first element of the storage view in the file
};

// Checks every selected tensor (shape, bounds, its storage in the file, the limits)
// before allocating any, then copies them out.
void materialize(const Heap& heap, const std::map<std::string, const TensorRef*>& tensors,
                 const StorageReader& read_storage, const std::string& file, const CheckpointLimits& limits,
                 StateDict* out) {
  AllocationBudget budget(limits, file);
  // Tensors often share a storage; each is read (and its CRC checked) once, so the work
  // stays proportional to the file however many tensors view the same bytes.
  std::map<uint32_t, ByteSpan> storages;
  std::map<std::string, PlannedTensor> plan;
  for (const auto& item : tensors) {
    const TensorRef& ref = *item.second;
    const pickle::StorageView& view = heap.views[ref.view];
    const StoredType type = heap.storages[view.storage].type;
    uint64_t numel = 0;
    uint64_t bytes = 0;
    if (!checked_numel(ref.shape, &numel) || !checked_mul(numel, stored_type_size(type), &bytes)) {
      fail_checkpoint(file, "tensor '" + item.first + "' has a size " + dims_text(ref.shape) + " that overflows");
    }
    check_bounds(heap, ref, numel, item.first, file);
    budget.reserve(item.first, bytes);
    auto cached = storages.find(view.storage);
    if (cached == storages.end()) cached = storages.emplace(view.storage, read_storage(view.storage)).first;
    const uint8_t* view_data = cached->second.data + uint64_t(view.offset) * stored_type_size(type);
    plan.emplace(item.first, PlannedTensor{&ref, type, numel, view_data});
  }
  for (const auto& item : plan) {
    const PlannedTensor& planned = item.second;
    StoredTensor tensor;
    tensor.type = planned.type;
    tensor.shape = planned.ref->shape;
    tensor.bytes.resize(planned.numel * stored_type_size(planned.type));
    gather(planned.view, stored_type_size(planned.type), *planned.ref, planned.numel, tensor.bytes.data());
    out->emplace(item.first, std::move(tensor));
  }
}

uint64_t storage_bytes(const StoredStorage& storage, const std::string& file) {
  uint64_t bytes = 0;
  if (!checked_mul(uint64_t(storage.numel), stored_type_size(storage.type), &bytes)) {
    fail_checkpoint(file, "storage '" + storage.key + "' has a size that overflows");
  }
  return bytes;
}

// The folder that holds data.pkl: torch names it after the file (torch 1.x) or "archive"
// (torch 2.x).
std::string find_prefix(const ZipArchive& archive, const std::string& file) {
  std::string prefix;
  int found = 0;
  for (const auto& item : archive.entries()) {
    const std::string& name = item.first;
    const std::size_t slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = name.substr(0, slash + 1);
      ++found;
    }
  }
  if (found != 1) {
    fail_checkpoint(file, found == 0 ? "a zip archive without '<folder>/data.pkl' is not a torch.save file"
                                     : "the zip archive holds several '<folder>/data.pkl' entries");
  }
  if (archive.find(prefix + "constants.pkl") != nullptr) {
    fail_checkpoint(file, "a TorchScript archive (torch.jit.save) is not a checkpoint: save the model's "
                          "state_dict() with torch.save");
  }
  return prefix;
}

}  // namespace

Checkpoint parse_torch_zip(ByteSpan file, const std::string& name, const CheckpointLimits& limits) {
  const ZipArchive archive(file, name);
  const std::string prefix = find_prefix(archive, name);
  // torch 2.x records the byte order of the storages; older files are little-endian.
  if (const ZipArchive::Entry* order = archive.find(prefix + "byteorder")) {
    const ByteSpan text = archive.read(*order);
    if (std::string(reinterpret_cast<const char*>(text.data), text.size) != "little") {
      fail_checkpoint(name, "only little-endian checkpoints are supported ('" + prefix + "byteorder' is not 'little')");
    }
  }

  const std::string pickle_name = prefix + "data.pkl";
  const ByteSpan pickle_bytes = archive.read(*archive.find(pickle_name));
  Heap heap;
  ValueId root = 0;
  const std::string where = name + " (" + pickle_name + ")";
  if (pickle::unpickle(heap, pickle_bytes, 0, where, &root) != pickle_bytes.size) {
    fail_checkpoint(where, "bytes follow the pickle's STOP opcode");
  }

  const auto read_storage = [&](uint32_t index) {
    const StoredStorage& storage = heap.storages[index];
    const std::string record = prefix + "data/" + storage.key;
    const ZipArchive::Entry* entry = archive.find(record);
    if (entry == nullptr) fail_checkpoint(name, "storage '" + record + "' is missing");
    const uint64_t expected = storage_bytes(storage, name);
    if (entry->size != expected) {
      fail_checkpoint(name, "storage '" + record + "' holds " + std::to_string(entry->size) + " bytes, its " +
                                std::to_string(storage.numel) + " " + stored_type_name(storage.type) +
                                " elements need " + std::to_string(expected));
    }
    return archive.read(*entry);
  };

  Checkpoint checkpoint;
  checkpoint.format = CheckpointFormat::TorchZip;
  const Value& state_dict = find_state_dict(heap, root, name, &checkpoint.wrapper);
  materialize(heap, tensors_of(heap, state_dict), read_storage, name, limits, &checkpoint.tensors);
  return checkpoint;
}

namespace {

void check_legacy_magic(const Heap& heap, ValueId magic, const std::string& file) {
  const Value& number = heap[magic];
  if (number.kind != Kind::BigInt || number.text != std::string(kLegacyMagic, sizeof kLegacyMagic - 1)) {
    fail_checkpoint(file, "not a PyTorch file: it starts with a pickle, but not with torch's magic number");
  }
}

void check_legacy_info(const Heap& heap, ValueId version, ValueId system, const std::string& file) {
  if (heap[version].kind != Kind::Int || heap[version].number != kLegacyVersion) {
    fail_checkpoint(file, "legacy PyTorch format version is not " + std::to_string(kLegacyVersion));
  }
  if (heap[system].kind != Kind::Dict) fail_checkpoint(file, "legacy PyTorch system info is not a dict");
  const Value* little_endian = pickle::find_key(heap, heap[system], "little_endian");
  if (little_endian != nullptr && !(little_endian->kind == Kind::Bool && little_endian->number == 1)) {
    fail_checkpoint(file, "only little-endian checkpoints are supported");
  }
}

// Finds each storage's bytes in the records after the pickles, checking every count
// against the file before anything is read or allocated.
std::vector<ByteSpan> locate_legacy_storages(const Heap& heap, const Value& keys, ByteSpan file, std::size_t at,
                                             const std::string& name) {
  std::vector<ByteSpan> spans(heap.storages.size());
  std::vector<bool> found(heap.storages.size(), false);
  for (ValueId key_id : keys.items) {
    const Value& key = heap[key_id];
    const auto id = key.kind == Kind::String ? heap.storage_ids.find(key.text) : heap.storage_ids.end();
    if (id == heap.storage_ids.end()) fail_checkpoint(name, "the storage list names a storage no tensor uses");
    if (found[id->second]) fail_checkpoint(name, "the storage list names '" + key.text + "' twice");
    found[id->second] = true;

    const StoredStorage& storage = heap.storages[id->second];
    if (file.size - at < 8) {
      fail_checkpoint(name, "truncated: storage '" + storage.key + "' needs its 8-byte size at offset " +
                                std::to_string(at) + ", file has " + std::to_string(file.size));
    }
    const uint64_t count = load_u64(file.data + at);
    if (count != uint64_t(storage.numel)) {
      fail_checkpoint(name, "storage '" + storage.key + "' holds " + std::to_string(count) + " elements, its tensors say " +
                                std::to_string(storage.numel));
    }
    const uint64_t bytes = storage_bytes(storage, name);
    at += 8;
    if (!range_fits(at, bytes, file.size)) {
      fail_checkpoint(name, "truncated: storage '" + storage.key + "' needs " + std::to_string(bytes) +
                                " bytes at offset " + std::to_string(at) + ", file has " + std::to_string(file.size));
    }
    spans[id->second] = {file.data + at, std::size_t(bytes)};
    at += bytes;
  }
  if (at != file.size) fail_checkpoint(name, std::to_string(file.size - at) + " bytes follow the last storage");
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!found[i]) fail_checkpoint(name, "storage '" + heap.storages[i].key + "' is used but not stored");
  }
  return spans;
}

}  // namespace

Checkpoint parse_torch_legacy(ByteSpan file, const std::string& name, const CheckpointLimits& limits) {
  Heap heap;
  ValueId magic = 0, version = 0, system = 0, root = 0, keys = 0;
  std::size_t at = pickle::unpickle(heap, file, 0, name, &magic);
  check_legacy_magic(heap, magic, name);
  at = pickle::unpickle(heap, file, at, name, &version);
  at = pickle::unpickle(heap, file, at, name, &system);
  check_legacy_info(heap, version, system, name);
  at = pickle::unpickle(heap, file, at, name, &root);
  at = pickle::unpickle(heap, file, at, name, &keys);
  if (heap[keys].kind != Kind::List) fail_checkpoint(name, "the legacy storage list is not a list");
  const std::vector<ByteSpan> spans = locate_legacy_storages(heap, heap[keys], file, at, name);

  Checkpoint checkpoint;
  checkpoint.format = CheckpointFormat::TorchLegacy;
  const Value& state_dict = find_state_dict(heap, root, name, &checkpoint.wrapper);
  materialize(heap, tensors_of(heap, state_dict), [&](uint32_t index) { return spans[index]; }, name, limits,
              &checkpoint.tensors);
  return checkpoint;
}

}  // namespace ghostnet
