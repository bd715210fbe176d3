// The GPU seam of a host-only build: every GPU request says the build has no CUDA.
#include "core/gpu_runtime.h"
#include "ghostnet/error.h"

namespace ghostnet::gpu {

static const char* const kNoCuda =
    "this libghostnet was built without CUDA (nvcc was not found when it was compiled), so it "
    "runs on the host only";

const std::string& unavailable_reason() {
  static const std::string reason = kNoCuda;
  return reason;
}

int driver_version() { return 0; }
int compiled_version() { return 0; }
std::vector<GpuInfo> devices() { return {}; }

[[noreturn]] static void no_cuda() { fail(ErrorCode::DeviceUnavailable, kNoCuda); }

void require(int) { no_cuda(); }
void* alloc_device(int, std::size_t) { no_cuda(); }
void free_device(int, void*) noexcept {}
void* alloc_pinned(std::size_t) { return nullptr; }
bool is_pinned(const void*) noexcept { return false; }
void free_pinned(void*) noexcept {}
int device_of(const void*) noexcept { return -1; }
void* create_stream(int) { no_cuda(); }
void destroy_stream(void*) noexcept {}
void synchronize_stream(int, void*) { no_cuda(); }
void copy(void*, const void*, std::size_t, CopyKind, int, void*, bool) { no_cuda(); }

}  // namespace ghostnet::gpu

namespace ghostnet::gpu {

void set_cudnn_path(const std::string&) {}
void add_cudnn_search_dir(const std::string&) {}
const std::string& cudnn_unavailable_reason() { return unavailable_reason(); }
const std::vector<GpuLibrary>& gpu_libraries() {
  static const std::vector<GpuLibrary> none;
  return none;
}

}  // namespace ghostnet::gpu
