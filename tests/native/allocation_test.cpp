// A steady-state forward pass on the host allocates nothing: this binary counts every
// operator new while a forward runs, after a first forward has planned the shape.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "fixtures.h"
#include "ghostnet/model.h"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

}  // namespace

// Every scalar form is replaced, so memory always returns to the allocator it came from
// (sanitizers check that new and delete match).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

void* operator new(std::size_t size) {
  if (void* p = operator new(size, std::nothrow)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace ghostnet {
namespace {

TEST(Allocation, ASteadyStateHostForwardAllocatesNothing) {
  // GhostNetV2: every op kind of the family.
  const Model model = Model::from_state_dict(random_ghostnet_weights("ghostnetv2_050", 10, 1), "random", Device::host());
  ExecutionContext context = model.create_context();
  Tensor x = Tensor::allocate(Device::host(), DType::F32, {2, 3, 64, 48}, Layout::NCHW);
  std::fill_n(static_cast<float*>(x.data()), x.numel(), 0.5f);
  Tensor y = Tensor::allocate(Device::host(), DType::F32, {2, 10}, Layout::RowMajor);
  context.forward(x, y);  // plans the shape and allocates its workspace
  context.forward(x, y);  // warms every pool thread's reusable job
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 3; ++i) context.forward(x, y);
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
}

}  // namespace
}  // namespace ghostnet
