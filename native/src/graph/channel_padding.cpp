#include "graph/channel_padding.h"

#include <string>

#include "ghostnet/error.h"

namespace ghostnet::graph {
namespace {

// Zero-extends a convolution to `out` outputs and `in` inputs. A depthwise convolution
// (groups == in == out) stays depthwise: its groups grow with its channels.
void pad_params(ops::ConvParams& p, int out, int in) {
  const bool depthwise = p.groups > 1;
  const int groups = depthwise ? out : 1;
  if (depthwise) in = out;
  const std::size_t taps = std::size_t(p.kernel_h) * std::size_t(p.kernel_w);
  const std::size_t old_per_output = std::size_t(p.in / p.groups), per_output = std::size_t(in / groups);
  std::vector<float> weight(std::size_t(out) * per_output * taps, 0.0f);
  for (std::size_t o = 0; o < std::size_t(p.out); ++o) {
    for (std::size_t i = 0; i < old_per_output; ++i) {
      for (std::size_t t = 0; t < taps; ++t) weight[(o * per_output + i) * taps + t] = p.weight[(o * old_per_output + i) * taps + t];
    }
  }
  p.weight = std::move(weight);
  p.bias.resize(std::size_t(out), 0.0f);
  p.out = out;
  p.in = in;
  p.groups = groups;
}

}  // namespace

Graph pad_channels(Graph graph, int multiple) {
  if (multiple < 1) fail(ErrorCode::InvalidArgument, "channels pad to a multiple of at least 1, found " + std::to_string(multiple));
  for (const Op& op : graph.ops) {
    if (op.output < 0) continue;
    Value& value = graph.values[std::size_t(op.output)];
    value.stored_channels =
        ops::visit_op(op.kind, [&](auto kind) { return kind.stored_channels(value.channels, multiple); });
  }
  for (const Op& op : graph.ops) {
    if (op.params < 0) continue;
    const int out = graph.values[std::size_t(op.output)].stored_channels;
    const int in = graph.values[std::size_t(op.input)].stored_channels;
    const ops::WeightChannels padded = ops::visit_op(op.kind, [&](auto kind) { return kind.padded_weights(out, in); });
    pad_params(graph.params[std::size_t(op.params)], padded.out, padded.in);
  }
  return graph;
}

}  // namespace ghostnet::graph
