// Reading GhostNet checkpoints as users have them, and writing safetensors.
//
// Supported: safetensors (F32, F16, BF16 and the integer/bool types), and PyTorch files
// as torch.save writes them, both the zip format (torch >= 1.6) and the older legacy
// format. A PyTorch checkpoint is parsed, never executed: a restricted unpickler accepts
// only the opcodes and globals needed to rebuild tensors and plain containers, and
// refuses anything else with an error that names it.
#pragma once

#include "ghostnet/export.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ghostnet {

// Element types found in checkpoints: a superset of DType, because integer entries
// such as BatchNorm's num_batches_tracked appear beside the weights.
enum class StoredType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

GHOSTNET_API const char* stored_type_name(StoredType type);  // safetensors spelling: "F32", "I64", ...
GHOSTNET_API std::size_t stored_type_size(StoredType type);

struct GHOSTNET_API StoredTensor {
  StoredType type = StoredType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // contiguous, row-major, little-endian

  int64_t numel() const;
  bool is_floating() const;
  // The values as float; throws Error(InvalidArgument) for non-floating types.
  std::vector<float> to_float() const;
};

// Ordered by key, so error messages and written files are deterministic.
using StateDict = std::map<std::string, StoredTensor>;

// Bounds on what a checkpoint may ask the reader to allocate. Every parser's work is
// also bounded by the file size, but a tiny file can describe large tensors (stride-0
// views), so these bound memory. GhostNet's largest tensor is a few MB even at width 2;
// the defaults leave room for wider models and still refuse a hostile file early.
struct CheckpointLimits {
  uint64_t max_tensor_bytes = uint64_t(1) << 30;  // one tensor: 1 GiB
  uint64_t max_total_bytes = uint64_t(1) << 32;   // all tensors together: 4 GiB
};

enum class CheckpointFormat { Safetensors, TorchZip, TorchLegacy };
GHOSTNET_API const char* checkpoint_format_name(CheckpointFormat format);

struct Checkpoint {
  CheckpointFormat format = CheckpointFormat::Safetensors;
  // Where the state_dict was found: "" (the top level) or the wrapping key
  // ("state_dict_ema", "model_ema", "state_dict" or "model", tried in that order, as timm does).
  std::string wrapper;
  bool stripped_module_prefix = false;  // every key had DataParallel's "module." prefix
  StateDict tensors;
};

// Reads a checkpoint file, detecting its format from its first bytes. Errors name the
// file and say what is wrong (ErrorCode::Checkpoint), or which limit was hit
// (ErrorCode::OutOfMemory).
GHOSTNET_API Checkpoint read_checkpoint(const std::string& path, const CheckpointLimits& limits = {});

// The same over bytes in memory; `name` stands for the file in error messages.
GHOSTNET_API Checkpoint parse_checkpoint(const uint8_t* data, std::size_t size, const std::string& name,
                            const CheckpointLimits& limits = {});

// Writes tensors as safetensors, each in its stored type.
GHOSTNET_API void write_safetensors(const std::string& path, const StateDict& tensors);

}  // namespace ghostnet
