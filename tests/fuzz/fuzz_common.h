// What every fuzz target shares: small limits, and the rule that a parser of outside bytes
// either returns or throws ghostnet::Error. Any other exception escapes the target and
// libFuzzer reports it (as a crash: an uncaught exception aborts), as it does every
// sanitizer report, leak, timeout and out-of-memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"

namespace ghostnet::fuzz {

// A stride-0 expanded tensor can ask for far more memory than its file holds, so the
// limits are a few megabytes: what the readers promise is that they refuse past the
// limit before allocating, which these limits let the fuzzer reach.
inline CheckpointLimits small_limits() {
  CheckpointLimits limits;
  limits.max_tensor_bytes = uint64_t(4) << 20;
  limits.max_total_bytes = uint64_t(16) << 20;
  return limits;
}

// Uses what a successful parse returned, as a loader would: every tensor's size must
// match its bytes, and floating tensors convert.
inline void consume(const Checkpoint& checkpoint) {
  for (const auto& item : checkpoint.tensors) {
    const StoredTensor& tensor = item.second;
    const uint64_t expected = uint64_t(tensor.numel()) * stored_type_size(tensor.type);
    if (expected != tensor.bytes.size()) __builtin_trap();  // a reader returned an inconsistent tensor
    if (tensor.is_floating()) {
      volatile float sink = 0;
      for (float value : tensor.to_float()) sink = sink + value;
    }
  }
}

inline void parse_checkpoint_bytes(const uint8_t* data, std::size_t size) {
  try {
    consume(parse_checkpoint(data, size, "fuzz input", small_limits()));
  } catch (const Error&) {
    // refused with a typed error: the expected outcome for most inputs
  }
}

}  // namespace ghostnet::fuzz
