// The C API for models, contexts and files.
#include <cstring>

#include "api/handles.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/npy.h"
#include "graph/graph.h"
#include "image/jpeg_decoder.h"

using namespace ghostnet;
using namespace ghostnet::capi;

namespace {

std::string path_from(const char* path) {
  if (path == nullptr || *path == '\0') fail(ErrorCode::InvalidArgument, "the file path is empty");
  return path;
}

Precision precision_from(int32_t precision) {
  if (precision < GN_PRECISION_F32 || precision > GN_PRECISION_BF16) {
    fail(ErrorCode::InvalidArgument, "unknown precision code " + std::to_string(precision));
  }
  return Precision(precision);
}

ModelOptions options_from(int32_t precision, int32_t allow_tf32, const float* mean, const float* std,
                          int32_t threads) {
  ModelOptions options;
  options.precision = precision_from(precision);
  options.allow_tf32 = allow_tf32 != 0;
  options.threads = threads;
  if (mean != nullptr) std::memcpy(options.mean.data(), mean, sizeof(float) * 3);
  if (std != nullptr) std::memcpy(options.std.data(), std, sizeof(float) * 3);
  return options;
}

gn_model* wrap(Model model) {
  const std::string description = model.describe(), family = model.family();
  return new gn_model{std::move(model), description, family};
}

}  // namespace

extern "C" {

int32_t gn_model_load(const char* path, int32_t device_kind, int32_t device_index, int32_t precision,
                      int32_t allow_tf32, const float* mean, const float* std, int64_t max_tensor_bytes,
                      int64_t max_total_bytes, int32_t threads, gn_model** out) {
  return guarded([&] {
    require_out(out);
    ModelOptions options = options_from(precision, allow_tf32, mean, std, threads);
    if (max_tensor_bytes < 0 || max_total_bytes < 0) {
      fail(ErrorCode::InvalidArgument, "checkpoint memory limits must not be negative");
    }
    if (max_tensor_bytes > 0) options.limits.max_tensor_bytes = uint64_t(max_tensor_bytes);
    if (max_total_bytes > 0) options.limits.max_total_bytes = uint64_t(max_total_bytes);
    *out = wrap(Model::load(path_from(path), device_from(device_kind, device_index), options));
  });
}

int32_t gn_model_random(const char* model, int32_t num_classes, uint32_t seed, int32_t device_kind,
                        int32_t device_index, int32_t precision, int32_t allow_tf32, const float* mean, const float* std,
                        int32_t threads, gn_model** out) {
  return guarded([&] {
    require_out(out);
    if (model == nullptr) fail(ErrorCode::InvalidArgument, "the model name is null");
    const Device device = device_from(device_kind, device_index);
    const std::string source = std::string("random ") + model;
    *out = wrap(Model::from_state_dict(random_ghostnet_weights(model, num_classes, seed), source, device,
                                       options_from(precision, allow_tf32, mean, std, threads)));
  });
}

int32_t gn_model_num_classes(const gn_model* model) { return model ? model->model.num_classes() : 0; }
const char* gn_model_family(const gn_model* model) { return model ? model->family.c_str() : ""; }
double gn_model_width(const gn_model* model) { return model ? model->model.width() : 0.0; }
const char* gn_model_describe(const gn_model* model) { return model ? model->description.c_str() : ""; }
void gn_model_destroy(gn_model* model) { delete model; }

int32_t gn_context_create(const gn_model* model, const gn_stream* stream, gn_context** out) {
  return guarded([&] {
    require_out(out);
    *out = new gn_context{checked(model, "model").model.create_context(stream ? &stream->stream : nullptr)};
  });
}

int32_t gn_context_forward(gn_context* context, const gn_tensor* input, gn_tensor* output, int32_t blocking) {
  return guarded([&] {
    ExecutionContext& c = checked(context, "context").context;
    const Tensor& in = checked(input, "input tensor").tensor;
    Tensor& y = checked(output, "output tensor").tensor;
    if (blocking != 0) {
      c.forward(in, y);
    } else {
      c.enqueue(in, y);
    }
  });
}

int32_t gn_context_synchronize(const gn_context* context) {
  return guarded([&] { checked(context, "context").context.synchronize(); });
}

void gn_context_destroy(gn_context* context) { delete context; }

int32_t gn_npy_read(const char* path, int32_t layout, gn_tensor** out) {
  return guarded([&] {
    require_out(out);
    NpyArray array = read_npy(path_from(path));
    Tensor t = Tensor::allocate(Device::host(), array.dtype, array.shape, layout_from(layout));
    std::memcpy(t.data(), array.bytes.data(), array.bytes.size());
    *out = new gn_tensor{std::move(t)};
  });
}

int32_t gn_npy_write(const char* path, const gn_tensor* tensor) {
  return guarded([&] {
    const Tensor& t = checked(tensor, "tensor").tensor;
    if (t.device().is_cuda()) fail(ErrorCode::InvalidArgument, "only host tensors can be written to .npy, found " + t.describe());
    write_npy(path_from(path), t.dtype(), t.shape(), t.data());
  });
}

int32_t gn_checkpoint_convert(const char* input_path, const char* output_path) {
  return guarded([&] {
    const std::string input = path_from(input_path);
    const Checkpoint checkpoint = read_checkpoint(input);
    const graph::Topology topology = graph::infer_topology(checkpoint.tensors, input);
    write_safetensors(path_from(output_path), graph::deployed(checkpoint.tensors, topology, input));
  });
}

// --- images ---

const char* gn_jpeg_library_path(void) { return image::turbojpeg_path().c_str(); }
const char* gn_jpeg_library_problem(void) { return image::turbojpeg_problem().c_str(); }

int32_t gn_jpeg_decode(const uint8_t* data, int64_t size, int32_t width, int32_t height, int32_t channels,
                       uint8_t* out) {
  return guarded([&] {
    if (size < 0 || width <= 0 || height <= 0) {
      fail(ErrorCode::InvalidArgument, "a JPEG's bytes must be >= 0 and its width and height > 0, found " +
                                           std::to_string(size) + " bytes of " + std::to_string(width) + "x" +
                                           std::to_string(height) + " pixels");
    }
    image::decode_jpeg(data, std::size_t(size), width, height, channels, out);
  });
}

}  // extern "C"
