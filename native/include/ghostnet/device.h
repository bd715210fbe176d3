// Devices: the host (all CPU cores) and CUDA GPUs, and what the library can see of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ghostnet/c_api.h"
#include "ghostnet/export.h"

namespace ghostnet {

// The numbers are the C API's.
enum class DeviceKind : int32_t { Host = GN_DEVICE_HOST, Cuda = GN_DEVICE_CUDA };

struct GHOSTNET_API Device {
  DeviceKind kind = DeviceKind::Host;
  int index = 0;

  static Device host() { return {DeviceKind::Host, 0}; }
  static Device cuda(int index) { return {DeviceKind::Cuda, index}; }
  bool is_cuda() const { return kind == DeviceKind::Cuda; }
  std::string to_string() const;  // "cpu" or "cuda:N"
  bool operator==(const Device& other) const { return kind == other.kind && index == other.index; }
  bool operator!=(const Device& other) const { return !(*this == other); }
};

struct GpuInfo {
  int index = 0;
  std::string name;
  int compute_capability_major = 0;
  int compute_capability_minor = 0;
  uint64_t total_memory_bytes = 0;
};

// A library the GPU path loads at run time (cuDNN, and the cuBLASLt and NVRTC that cuDNN
// opens by name), as it was found.
struct GpuLibrary {
  std::string name;     // "cuDNN", "cuBLASLt", "NVRTC"
  std::string version;  // "9.19.0"; empty when it was not loaded
  std::string path;     // the file it was loaded from; empty when it was not loaded
  std::string notes;    // what else is worth knowing: the CUDA version it is for, parts that did not load
  std::string problem;  // empty when it was loaded; else why not, with every place looked at
};

// What this build and this machine offer. When no GPU is usable, gpu_unavailable_reason
// says exactly why (a host-only build, no driver, no device, or no usable cuDNN or cuBLASLt,
// with where they were looked for).
struct RuntimeReport {
  std::string library_version;
  int host_cores = 0;  // the cores this process may run on (its CPU affinity)
  bool built_with_cuda = false;
  int cuda_compiled_version = 0;  // e.g. 13000 for 13.0; 0 in a host-only build
  int cuda_driver_version = 0;    // 0 when there is no driver
  std::vector<GpuInfo> gpus;
  std::vector<GpuLibrary> gpu_libraries;  // searched for whenever the build has CUDA
  std::string gpu_unavailable_reason;  // empty when GPUs are usable
};

GHOSTNET_API RuntimeReport runtime_report();

// The cores this process may run on: its CPU affinity, which containers and taskset narrow.
GHOSTNET_API int available_host_cores();

// Throws Error(DeviceUnavailable) saying why when `device` cannot run ghostnet.
GHOSTNET_API void require_device(const Device& device);

}  // namespace ghostnet
