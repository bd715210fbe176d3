#include "ghostnet/device.h"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "core/gpu_runtime.h"
#include "ghostnet/error.h"

namespace ghostnet {

std::string Device::to_string() const {
  return kind == DeviceKind::Host ? "cpu" : "cuda:" + std::to_string(index);
}

int available_host_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

RuntimeReport runtime_report() {
  RuntimeReport report;
  report.library_version = GHOSTNET_VERSION;
#if defined(GHOSTNET_WITH_CUDA)
  report.built_with_cuda = true;
#endif
  report.host_cores = available_host_cores();
  report.cuda_compiled_version = gpu::compiled_version();
  report.cuda_driver_version = gpu::driver_version();
  report.gpu_unavailable_reason = gpu::unavailable_reason();
  report.gpu_libraries = gpu::gpu_libraries();
  if (report.gpu_unavailable_reason.empty()) {
    report.gpus = gpu::devices();
    report.gpu_unavailable_reason = gpu::cudnn_unavailable_reason();
  }
  return report;
}

void require_device(const Device& device) {
  if (device.kind == DeviceKind::Host) return;
  if (device.kind != DeviceKind::Cuda) {
    fail(ErrorCode::InvalidArgument, "unknown device kind " + std::to_string(int(device.kind)));
  }
  gpu::require(device.index);
}

}  // namespace ghostnet
