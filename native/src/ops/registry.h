// Every op kind, and the one place where a kind becomes its definition (see ops/op.h).
// A new op kind is its own unit (functor and definition, in a file of its own), a line in
// OpKind and a line in visit_op.
#pragma once

#include <string>

#include "ghostnet/error.h"
#include "ops/avg_pool.h"
#include "ops/dense.h"
#include "ops/dense_conv.h"
#include "ops/depthwise_conv.h"
#include "ops/gate.h"
#include "ops/ghost_cheap.h"
#include "ops/global_pool.h"
#include "ops/input.h"
#include "ops/output.h"
#include "ops/pointwise_conv.h"

namespace ghostnet::ops {

enum class OpKind {
  Input,          // the caller's batch to NHWC in the compute type (normalising uint8)
  DenseConv,      // the stem's 3x3 convolution
  PointwiseConv,  // 1x1 convolutions: a GEMM on the host, cuDNN on GPUs
  GhostCheap,     // the ghost module's cheap half, assembling its output (+ residual)
  DepthwiseConv,  // strided conv_dw, the shortcut's, V2's attention's (1,5) and (5,1)
  AvgPool,        // average over a window: V2's attention pools its input 2x2
  GlobalPool,     // average over H and W
  Dense,          // squeeze-excite's small fully connected layers
  Gate,           // squeeze-excite's and V2's attention's gating, in place
  Output,         // logits to the caller's float32 tensor
};

// Returns visit(definition) for the definition of `kind` (InputOp{} for Input, say): how
// the graph, the plan and the executors ask an op kind for its rules and its functor.
template <typename Visit>
decltype(auto) visit_op(OpKind kind, Visit&& visit) {
  switch (kind) {
    case OpKind::Input: return visit(InputOp{});
    case OpKind::DenseConv: return visit(DenseConvOp{});
    case OpKind::PointwiseConv: return visit(PointwiseConvOp{});
    case OpKind::GhostCheap: return visit(GhostCheapOp{});
    case OpKind::DepthwiseConv: return visit(DepthwiseConvOp{});
    case OpKind::AvgPool: return visit(AvgPoolOp{});
    case OpKind::GlobalPool: return visit(GlobalPoolOp{});
    case OpKind::Dense: return visit(DenseOp{});
    case OpKind::Gate: return visit(GateOp{});
    case OpKind::Output: return visit(OutputOp{});
  }
  fail(ErrorCode::Internal, "unknown op kind " + std::to_string(int(kind)));
}

}  // namespace ghostnet::ops
