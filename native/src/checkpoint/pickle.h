// A restricted unpickler for the pickles torch.save writes (protocols 2 to 5).
//
// It rebuilds plain containers and tensors, nothing else: it knows only the opcodes such
// pickles use, resolves globals against a short allowlist and calls only the functions
// that rebuild tensors. Everything else is refused with an error naming it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkpoint/bytes.h"
#include "ghostnet/checkpoint.h"

namespace ghostnet {
namespace pickle {

using ValueId = uint32_t;

enum class Kind : uint8_t { None, Bool, Int, BigInt, Float, String, Tuple, List, Dict, Global, Storage, Tensor };

// The globals a pickle may name.
enum class Global : uint8_t { OrderedDict, RebuildTensorV2, RebuildTensor, RebuildParameter, StorageClass };

struct Value {
  Kind kind = Kind::None;
  bool ordered = false;                 // Dict: made by collections.OrderedDict
  Global global = Global::OrderedDict;  // Global
  StoredType storage_type = StoredType::F32;  // Global::StorageClass: its element type
  int64_t number = 0;  // Bool, Int; Storage: index into Heap::views; Tensor: into Heap::tensors
  double real = 0;     // Float
  std::string text;    // String; Global: its qualified name; BigInt: two's complement, little-endian
  std::vector<ValueId> items;  // Tuple, List; Dict: key, value, key, value, ...
};

// A storage as torch stores it, once per key.
struct StoredStorage {
  std::string key;
  StoredType type = StoredType::F32;
  int64_t numel = 0;
};

// What a persistent id stands for: a stored storage or, in old legacy files, a slice of one.
struct StorageView {
  uint32_t storage = 0;  // index into Heap::storages
  int64_t offset = 0;    // in elements
  int64_t numel = 0;
};

// The arguments of torch._utils._rebuild_tensor_v2, checked against the storage only
// when the tensor is materialized (then its name is known for the message).
struct TensorRef {
  uint32_t view = 0;  // index into Heap::views
  int64_t offset = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

// The values of all pickles in one file. Values refer to each other by index, never by
// pointer: cycles and deep nesting built by a hostile pickle cost nothing, because
// nothing walks the values recursively and the heap is freed as flat vectors.
class Heap {
 public:
  ValueId add(Value value);
  const Value& operator[](ValueId id) const { return values_[id]; }
  Value& operator[](ValueId id) { return values_[id]; }

  std::vector<StoredStorage> storages;
  std::map<std::string, uint32_t> storage_ids;  // by key
  std::vector<StorageView> views;
  std::vector<TensorRef> tensors;

 private:
  std::vector<Value> values_;
};

// Runs the pickle at data[begin...] up to its STOP opcode, leaves its value in *result and
// returns the offset after the STOP. `where` names the file (and zip entry) in messages.
std::size_t unpickle(Heap& heap, ByteSpan data, std::size_t begin, const std::string& where, ValueId* result);

// The value under a string key of a Dict (the last one, as Python keeps), or null.
const Value* find_key(const Heap& heap, const Value& dict, const std::string& key);

const char* kind_name(Kind kind);  // as Python names the type: "dict", "tuple", ...

}  // namespace pickle
}  // namespace ghostnet
