// Format detection and what all checkpoint formats share.
#include <cstring>
#include <new>

#include "checkpoint/file_io.h"
#include "checkpoint/internal.h"

namespace ghostnet {
namespace {

const std::string kModulePrefix = "module.";

Checkpoint parse_detected(ByteSpan file, const std::string& name, const CheckpointLimits& limits) {
  // A safetensors header length may begin with the bytes of the other formats' magic
  // (80 02 is a length of 640), so safetensors is recognised first: a '{' right after
  // a length that fits the file.
  const bool json_after_length = file.size > 8 && file.data[8] == '{';
  if (json_after_length && load_u64(file.data) <= file.size - 8) return parse_safetensors(file, name, limits);
  if (file.size >= 4 && std::memcmp(file.data, "PK\x03\x04", 4) == 0) return parse_torch_zip(file, name, limits);
  if (file.size >= 2 && file.data[0] == 0x80 && file.data[1] >= 2 && file.data[1] <= 5) {
    return parse_torch_legacy(file, name, limits);
  }
  if (json_after_length) return parse_safetensors(file, name, limits);  // says its header is cut short
  fail_checkpoint(name, std::string(file.size == 0 ? "the file is empty" : "unknown file format") +
                            ": checkpoints are read as safetensors, PyTorch zip files (torch.save) or legacy "
                            "PyTorch files (torch.save with _use_new_zipfile_serialization=False)");
}

// DataParallel and DistributedDataParallel save every key under "module.".
void strip_module_prefix(Checkpoint& checkpoint) {
  if (checkpoint.tensors.empty()) return;
  for (const auto& item : checkpoint.tensors) {
    if (item.first.compare(0, kModulePrefix.size(), kModulePrefix) != 0) return;
  }
  StateDict stripped;
  for (auto& item : checkpoint.tensors) stripped.emplace(item.first.substr(kModulePrefix.size()), std::move(item.second));
  checkpoint.tensors = std::move(stripped);
  checkpoint.stripped_module_prefix = true;
}

}  // namespace

Checkpoint parse_checkpoint(const uint8_t* data, std::size_t size, const std::string& name,
                            const CheckpointLimits& limits) {
  if (data == nullptr && size > 0) fail(ErrorCode::InvalidArgument, name + ": no data for " + std::to_string(size) + " bytes");
  try {
    Checkpoint checkpoint = parse_detected({data, size}, name, limits);
    strip_module_prefix(checkpoint);
    return checkpoint;
  } catch (const std::bad_alloc&) {
    fail(ErrorCode::OutOfMemory, name + ": out of host memory while reading the checkpoint");
  }
}

Checkpoint read_checkpoint(const std::string& path, const CheckpointLimits& limits) {
  const FileBytes file(path);
  return parse_checkpoint(file.bytes().data, file.bytes().size, path, limits);
}

}  // namespace ghostnet
