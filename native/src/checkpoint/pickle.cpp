// Opcode semantics follow CPython's Lib/pickle.py; the opcodes torch.save's pickles use
// were checked with pickletools on files torch 1.13 writes (protocol 2, its default, and 4).
#include "checkpoint/pickle.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace ghostnet {
namespace pickle {
namespace {

// The opcodes accepted, by the byte that encodes them.
enum Opcode : uint8_t {
  kMark = '(',
  kStop = '.',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinString = 'T',
  kShortBinString = 'U',
  kBinUnicode = 'X',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kEmptyList = ']',
  kBinFloat = 'G',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kSetItems = 'u',
  kEmptyDict = '}',
  kEmptyTuple = ')',
  kProto = 0x80,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

struct AllowedGlobal {
  const char* module;
  const char* name;
  Global global;
  StoredType storage_type;
};

// collections.OrderedDict: every state_dict is one. torch._utils' rebuild functions: how
// torch pickles a tensor (_rebuild_tensor by torch before 0.4), and a Parameter around
// one. The typed storage classes: how a persistent id names a storage's element type
// (torch 2.x still writes these legacy names for the ten types below).
const AllowedGlobal kAllowedGlobals[] = {
    {"collections", "OrderedDict", Global::OrderedDict, StoredType::F32},
    {"torch._utils", "_rebuild_tensor_v2", Global::RebuildTensorV2, StoredType::F32},
    {"torch._utils", "_rebuild_tensor", Global::RebuildTensor, StoredType::F32},
    {"torch._utils", "_rebuild_parameter", Global::RebuildParameter, StoredType::F32},
    {"torch", "DoubleStorage", Global::StorageClass, StoredType::F64},
    {"torch", "FloatStorage", Global::StorageClass, StoredType::F32},
    {"torch", "HalfStorage", Global::StorageClass, StoredType::F16},
    {"torch", "BFloat16Storage", Global::StorageClass, StoredType::BF16},
    {"torch", "LongStorage", Global::StorageClass, StoredType::I64},
    {"torch", "IntStorage", Global::StorageClass, StoredType::I32},
    {"torch", "ShortStorage", Global::StorageClass, StoredType::I16},
    {"torch", "CharStorage", Global::StorageClass, StoredType::I8},
    {"torch", "ByteStorage", Global::StorageClass, StoredType::U8},
    {"torch", "BoolStorage", Global::StorageClass, StoredType::Bool},
};

// The most dimensions a tensor may have (torch's own kernels stop at 25).
constexpr std::size_t kMaxRank = 64;

// Names that come from the file go into messages cut short, so a hostile file cannot
// make a message as large as itself.
std::string quoted(const std::string& text) {
  constexpr std::size_t kMax = 120;
  return "'" + (text.size() <= kMax ? text : text.substr(0, kMax) + "...") + "'";
}

class Unpickler {
 public:
  Unpickler(Heap& heap, ByteSpan data, std::size_t begin, const std::string& where)
      : heap_(heap), data_(data), position_(begin), where_(where) {}

  ValueId run();
  std::size_t position() const { return position_; }

 private:
  [[noreturn]] void corrupt(const std::string& what) const {
    fail_checkpoint(where_, "corrupt pickle: " + what + " (opcode at byte " + std::to_string(opcode_at_) + ")");
  }

  // Reading the opcode stream; every read is bounded by the data.
  const uint8_t* take(uint64_t size);
  uint8_t take_u8() { return *take(1); }
  std::string take_string(uint64_t size);
  std::string take_line();

  // The stack. Python fences off the items below the last MARK; so does this.
  void push(ValueId id) { stack_.push_back(id); }
  void push(Value value) { stack_.push_back(heap_.add(std::move(value))); }
  ValueId pop();
  ValueId top() const;
  std::vector<ValueId> pop_to_mark();
  void push_int(int64_t number);
  void push_string(std::string text);

  void memo_put(uint64_t index);
  void memo_get(uint64_t index);
  void push_long(uint64_t size);
  void push_global(const std::string& module, const std::string& name);
  void set_items(const std::vector<ValueId>& items);
  void append_items(const std::vector<ValueId>& items);
  void reduce();
  void build();
  void persistent_load();

  Value rebuild_tensor(const std::vector<ValueId>& args, bool v2);
  const Value& expect(ValueId id, Kind kind, const char* what) const;
  int64_t expect_count(ValueId id, const char* what) const;
  std::vector<int64_t> expect_counts(ValueId id, const char* what) const;
  void step(uint8_t opcode);

