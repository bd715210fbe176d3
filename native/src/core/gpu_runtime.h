// The seam between backend-independent code and the CUDA runtime.
//
// native/src/cuda/ implements it with the statically linked CUDA runtime; a host-only
// build links native/src/no_cuda/ instead, where every entry point reports that the
// library was built without CUDA. Nothing outside those two folders includes CUDA headers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ghostnet/device.h"

namespace ghostnet::gpu {

// Why no GPU can be used ("" when GPUs are usable). Queried once and cached.
const std::string& unavailable_reason();
int driver_version();
int compiled_version();
std::vector<GpuInfo> devices();

// Throws DeviceUnavailable saying why when GPU `index` cannot be used.
void require(int index);

void* alloc_device(int index, std::size_t bytes);
void free_device(int index, void* data) noexcept;
void* alloc_pinned(std::size_t bytes);   // nullptr when no driver is usable
bool is_pinned(const void* data) noexcept;
void free_pinned(void* data) noexcept;
// The GPU a device pointer belongs to; -1 when it is not device memory.
int device_of(const void* data) noexcept;

void* create_stream(int index);
void destroy_stream(void* stream) noexcept;
void synchronize_stream(int index, void* stream);

enum class CopyKind { HostToDevice, DeviceToHost, DeviceToDevice };
// Asynchronous on `stream`, or finished on return when `blocking`.
void copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, int index, void* stream,
          bool blocking);

}  // namespace ghostnet::gpu

namespace ghostnet::gpu {

// cuDNN, and the CUDA libraries it opens by name, are loaded with dlopen at first use, so
// nothing needs them to build or to run on the host. An explicit cuDNN path set before
// that is the only place cuDNN is taken from; see cuda/cudnn_loader.cpp for the search.
void set_cudnn_path(const std::string& path);
// A folder searched after the usual places (JavaCPP's redistributable jar cache, say).
void add_cudnn_search_dir(const std::string& dir);
// "" when cuDNN and what it needs are loaded, else what is missing and where it was looked for.
const std::string& cudnn_unavailable_reason();
// Each library, as found; the first call searches for (and loads) them.
const std::vector<GpuLibrary>& gpu_libraries();

}  // namespace ghostnet::gpu
