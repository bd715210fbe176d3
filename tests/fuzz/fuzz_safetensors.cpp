// libFuzzer target: safetensors files: the 8-byte header length, the JSON header (checkpoint/json.h
// with its depth, repeated-key and UTF-8 checks), entries, layout checks and the limits.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ghostnet::fuzz::parse_checkpoint_bytes(data, size);
  return 0;
}
