// The CUDA executor of a host-only build: asking for it says the build has no CUDA.
#include "core/gpu_runtime.h"
#include "runtime/backend.h"

namespace ghostnet {

std::unique_ptr<Backend> make_cuda_backend(std::shared_ptr<const graph::Graph>, Device device, const ModelOptions&) {
  gpu::require(device.index);  // throws DeviceUnavailable, saying why
  return nullptr;
}

}  // namespace ghostnet
