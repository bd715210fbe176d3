// Declarations shared by the checkpoint readers (not part of the public API).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/bytes.h"
#include "ghostnet/checkpoint.h"

namespace ghostnet {

// The number of elements of `shape`; false when a dimension is negative or the product
// overflows int64 (a hostile shape must not wrap around to a small allocation).
bool checked_numel(const std::vector<int64_t>& shape, uint64_t* numel);

// Counts the bytes a reader is about to allocate against CheckpointLimits, so that a
// hostile file is refused before the allocation, not by it.
class AllocationBudget {
 public:
  AllocationBudget(const CheckpointLimits& limits, std::string file) : limits_(limits), file_(std::move(file)) {}
  void reserve(const std::string& tensor, uint64_t bytes);

 private:
  CheckpointLimits limits_;
  std::string file_;
  uint64_t total_ = 0;
};

// The format readers. Each returns the tensors as the file holds them (unwrapped from
// timm's containers for PyTorch files); parse_checkpoint strips "module." afterwards.
Checkpoint parse_safetensors(ByteSpan file, const std::string& name, const CheckpointLimits& limits);
Checkpoint parse_torch_zip(ByteSpan file, const std::string& name, const CheckpointLimits& limits);
Checkpoint parse_torch_legacy(ByteSpan file, const std::string& name, const CheckpointLimits& limits);

}  // namespace ghostnet
