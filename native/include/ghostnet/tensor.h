// Tensors and streams with explicit ownership.
//
// A Tensor either owns its memory (allocate) and frees it exactly once, or borrows
// someone else's (borrow) and never frees it. release() hands owned memory out; the
// caller then frees it with free_memory().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ghostnet/c_api.h"
#include "ghostnet/device.h"
#include "ghostnet/dtype.h"
#include "ghostnet/export.h"

namespace ghostnet {

// RowMajor is a plain dense array (logits, say); NCHW and NHWC name the meaning of a
// rank-4 image tensor's dimensions. The numbers are the C API's.
enum class Layout : int32_t { RowMajor = GN_ROW_MAJOR, NCHW = GN_NCHW, NHWC = GN_NHWC };
GHOSTNET_API const char* layout_name(Layout layout);

// A CUDA stream (or, on the host, a no-op stand-in so the same code serves both).
class GHOSTNET_API Stream {
 public:
  static Stream create(Device device);
  // Wraps a cudaStream_t owned by someone else; nullptr is the legacy default stream.
  static Stream borrow(void* cuda_stream, Device device);

  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();

  Device device() const { return device_; }
  void* handle() const { return handle_; }
  bool owns() const { return owns_; }
  void synchronize() const;

 private:
  Stream(Device device, void* handle, bool owns) : device_(device), handle_(handle), owns_(owns) {}
  Device device_;
  void* handle_ = nullptr;
  bool owns_ = false;
};

class GHOSTNET_API Tensor {
 public:
  // `pinned` asks for page-locked host memory (faster copies to a GPU); it is ordinary
  // memory when no CUDA driver is usable.
  static Tensor allocate(Device device, DType dtype, std::vector<int64_t> shape, Layout layout,
                         bool pinned = false);
  static Tensor borrow(void* data, Device device, DType dtype, std::vector<int64_t> shape,
                       Layout layout);

  Tensor() = default;
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor();

  void* data() const { return data_; }
  Device device() const { return device_; }
  DType dtype() const { return dtype_; }
  Layout layout() const { return layout_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t numel() const;
  std::size_t bytes() const;
  bool owns() const { return owns_; }
  std::string describe() const;  // "f32 NCHW [2, 3, 224, 224] on cuda:0"

  // Gives up ownership: the memory is no longer freed by this tensor, which becomes a
  // borrower of it. Free it with free_memory(device(), pointer).
  void* release();

 private:
  void reset() noexcept;
  void* data_ = nullptr;
  Device device_;
  DType dtype_ = DType::F32;
  Layout layout_ = Layout::RowMajor;
  std::vector<int64_t> shape_;
  bool owns_ = false;
};

// Frees memory that Tensor::release() handed out.
GHOSTNET_API void free_memory(Device device, void* data);

// Copies src into dst, which must have the same dtype, layout and shape. Without a
// stream the copy is finished when this returns; with one it is ordered on it.
GHOSTNET_API void copy(const Tensor& src, Tensor& dst, const Stream* stream = nullptr);

}  // namespace ghostnet
