#include "ghostnet/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/gpu_runtime.h"
#include "core/text.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

constexpr std::size_t kHostAlignment = 64;  // a cache line, and any SIMD width

// Validates dims and returns the byte size, refusing overflow.
std::size_t checked_bytes(DType dtype, const std::vector<int64_t>& shape, Layout layout) {
  if ((layout == Layout::NCHW || layout == Layout::NHWC) && shape.size() != 4) {
    fail(ErrorCode::InvalidArgument, std::string("a ") + layout_name(layout) + " tensor has 4 dimensions, found " +
                                         std::to_string(shape.size()) + " " + dims_text(shape));
  }
  std::size_t bytes = dtype_size(dtype);
  for (int64_t d : shape) {
    if (d < 0) fail(ErrorCode::InvalidArgument, "negative dimension in shape " + dims_text(shape));
    if (d != 0 && bytes > std::numeric_limits<std::size_t>::max() / std::size_t(d) / 2) {
      fail(ErrorCode::InvalidArgument, "shape " + dims_text(shape) + " is too large to address");
    }
    bytes *= std::size_t(d);
  }
  return bytes;
}

void* allocate_bytes(Device device, std::size_t bytes, bool pinned) {
  if (device.is_cuda()) return gpu::alloc_device(device.index, bytes == 0 ? 1 : bytes);
  if (pinned) {
    if (void* data = gpu::alloc_pinned(bytes == 0 ? 1 : bytes)) return data;
  }
  const std::size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  void* data = std::aligned_alloc(kHostAlignment, rounded == 0 ? kHostAlignment : rounded);
  if (data == nullptr) fail(ErrorCode::OutOfMemory, "could not allocate " + std::to_string(bytes) + " bytes of host memory");
  return data;
}

}  // namespace

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::RowMajor: return "row-major";
    case Layout::NCHW: return "NCHW";
    case Layout::NHWC: return "NHWC";
  }
  return "unknown";
}

void free_memory(Device device, void* data) {
  if (data == nullptr) return;
  if (device.is_cuda()) {
    gpu::free_device(device.index, data);
  } else if (gpu::is_pinned(data)) {
    gpu::free_pinned(data);
  } else {
    std::free(data);
  }
}

// --- Stream ---------------------------------------------------------------------------

Stream Stream::create(Device device) {
  require_device(device);
  return Stream(device, device.is_cuda() ? gpu::create_stream(device.index) : nullptr, device.is_cuda());
}

Stream Stream::borrow(void* cuda_stream, Device device) {
  require_device(device);
  if (!device.is_cuda() && cuda_stream != nullptr) {
    fail(ErrorCode::InvalidArgument, "a CUDA stream handle was given for the host device; wrap it on a cuda:N device");
  }
  return Stream(device, cuda_stream, false);
}

Stream::Stream(Stream&& other) noexcept : device_(other.device_), handle_(other.handle_), owns_(other.owns_) {
  other.owns_ = false;
}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    if (owns_) gpu::destroy_stream(handle_);
    device_ = other.device_;
    handle_ = other.handle_;
    owns_ = other.owns_;
    other.owns_ = false;
  }
  return *this;
}

Stream::~Stream() {
  if (owns_) gpu::destroy_stream(handle_);
}

void Stream::synchronize() const {
  if (device_.is_cuda()) gpu::synchronize_stream(device_.index, handle_);
}

// --- Tensor ---------------------------------------------------------------------------

Tensor Tensor::allocate(Device device, DType dtype, std::vector<int64_t> shape, Layout layout, bool pinned) {
  require_device(device);
  const std::size_t bytes = checked_bytes(dtype, shape, layout);
  Tensor t;
  t.data_ = allocate_bytes(device, bytes, pinned);
  t.device_ = device;
  t.dtype_ = dtype;
  t.layout_ = layout;
  t.shape_ = std::move(shape);
  t.owns_ = true;
  return t;
}

Tensor Tensor::borrow(void* data, Device device, DType dtype, std::vector<int64_t> shape, Layout layout) {
  require_device(device);
  const std::size_t bytes = checked_bytes(dtype, shape, layout);
  if (data == nullptr && bytes != 0) fail(ErrorCode::InvalidArgument, "cannot wrap a null pointer as a tensor");
  if (device.is_cuda() && data != nullptr) {
    const int owner = gpu::device_of(data);
    if (owner != device.index) {
      fail(ErrorCode::InvalidArgument,
           "the pointer to wrap on " + device.to_string() + " is " +
               (owner < 0 ? std::string("not CUDA device memory") : "memory of cuda:" + std::to_string(owner)));
    }
  }
  Tensor t;
  t.data_ = data;
  t.device_ = device;
  t.dtype_ = dtype;
  t.layout_ = layout;
  t.shape_ = std::move(shape);
  t.owns_ = false;
  return t;
}

Tensor::Tensor(Tensor&& other) noexcept { *this = std::move(other); }

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = other.data_;
    device_ = other.device_;
    dtype_ = other.dtype_;
    layout_ = other.layout_;
    shape_ = std::move(other.shape_);
    owns_ = other.owns_;
    other.data_ = nullptr;
    other.owns_ = false;
  }
  return *this;
}

Tensor::~Tensor() { reset(); }

void Tensor::reset() noexcept {
  if (owns_) free_memory(device_, data_);
  data_ = nullptr;
  owns_ = false;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

std::size_t Tensor::bytes() const { return std::size_t(numel()) * dtype_size(dtype_); }

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype_)) + " " + layout_name(layout_) + " " + dims_text(shape_) + " on " +
         device_.to_string();
}

void* Tensor::release() {
  owns_ = false;
  return data_;
}

void copy(const Tensor& src, Tensor& dst, const Stream* stream) {
  if (src.dtype() != dst.dtype() || src.layout() != dst.layout() || src.shape() != dst.shape()) {
    fail(ErrorCode::InvalidArgument,
         "copy needs tensors of the same dtype, layout and shape: source is " + src.describe() +
             ", destination is " + dst.describe());
  }
  const Device s = src.device(), d = dst.device();
  if (s.is_cuda() && d.is_cuda() && s.index != d.index) {
    fail(ErrorCode::InvalidArgument, "copy between two GPUs (" + s.to_string() + " to " + d.to_string() +
                                         ") is not supported: copy through the host");
  }
  const Device gpu_side = s.is_cuda() ? s : d;
  if (stream != nullptr && gpu_side.is_cuda() && stream->device() != gpu_side) {
    fail(ErrorCode::InvalidArgument,
         "the copy's stream is on " + stream->device().to_string() + " but the copy involves " + gpu_side.to_string());
  }
  if (src.bytes() == 0) return;
  if (!s.is_cuda() && !d.is_cuda()) {
    std::memmove(dst.data(), src.data(), src.bytes());
    return;
  }
  const gpu::CopyKind kind = !s.is_cuda() ? gpu::CopyKind::HostToDevice
                             : !d.is_cuda() ? gpu::CopyKind::DeviceToHost
                                            : gpu::CopyKind::DeviceToDevice;
  const bool on_stream = stream != nullptr && stream->device().is_cuda();
  gpu::copy(dst.data(), src.data(), src.bytes(), kind, gpu_side.index, on_stream ? stream->handle() : nullptr,
            !on_stream);
}

}  // namespace ghostnet
