// The CUDA executor's only kernel: an op functor over all its output elements, as a
// grid-stride loop, so the functors the host runs are the GPU's kernels too. 32-bit index
// arithmetic when the op is small enough, since 64-bit division is several times slower
// on GPUs.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>

#include "cuda/check.h"

namespace ghostnet::gpu {

template <typename Index, typename F>
__global__ void __launch_bounds__(256) elementwise_kernel(F f, Index total) {
  const Index channels = Index(f.out.shape.stored_channels);
  for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += Index(gridDim.x) * blockDim.x) {
    f(int64_t(i / channels), int(i % channels));
  }
}

// Enqueues `f` over its output's elements (ops/common.h) on `stream`; `max_blocks` bounds the grid (a few waves of the GPU).
template <typename F>
void launch(const F& f, cudaStream_t stream, int max_blocks) {
  constexpr int kThreads = 256;
  const int64_t total = f.out.shape.pixels() * int64_t(f.out.shape.stored_channels);
  if (total == 0) return;
  const int blocks = int(std::min<int64_t>((total + kThreads - 1) / kThreads, max_blocks));
  if (total < (int64_t(1) << 31)) {
    elementwise_kernel<uint32_t><<<blocks, kThreads, 0, stream>>>(f, uint32_t(total));
  } else {
    elementwise_kernel<int64_t><<<blocks, kThreads, 0, stream>>>(f, total);
  }
  check_cuda(cudaGetLastError(), "kernel launch");
}

}  // namespace ghostnet::gpu
