// StoredTensor and the small helpers every checkpoint reader shares.
#include <cstring>

#include "checkpoint/internal.h"
#include "ghostnet/dtype.h"

namespace ghostnet {

const char* stored_type_name(StoredType type) {
  switch (type) {
    case StoredType::F64: return "F64";
    case StoredType::F32: return "F32";
    case StoredType::F16: return "F16";
    case StoredType::BF16: return "BF16";
    case StoredType::I64: return "I64";
    case StoredType::I32: return "I32";
    case StoredType::I16: return "I16";
    case StoredType::I8: return "I8";
    case StoredType::U8: return "U8";
    case StoredType::Bool: return "BOOL";
  }
  return "unknown";
}

std::size_t stored_type_size(StoredType type) {
  switch (type) {
    case StoredType::F64:
    case StoredType::I64: return 8;
    case StoredType::F32:
    case StoredType::I32: return 4;
    case StoredType::F16:
    case StoredType::BF16:
    case StoredType::I16: return 2;
    case StoredType::I8:
    case StoredType::U8:
    case StoredType::Bool: return 1;
  }
  fail(ErrorCode::InvalidArgument, "unknown stored type " + std::to_string(int(type)));
}

const char* checkpoint_format_name(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::Safetensors: return "safetensors";
    case CheckpointFormat::TorchZip: return "PyTorch zip";
    case CheckpointFormat::TorchLegacy: return "PyTorch legacy";
  }
  return "unknown";
}

int64_t StoredTensor::numel() const {
  uint64_t count = 0;
  if (!checked_numel(shape, &count)) fail(ErrorCode::InvalidArgument, "tensor shape has a negative or overflowing size");
  return int64_t(count);
}

bool StoredTensor::is_floating() const {
  return type == StoredType::F64 || type == StoredType::F32 || type == StoredType::F16 || type == StoredType::BF16;
}

template <typename T>
static T element(const uint8_t* bytes, std::size_t index) {
  T value;
  std::memcpy(&value, bytes + index * sizeof(T), sizeof(T));
  return value;
}

std::vector<float> StoredTensor::to_float() const {
  if (!is_floating()) {
    fail(ErrorCode::InvalidArgument,
         std::string("to_float: a ") + stored_type_name(type) + " tensor holds no floating-point values");
  }
  const std::size_t count = bytes.size() / stored_type_size(type);
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    switch (type) {
      case StoredType::F64: values[i] = float(element<double>(bytes.data(), i)); break;
      case StoredType::F32: values[i] = element<float>(bytes.data(), i); break;
      case StoredType::F16: values[i] = half_to_float(element<uint16_t>(bytes.data(), i)); break;
      default: values[i] = bfloat16_to_float(element<uint16_t>(bytes.data(), i)); break;
    }
  }
  return values;
}

bool checked_numel(const std::vector<int64_t>& shape, uint64_t* numel) {
  uint64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0 || !checked_mul(count, uint64_t(dim), &count)) return false;
  }
  if (count > uint64_t(INT64_MAX)) return false;
  *numel = count;
  return true;
}

void AllocationBudget::reserve(const std::string& tensor, uint64_t bytes) {
  if (bytes > limits_.max_tensor_bytes) {
    fail(ErrorCode::OutOfMemory, file_ + ": tensor '" + tensor + "' needs " + std::to_string(bytes) +
                                     " bytes, more than the limit of " + std::to_string(limits_.max_tensor_bytes) +
                                     " bytes per tensor (CheckpointLimits::max_tensor_bytes)");
  }
  uint64_t total = 0;
  if (!checked_add(total_, bytes, &total) || total > limits_.max_total_bytes) {
    fail(ErrorCode::OutOfMemory, file_ + ": tensor '" + tensor + "' (" + std::to_string(bytes) +
                                     " bytes) brings the checkpoint past the limit of " +
                                     std::to_string(limits_.max_total_bytes) +
                                     " bytes in all (CheckpointLimits::max_total_bytes)");
  }
  total_ = total;
}

}  // namespace ghostnet
