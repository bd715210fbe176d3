// Turning CUDA runtime failures into ghostnet errors.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "ghostnet/error.h"

namespace ghostnet::gpu {

[[noreturn]] inline void fail_cuda(cudaError_t status, const char* what) {
  const ErrorCode code =
      status == cudaErrorMemoryAllocation ? ErrorCode::OutOfMemory : ErrorCode::Internal;
  fail(code, std::string(what) + " failed: " + cudaGetErrorName(status) + " (" +
                 cudaGetErrorString(status) + ")");
}

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail_cuda(status, what);
}

// Sets the calling thread's current GPU for the scope, restoring the previous one, so
// a library call never changes the caller's CUDA state.
class DeviceScope {
 public:
  explicit DeviceScope(int index) {
    check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != index) check_cuda(cudaSetDevice(index), "cudaSetDevice");
  }
  ~DeviceScope() {
    int current = previous_;
    if (cudaGetDevice(&current) == cudaSuccess && current != previous_) cudaSetDevice(previous_);
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace ghostnet::gpu
