// Each execution context keeps the plans (and whatever its executor prepared for them)
// of the input shapes it has seen, so a steady-state forward finds everything ready.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <tuple>
#include <utility>

#include "ghostnet/error.h"
#include "ghostnet/tensor.h"
#include "graph/plan.h"

namespace ghostnet::executors {

struct PlanKey {
  int64_t batch = 0;
  int64_t height = 0;  // as the caller's tensor has it: make_plan checks what the kernels index
  int64_t width = 0;
  DType dtype = DType::F32;
  Layout layout = Layout::NCHW;

  static PlanKey of(const Tensor& input) {
    const auto& s = input.shape();
    const bool nchw = input.layout() == Layout::NCHW;
    return {s[0], nchw ? s[2] : s[1], nchw ? s[3] : s[2], input.dtype(), input.layout()};
  }

  bool operator==(const PlanKey& o) const {
    return std::tie(batch, height, width, dtype, layout) == std::tie(o.batch, o.height, o.width, o.dtype, o.layout);
  }
};

// A plan for one input shape, and the memory on the executor's device where it places
// every value.
struct Workspace {
  graph::Plan plan;
  Tensor memory;

  // `ops` limits the memory to the values those ops touch (graph::make_plan).
  static Workspace make(const graph::Graph& graph, const PlanKey& key, Device device, std::size_t element_size,
                        graph::OpRange ops = {0, std::size_t(-1)}) {
    Workspace w{graph::make_plan(graph, key.batch, key.height, key.width, element_size, ops), Tensor()};
    w.memory = Tensor::allocate(device, DType::U8, {int64_t(w.plan.workspace_bytes)}, Layout::RowMajor);
    return w;
  }
  // A plan for `key` in memory that `owner` holds, which is large enough: a smaller batch
  // of the same images, say.
  static Workspace within(const Workspace& owner, const graph::Graph& graph, const PlanKey& key,
                          std::size_t element_size, graph::OpRange ops = {0, std::size_t(-1)}) {
    Workspace w{graph::make_plan(graph, key.batch, key.height, key.width, element_size, ops), Tensor()};
    w.memory = Tensor::borrow(owner.data(), owner.memory.device(), DType::U8, {int64_t(w.plan.workspace_bytes)},
                              Layout::RowMajor);
    return w;
  }
  char* data() const { return static_cast<char*>(memory.data()); }
};

// A small least-recently-used cache: a service that sees many sizes keeps the latest ones.
template <typename Prepared>
class PlanCache {
 public:
  static constexpr std::size_t kCapacity = 8;

  template <typename Make>
  Prepared& get(const PlanKey& key, Make&& make) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) {
        entries_.splice(entries_.begin(), entries_, it);
        return entries_.front().second;
      }
    }
    if (entries_.size() == kCapacity) entries_.pop_back();
    entries_.emplace_front(key, make());
    return entries_.front().second;
  }

  // The prepared plan for `key`; fails when none was made.
  Prepared& existing(const PlanKey& key) {
    for (auto& entry : entries_) {
      if (entry.first == key) return entry.second;
    }
    fail(ErrorCode::InvalidArgument, "no plan has run for an input of batch " + std::to_string(key.batch) + " at " +
                                         std::to_string(key.height) + "x" + std::to_string(key.width));
  }

 private:
  std::list<std::pair<PlanKey, Prepared>> entries_;
};

}  // namespace ghostnet::executors