  Heap& heap_;
  ByteSpan data_;
  std::size_t position_;
  std::size_t opcode_at_ = 0;
  const std::string& where_;
  std::vector<ValueId> stack_;
  std::vector<std::size_t> marks_;  // stack sizes at each open MARK
  std::unordered_map<uint64_t, ValueId> memo_;
  // Storages by the value of their key: a memoized persistent id loaded again costs a
  // lookup, not a comparison of its whole key.
  std::unordered_map<ValueId, uint32_t> storage_of_key_;
  bool stopped_ = false;
};

const uint8_t* Unpickler::take(uint64_t size) {
  if (size > data_.size - position_) {
    fail_checkpoint(where_, "truncated pickle: the opcode at byte " + std::to_string(opcode_at_) + " needs " +
                                std::to_string(size) + " more bytes, " + std::to_string(data_.size - position_) +
                                " are left");
  }
  const uint8_t* bytes = data_.data + position_;
  position_ += size;
  return bytes;
}

std::string Unpickler::take_string(uint64_t size) {
  const uint8_t* bytes = take(size);
  return std::string(reinterpret_cast<const char*>(bytes), size);
}

std::string Unpickler::take_line() {
  const uint8_t* begin = data_.data + position_;
  const void* newline = std::memchr(begin, '\n', data_.size - position_);
  if (newline == nullptr) fail_checkpoint(where_, "truncated pickle: a GLOBAL name has no end");
  std::string line = take_string(uint64_t(static_cast<const uint8_t*>(newline) - begin));
  take(1);
  return line;
}

ValueId Unpickler::pop() {
  if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) corrupt("the stack is empty");
  const ValueId id = stack_.back();
  stack_.pop_back();
  return id;
}

ValueId Unpickler::top() const {
  if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) corrupt("the stack is empty");
  return stack_.back();
}

std::vector<ValueId> Unpickler::pop_to_mark() {
  if (marks_.empty()) corrupt("no MARK is open");
  const auto begin = stack_.begin() + std::ptrdiff_t(marks_.back());
  std::vector<ValueId> items(begin, stack_.end());
  stack_.erase(begin, stack_.end());
  marks_.pop_back();
  return items;
}

void Unpickler::push_int(int64_t number) {
  Value value;
  value.kind = Kind::Int;
  value.number = number;
  push(std::move(value));
}

void Unpickler::push_string(std::string text) {
  Value value;
  value.kind = Kind::String;
  value.text = std::move(text);
  push(std::move(value));
}

void Unpickler::memo_put(uint64_t index) { memo_[index] = top(); }

void Unpickler::memo_get(uint64_t index) {
  const auto found = memo_.find(index);
  if (found == memo_.end()) corrupt("memo entry " + std::to_string(index) + " was never stored");
  push(found->second);
}

// LONG1: a little-endian two's complement integer of up to 255 bytes. Those that fit
// int64 become Int; the longer ones only ever serve to be compared (the legacy format's
// magic number), so they keep their bytes.
void Unpickler::push_long(uint64_t size) {
  const uint8_t* bytes = take(size);
  if (size > 8) {
    Value value;
    value.kind = Kind::BigInt;
    value.text.assign(reinterpret_cast<const char*>(bytes), size);
    push(std::move(value));
    return;
  }
  uint64_t bits = 0;
  for (uint64_t i = 0; i < size; ++i) bits |= uint64_t(bytes[i]) << (8 * i);
  if (size > 0 && size < 8 && (bytes[size - 1] & 0x80)) bits |= ~uint64_t(0) << (8 * size);  // sign-extend
  push_int(int64_t(bits));
}

void Unpickler::push_global(const std::string& module, const std::string& name) {
  for (const AllowedGlobal& allowed : kAllowedGlobals) {
    if (module == allowed.module && name == allowed.name) {
      Value value;
      value.kind = Kind::Global;
      value.global = allowed.global;
      value.storage_type = allowed.storage_type;
      value.text = module + "." + name;
      push(std::move(value));
      return;
    }
  }
  fail(ErrorCode::Checkpoint, "refused pickle global " + quoted(module + "." + name) + " in " + where_ +
                                  ": only tensors and plain containers are loaded");
}

void Unpickler::set_items(const std::vector<ValueId>& items) {
  if (items.size() % 2 != 0) corrupt("SETITEMS has a key without a value");
  Value& dict = heap_[top()];
  if (dict.kind != Kind::Dict) corrupt(std::string("SETITEM on a ") + kind_name(dict.kind));
  dict.items.insert(dict.items.end(), items.begin(), items.end());
}

void Unpickler::append_items(const std::vector<ValueId>& items) {
  Value& list = heap_[top()];
  if (list.kind != Kind::List) corrupt(std::string("APPEND on a ") + kind_name(list.kind));
  list.items.insert(list.items.end(), items.begin(), items.end());
}

const Value& Unpickler::expect(ValueId id, Kind kind, const char* what) const {
  const Value& value = heap_[id];
  if (value.kind != kind) {
    corrupt(std::string(what) + " is a " + kind_name(value.kind) + ", expected a " + kind_name(kind));
  }
  return value;
}

int64_t Unpickler::expect_count(ValueId id, const char* what) const {
  const Value& value = expect(id, Kind::Int, what);
  if (value.number < 0) corrupt(std::string(what) + " is negative");
  return value.number;
}

std::vector<int64_t> Unpickler::expect_counts(ValueId id, const char* what) const {
  const std::vector<ValueId>& items = expect(id, Kind::Tuple, what).items;
  // A memoized tuple costs its bytes once but could be the size of any number of tensors:
  // bounding the rank keeps each tensor's cost bounded too.
  if (items.size() > kMaxRank) {
    corrupt(std::string(what) + " has " + std::to_string(items.size()) + " dimensions, more than " +
            std::to_string(kMaxRank));
  }
  std::vector<int64_t> counts;
  for (ValueId item : items) counts.push_back(expect_count(item, what));
  return counts;
}

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[,
// metadata]) or _rebuild_tensor(storage, storage_offset, size, stride).
Value Unpickler::rebuild_tensor(const std::vector<ValueId>& args, bool v2) {
  const bool arity_ok = v2 ? (args.size() == 6 || args.size() == 7) : args.size() == 4;
  if (!arity_ok) corrupt("a tensor is rebuilt from " + std::to_string(args.size()) + " arguments");
  TensorRef tensor;
  tensor.view = uint32_t(expect(args[0], Kind::Storage, "a tensor's storage").number);
  tensor.offset = expect_count(args[1], "a tensor's storage offset");
  tensor.shape = expect_counts(args[2], "a tensor's size");
  tensor.stride = expect_counts(args[3], "a tensor's stride");
  if (tensor.shape.size() != tensor.stride.size()) corrupt("a tensor's size and stride differ in length");
  if (v2) {
    expect(args[4], Kind::Bool, "a tensor's requires_grad");
    expect(args[5], Kind::Dict, "a tensor's backward hooks");
    if (args.size() == 7 && heap_[args[6]].kind != Kind::None) expect(args[6], Kind::Dict, "a tensor's metadata");
  }
  heap_.tensors.push_back(std::move(tensor));
  Value value;
  value.kind = Kind::Tensor;
  value.number = int64_t(heap_.tensors.size() - 1);
  return value;
}

// REDUCE calls only the allowed functions: anything callable got here through
// push_global, so the callee is one of them.
void Unpickler::reduce() {
  const ValueId args_id = pop();
  const Value& callee = expect(pop(), Kind::Global, "the callee of REDUCE");
  const std::vector<ValueId> args = expect(args_id, Kind::Tuple, "the arguments of REDUCE").items;
  Value result;
  switch (callee.global) {
    case Global::OrderedDict:
      if (!args.empty()) corrupt("collections.OrderedDict is called with arguments");
      result.kind = Kind::Dict;
      result.ordered = true;
      break;
    case Global::RebuildTensorV2: result = rebuild_tensor(args, true); break;
    case Global::RebuildTensor: result = rebuild_tensor(args, false); break;
    case Global::RebuildParameter:
      // _rebuild_parameter(data, requires_grad, backward_hooks): the tensor is all we keep.
      if (args.size() != 3) corrupt("a parameter is rebuilt from " + std::to_string(args.size()) + " arguments");
      expect(args[0], Kind::Tensor, "a parameter's data");
      expect(args[1], Kind::Bool, "a parameter's requires_grad");
      expect(args[2], Kind::Dict, "a parameter's backward hooks");
      push(args[0]);
      return;
    case Global::StorageClass: corrupt(quoted(callee.text) + " is called, which torch never does");
  }
  push(std::move(result));
}

// BUILD sets attributes from a state dict. torch pickles one only for a state_dict's
// _metadata attribute (versions of its modules), which loading weights does not need.
void Unpickler::build() {
  const ValueId state = pop();
  const Value& target = heap_[top()];
  if (target.kind != Kind::Dict || !target.ordered) {
    corrupt(std::string("BUILD on a ") + kind_name(target.kind) + ", which only an OrderedDict accepts");
  }
  expect(state, Kind::Dict, "the state of an OrderedDict");
}

// torch's persistent ids: ('storage', storage class, key, location, numel), plus a view
// (view key, offset, numel) or None in the legacy format.
void Unpickler::persistent_load() {
  const std::vector<ValueId> id = expect(pop(), Kind::Tuple, "a persistent id").items;
  if (id.empty()) corrupt("a persistent id is empty");
  const std::string& type_name = expect(id[0], Kind::String, "a persistent id's type").text;
  if (type_name != "storage") {
    fail(ErrorCode::Checkpoint, "refused persistent id " + quoted(type_name) + " in " + where_ +
                                    ": only tensor storages are loaded" +
                                    (type_name == "module" ? " (the file pickles a whole nn.Module; save its state_dict())" : ""));
  }
  if (id.size() != 5 && id.size() != 6) corrupt("a storage's persistent id has " + std::to_string(id.size()) + " fields");
  const Value& storage_class = expect(id[1], Kind::Global, "a storage's type");
  if (storage_class.global != Global::StorageClass) corrupt(quoted(storage_class.text) + " is not a storage type");
  const std::string& key = expect(id[2], Kind::String, "a storage's key").text;
  expect(id[3], Kind::String, "a storage's location");
  const int64_t numel = expect_count(id[4], "a storage's size");

  uint32_t storage = 0;
  const auto cached = storage_of_key_.find(id[2]);
  if (cached != storage_of_key_.end()) {
    storage = cached->second;
  } else {
    const auto found = heap_.storage_ids.find(key);
    storage = found != heap_.storage_ids.end() ? found->second : uint32_t(heap_.storages.size());
    if (found == heap_.storage_ids.end()) {
      heap_.storage_ids.emplace(key, storage);
      heap_.storages.push_back({key, storage_class.storage_type, numel});
    }
    storage_of_key_.emplace(id[2], storage);
  }
  const StoredStorage& known = heap_.storages[storage];
  if (known.type != storage_class.storage_type || known.numel != numel) {
    corrupt("storage " + quoted(key) + " is declared twice with different types or sizes");
  }

  StorageView view{storage, 0, numel};
  if (id.size() == 6 && heap_[id[5]].kind != Kind::None) {
    const std::vector<ValueId>& slice = expect(id[5], Kind::Tuple, "a storage view").items;
    if (slice.size() != 3) corrupt("a storage view has " + std::to_string(slice.size()) + " fields");
    expect(slice[0], Kind::String, "a storage view's key");
    view.offset = expect_count(slice[1], "a storage view's offset");
    view.numel = expect_count(slice[2], "a storage view's size");
    if (view.offset > numel || view.numel > numel - view.offset) {
      corrupt("a view of storage " + quoted(key) + " reaches past its " + std::to_string(numel) + " elements");
    }
  }
  heap_.views.push_back(view);
  Value value;
  value.kind = Kind::Storage;
  value.number = int64_t(heap_.views.size() - 1);
  push(std::move(value));
}

void Unpickler::step(uint8_t opcode) {
  switch (opcode) {
    case kProto: {
      const uint8_t version = take_u8();
      if (version < 2 || version > 5) corrupt("pickle protocol " + std::to_string(version) + " is not 2 to 5");
      break;
    }
    case kFrame: {
      // Frames only announce how much follows; the opcodes inside are read as usual.
      const uint64_t size = load_u64(take(8));
      if (size > data_.size - position_) fail_checkpoint(where_, "truncated pickle: a frame reaches past its end");
      break;
    }
    case kStop: stopped_ = true; break;
    case kMark: marks_.push_back(stack_.size()); break;
    case kBinPut: memo_put(take_u8()); break;
    case kLongBinPut: memo_put(load_u32(take(4))); break;
    case kMemoize: memo_put(memo_.size()); break;
    case kBinGet: memo_get(take_u8()); break;
    case kLongBinGet: memo_get(load_u32(take(4))); break;
    case kNone: push(Value{}); break;
    case kNewTrue:
    case kNewFalse: {
      Value value;
      value.kind = Kind::Bool;
      value.number = opcode == kNewTrue;
      push(std::move(value));
      break;
    }
    case kBinInt: push_int(int32_t(load_u32(take(4)))); break;
    case kBinInt1: push_int(take_u8()); break;
    case kBinInt2: push_int(load_u16(take(2))); break;
    case kLong1: push_long(take_u8()); break;
    case kBinFloat: {
      uint64_t bits = 0;  // big-endian, unlike everything else in a pickle
      for (const uint8_t* byte = take(8), *end = byte + 8; byte != end; ++byte) bits = (bits << 8) | *byte;
      Value value;
      value.kind = Kind::Float;
      std::memcpy(&value.real, &bits, sizeof bits);
      push(std::move(value));
      break;
    }
    case kShortBinUnicode:
    case kShortBinString: push_string(take_string(take_u8())); break;
    case kBinUnicode: push_string(take_string(load_u32(take(4)))); break;
    case kBinString: {
      const int32_t size = int32_t(load_u32(take(4)));
      if (size < 0) corrupt("BINSTRING has a negative length");
      push_string(take_string(uint64_t(size)));
      break;
    }
    case kBinUnicode8: push_string(take_string(load_u64(take(8)))); break;
    case kEmptyDict:
    case kEmptyList:
    case kEmptyTuple: {
      Value value;
      value.kind = opcode == kEmptyDict ? Kind::Dict : opcode == kEmptyList ? Kind::List : Kind::Tuple;
      push(std::move(value));
      break;
    }
    case kTuple:
    case kTuple1:
    case kTuple2:
    case kTuple3: {
      Value value;
      value.kind = Kind::Tuple;
      if (opcode == kTuple) {
        value.items = pop_to_mark();
      } else {
        value.items.resize(opcode - kTuple1 + 1);
        for (auto item = value.items.rbegin(); item != value.items.rend(); ++item) *item = pop();
      }
      push(std::move(value));
      break;
    }
    case kSetItem: {
      const ValueId item = pop();
      const ValueId key = pop();
      set_items({key, item});
      break;
    }
    case kSetItems: set_items(pop_to_mark()); break;
    case kAppend: append_items({pop()}); break;
    case kAppends: append_items(pop_to_mark()); break;
    case kGlobal: {
      const std::string module = take_line();
      push_global(module, take_line());
      break;
    }
    case kStackGlobal: {
      const std::string name = expect(pop(), Kind::String, "a global's name").text;
      const std::string module = expect(pop(), Kind::String, "a global's module").text;
      push_global(module, name);
      break;
    }
    case kReduce: reduce(); break;
    case kBuild: build(); break;
    case kBinPersId: persistent_load(); break;
    default: {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02x", opcode);
      fail_checkpoint(where_, std::string("pickle opcode ") + code + " at byte " + std::to_string(opcode_at_) +
                                  " is not one torch.save uses for tensors and plain containers");
    }
  }
}

ValueId Unpickler::run() {
  while (!stopped_) {
    opcode_at_ = position_;
    if (position_ >= data_.size) fail_checkpoint(where_, "truncated pickle: it ends without a STOP opcode");
    step(take_u8());
  }
  if (!marks_.empty() || stack_.size() != 1) corrupt("STOP leaves " + std::to_string(stack_.size()) + " values");
  return stack_.back();
}

}  // namespace

ValueId Heap::add(Value value) {
  values_.push_back(std::move(value));
  return ValueId(values_.size() - 1);
}

std::size_t unpickle(Heap& heap, ByteSpan data, std::size_t begin, const std::string& where, ValueId* result) {
  Unpickler unpickler(heap, data, begin, where);
  *result = unpickler.run();
  return unpickler.position();
}

const Value* find_key(const Heap& heap, const Value& dict, const std::string& key) {
  for (std::size_t i = dict.items.size(); i >= 2; i -= 2) {
    const Value& candidate = heap[dict.items[i - 2]];
    if (candidate.kind == Kind::String && candidate.text == key) return &heap[dict.items[i - 1]];
  }
  return nullptr;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int:
    case Kind::BigInt: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "unknown";
}

}  // namespace pickle
}  // namespace ghostnet
