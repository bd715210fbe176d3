// The GPU seam over the statically linked CUDA runtime.
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include "core/gpu_runtime.h"
#include "cuda/check.h"

namespace ghostnet::gpu {
namespace {

struct Probe {
  std::string reason;  // why GPUs cannot be used; "" when they can
  int device_count = 0;
  int driver_version = 0;
};

// The runtime reports a missing driver and one too old for it alike; looking for the
// driver library first tells the two apart.
std::string no_device_reason(cudaError_t status, int driver) {
  if (status == cudaErrorInsufficientDriver || status == cudaErrorCallRequiresNewerDriver) {
    if (void* libcuda = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD)) {
      dlclose(libcuda);
    } else if (void* probe = dlopen("libcuda.so.1", RTLD_LAZY)) {
      dlclose(probe);
    } else {
      return "no NVIDIA driver: libcuda.so.1 was not found";
    }
    return "the NVIDIA driver (CUDA " + std::to_string(driver / 1000) + "." +
           std::to_string(driver % 1000 / 10) + ") is older than this build's CUDA " +
           std::to_string(CUDART_VERSION / 1000) + "." + std::to_string(CUDART_VERSION % 1000 / 10) +
           " needs";
  }
  if (status == cudaErrorNoDevice) return "no CUDA device: the NVIDIA driver sees no GPU";
  return std::string("the CUDA runtime could not start: ") + cudaGetErrorName(status) + " (" +
         cudaGetErrorString(status) + ")";
}

const Probe& probe() {
  static const Probe result = [] {
    Probe p;
    cudaDriverGetVersion(&p.driver_version);
    const cudaError_t status = cudaGetDeviceCount(&p.device_count);
    if (status != cudaSuccess || p.device_count == 0) {
      p.reason = no_device_reason(status == cudaSuccess ? cudaErrorNoDevice : status, p.driver_version);
      p.device_count = 0;
      cudaGetLastError();  // the failed query must not linger as a sticky error
    }
    return p;
  }();
  return result;
}

}  // namespace

const std::string& unavailable_reason() { return probe().reason; }
int driver_version() { return probe().driver_version; }
int compiled_version() { return CUDART_VERSION; }

std::vector<GpuInfo> devices() {
  std::vector<GpuInfo> result;
  for (int i = 0; i < probe().device_count; ++i) {
    cudaDeviceProp prop{};
    check_cuda(cudaGetDeviceProperties(&prop, i), "cudaGetDeviceProperties");
    result.push_back({i, prop.name, prop.major, prop.minor, uint64_t(prop.totalGlobalMem)});
  }
  return result;
}

void require(int index) {
  const Probe& p = probe();
  if (!p.reason.empty()) fail(ErrorCode::DeviceUnavailable, "cuda:" + std::to_string(index) + " is unavailable: " + p.reason);
  if (index < 0 || index >= p.device_count) {
    fail(ErrorCode::DeviceUnavailable, "cuda:" + std::to_string(index) + " does not exist: this machine has " +
                                           std::to_string(p.device_count) + " CUDA device(s), cuda:0 to cuda:" +
                                           std::to_string(p.device_count - 1));
  }
}

void* alloc_device(int index, std::size_t bytes) {
  require(index);
  DeviceScope scope(index);
  void* data = nullptr;
  const cudaError_t status = cudaMalloc(&data, bytes);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    fail(ErrorCode::OutOfMemory, "cuda:" + std::to_string(index) + " is out of memory: could not allocate " +
                                     std::to_string(bytes) + " bytes");
  }
  check_cuda(status, "cudaMalloc");
  return data;
}

void free_device(int index, void* data) noexcept {
  if (data == nullptr) return;
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(index);
  cudaFree(data);
  cudaSetDevice(previous);
}

void* alloc_pinned(std::size_t bytes) {
  if (!probe().reason.empty()) return nullptr;
  void* data = nullptr;
  if (cudaHostAlloc(&data, bytes, cudaHostAllocPortable) != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorCode::OutOfMemory, "could not allocate " + std::to_string(bytes) + " bytes of pinned host memory");
  }
  return data;
}

static cudaPointerAttributes attributes_of(const void* data) noexcept {
  cudaPointerAttributes attributes{};
  if (probe().reason.empty() && cudaPointerGetAttributes(&attributes, data) != cudaSuccess) {
    cudaGetLastError();
    attributes.type = cudaMemoryTypeUnregistered;
  }
  return attributes;
}

bool is_pinned(const void* data) noexcept {
  return probe().reason.empty() && attributes_of(data).type == cudaMemoryTypeHost;
}

void free_pinned(void* data) noexcept { cudaFreeHost(data); }

int device_of(const void* data) noexcept {
  if (!probe().reason.empty()) return -1;
  const cudaPointerAttributes attributes = attributes_of(data);
  return attributes.type == cudaMemoryTypeDevice || attributes.type == cudaMemoryTypeManaged
             ? attributes.device
             : -1;
}

void* create_stream(int index) {
  require(index);
  DeviceScope scope(index);
  cudaStream_t stream = nullptr;
  check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  return stream;
}

void destroy_stream(void* stream) noexcept { cudaStreamDestroy(static_cast<cudaStream_t>(stream)); }

void synchronize_stream(int index, void* stream) {
  DeviceScope scope(index);
  check_cuda(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)), "cudaStreamSynchronize");
}

void copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, int index, void* stream,
          bool blocking) {
  static constexpr cudaMemcpyKind kinds[] = {cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost,
                                             cudaMemcpyDeviceToDevice};
  DeviceScope scope(index);
  auto s = static_cast<cudaStream_t>(stream);
  check_cuda(cudaMemcpyAsync(dst, src, bytes, kinds[int(kind)], s), "cudaMemcpyAsync");
  if (blocking) check_cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

}  // namespace ghostnet::gpu
