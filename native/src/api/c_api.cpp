// The C API: argument checks, handle wrapping, and exceptions turned into statuses.
#include "ghostnet/c_api.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "api/handles.h"
#include "core/gpu_runtime.h"
#include "core/verbose.h"
#include "host/isa.h"
#include "ghostnet/device.h"
#include "ghostnet/error.h"

using namespace ghostnet;

namespace ghostnet::capi {

static thread_local std::string t_last_error;

int32_t record(ErrorCode code, const std::string& message) {
  t_last_error = message;
  return int32_t(code);
}

int32_t record_current_exception() {
  try {
    throw;
  } catch (const Error& e) {
    return record(e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return record(ErrorCode::OutOfMemory, "out of host memory");
  } catch (const std::exception& e) {
    return record(ErrorCode::Internal, e.what());
  } catch (...) {
    return record(ErrorCode::Internal, "unknown native exception");
  }
}

Device device_from(int32_t kind, int32_t index) {
  if (kind != GN_DEVICE_HOST && kind != GN_DEVICE_CUDA) {
    fail(ErrorCode::InvalidArgument, "device kind must be 0 (host) or 1 (cuda), found " + std::to_string(kind));
  }
  if (index < 0) fail(ErrorCode::InvalidArgument, "device index must be >= 0, found " + std::to_string(index));
  return kind == GN_DEVICE_HOST ? Device::host() : Device::cuda(index);
}

DType dtype_from(int32_t dtype) {
  if (dtype < GN_F32 || dtype > GN_U8) fail(ErrorCode::InvalidArgument, "unknown dtype code " + std::to_string(dtype));
  return DType(dtype);
}

Layout layout_from(int32_t layout) {
  if (layout < GN_ROW_MAJOR || layout > GN_NHWC) {
    fail(ErrorCode::InvalidArgument, "unknown layout code " + std::to_string(layout));
  }
  return Layout(layout);
}

std::vector<int64_t> dims_from(int32_t rank, const int64_t* dims) {
  constexpr int32_t kMaxRank = 8;
  if (rank < 0 || rank > kMaxRank) {
    fail(ErrorCode::InvalidArgument, "rank must be 0 to 8, found " + std::to_string(rank));
  }
  if (rank > 0 && dims == nullptr) fail(ErrorCode::InvalidArgument, "dims is null");
  return std::vector<int64_t>(dims, dims + rank);
}

void require_out(const void* out) {
  if (out == nullptr) fail(ErrorCode::InvalidArgument, "the output argument is null");
}

}  // namespace ghostnet::capi

using namespace ghostnet::capi;

extern "C" {

const char* gn_last_error(void) { return t_last_error.c_str(); }
const char* gn_version(void) { return GHOSTNET_VERSION; }

const char* gn_build_info(void) {
#define GN_TEXT(x) #x
#define GN_NUMBER(x) GN_TEXT(x)
  return "GCC " GN_NUMBER(__GNUC__) "." GN_NUMBER(__GNUC_MINOR__) "." GN_NUMBER(__GNUC_PATCHLEVEL__) ", glibc " GN_NUMBER(
      __GLIBC__) "." GN_NUMBER(__GLIBC_MINOR__);
#undef GN_NUMBER
#undef GN_TEXT
}
int32_t gn_host_cores(void) { return available_host_cores(); }
const char* gn_host_isa(void) { return host::isa_name(host::host_isa()); }
const char* gn_host_bf16_engine(void) {
  return host::cpu_has_avx512_bf16() ? host::bf16_engine_name(host::host_bf16_engine()) : "";
}
int32_t gn_cuda_compiled_version(void) { return gpu::compiled_version(); }
int32_t gn_cuda_driver_version(void) { return gpu::driver_version(); }

int32_t gn_gpu_count(void) {
  return gpu::unavailable_reason().empty() ? int32_t(gpu::devices().size()) : 0;
}

const char* gn_gpu_unavailable_reason(void) {
  static thread_local std::string reason;
  reason = runtime_report().gpu_unavailable_reason;
  return reason.c_str();
}

int32_t gn_gpu_library_count(void) { return int32_t(gpu::gpu_libraries().size()); }

// A field of a library gpu::gpu_libraries() lists, or "" for an index out of range.
static const char* library_field(int32_t index, std::string GpuLibrary::*field) {
  const std::vector<GpuLibrary>& libraries = gpu::gpu_libraries();
  static const std::string none;
  return (index >= 0 && index < int32_t(libraries.size()) ? libraries[std::size_t(index)].*field : none).c_str();
}

const char* gn_gpu_library_name(int32_t index) { return library_field(index, &GpuLibrary::name); }
const char* gn_gpu_library_version(int32_t index) { return library_field(index, &GpuLibrary::version); }
const char* gn_gpu_library_path(int32_t index) { return library_field(index, &GpuLibrary::path); }
const char* gn_gpu_library_notes(int32_t index) { return library_field(index, &GpuLibrary::notes); }
const char* gn_gpu_library_problem(int32_t index) { return library_field(index, &GpuLibrary::problem); }

int32_t gn_gpu_properties(int32_t index, char* name, int32_t name_capacity, int32_t* cc_major, int32_t* cc_minor,
                          int64_t* total_memory_bytes) {
  return guarded([&] {
    gpu::require(index);
    const GpuInfo info = gpu::devices().at(std::size_t(index));
    if (name != nullptr && name_capacity > 0) {
      std::strncpy(name, info.name.c_str(), std::size_t(name_capacity) - 1);
      name[name_capacity - 1] = '\0';
    }
    if (cc_major) *cc_major = info.compute_capability_major;
    if (cc_minor) *cc_minor = info.compute_capability_minor;
    if (total_memory_bytes) *total_memory_bytes = int64_t(info.total_memory_bytes);
  });
}

void gn_set_verbose(int32_t on) { set_verbose(on != 0); }

void gn_set_cudnn_path(const char* path) { gpu::set_cudnn_path(path ? path : ""); }
void gn_add_cudnn_search_dir(const char* dir) {
  if (dir != nullptr) gpu::add_cudnn_search_dir(dir);
}

int32_t gn_require_device(int32_t device_kind, int32_t device_index) {
  return guarded([&] { require_device(device_from(device_kind, device_index)); });
}

// --- streams ---

int32_t gn_stream_create(int32_t device_kind, int32_t device_index, gn_stream** out) {
  return guarded([&] {
    require_out(out);
    *out = new gn_stream{Stream::create(device_from(device_kind, device_index))};
  });
}

int32_t gn_stream_wrap(void* cuda_stream, int32_t device_kind, int32_t device_index, gn_stream** out) {
  return guarded([&] {
    require_out(out);
    *out = new gn_stream{Stream::borrow(cuda_stream, device_from(device_kind, device_index))};
  });
}

void* gn_stream_handle(const gn_stream* stream) { return stream ? stream->stream.handle() : nullptr; }

int32_t gn_stream_synchronize(const gn_stream* stream) {
  return guarded([&] { checked(stream, "stream").stream.synchronize(); });
}

void gn_stream_destroy(gn_stream* stream) { delete stream; }

// --- tensors ---

int32_t gn_tensor_allocate(int32_t device_kind, int32_t device_index, int32_t dtype, int32_t layout, int32_t rank,
                           const int64_t* dims, int32_t pinned, gn_tensor** out) {
  return guarded([&] {
    require_out(out);
    *out = new gn_tensor{Tensor::allocate(device_from(device_kind, device_index), dtype_from(dtype),
                                          dims_from(rank, dims), layout_from(layout), pinned != 0)};
  });
}

int32_t gn_tensor_wrap(void* data, int32_t device_kind, int32_t device_index, int32_t dtype, int32_t layout,
                       int32_t rank, const int64_t* dims, gn_tensor** out) {
  return guarded([&] {
    require_out(out);
    *out = new gn_tensor{Tensor::borrow(data, device_from(device_kind, device_index), dtype_from(dtype),
                                        dims_from(rank, dims), layout_from(layout))};
  });
}

void* gn_tensor_data(const gn_tensor* tensor) { return tensor ? tensor->tensor.data() : nullptr; }
int64_t gn_tensor_bytes(const gn_tensor* tensor) { return tensor ? int64_t(tensor->tensor.bytes()) : 0; }
int32_t gn_tensor_shape(const gn_tensor* tensor, int32_t* dtype, int32_t* layout, int32_t* rank, int64_t* dims) {
  return guarded([&] {
    const Tensor& t = checked(tensor, "tensor").tensor;
    if (!dtype || !layout || !rank || !dims) fail(ErrorCode::InvalidArgument, "an output argument is null");
    *dtype = int32_t(t.dtype());
    *layout = int32_t(t.layout());
    *rank = int32_t(t.shape().size());
    std::copy(t.shape().begin(), t.shape().end(), dims);
  });
}

void* gn_tensor_release(gn_tensor* tensor) { return tensor ? tensor->tensor.release() : nullptr; }
void gn_tensor_destroy(gn_tensor* tensor) { delete tensor; }

int32_t gn_memory_free(int32_t device_kind, int32_t device_index, void* data) {
  return guarded([&] { free_memory(device_from(device_kind, device_index), data); });
}

int32_t gn_tensor_copy(const gn_tensor* src, gn_tensor* dst, const gn_stream* stream) {
  return guarded([&] {
    copy(checked(src, "source tensor").tensor, checked(dst, "destination tensor").tensor,
         stream ? &stream->stream : nullptr);
  });
}

}  // extern "C"
