// What a model runs on: the interface the executors implement (executors/), the part that
// differs between the host and a GPU.
//
// A Backend is created once per model and holds the weights on its device in the layouts
// its ops want; an Executor belongs to one execution context and runs the shared graph
// on its stream. Everything else (graph, fusion, plans, op kinds) is shared.
#pragma once

#include <memory>
#include <vector>

#include "ghostnet/model.h"
#include "ghostnet/tensor.h"
#include "graph/graph.h"

namespace ghostnet {

// One value of a plan, read back to the host as float: [pixels][stored channels].
struct ValueReadout {
  ops::Geometry shape;
  std::vector<float> values;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual const Stream& stream() const = 0;
  // Orders the forward pass on stream(); input and output were validated by the caller.
  virtual void enqueue(const Tensor& input, Tensor& output) = 0;

  // Op by op, to compare executors (tests/native/op_by_op.h): runs the ops `ops` of the plan
  // for `input`'s shape, the ones before them having run, and returns when they are done.
  virtual void run_ops(const Tensor& input, Tensor& output, graph::OpRange ops) = 0;
  // A value of that plan, as the ops run so far left it.
  virtual ValueReadout read_value(const Tensor& input, int value) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // `stream`, when given, is borrowed by the executor.
  virtual std::unique_ptr<Executor> create_executor(const Stream* stream) const = 0;
};

std::unique_ptr<Backend> make_host_backend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options);

// In a host-only build, no_cuda/ has it raise DeviceUnavailable.
std::unique_ptr<Backend> make_cuda_backend(std::shared_ptr<const graph::Graph> graph, Device device,
                                           const ModelOptions& options);

}  // namespace ghostnet
