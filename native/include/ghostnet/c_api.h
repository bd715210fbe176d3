/* The flat C API of libghostnet.
 *
 * A stable C ABI over the C++ library: the JNI binding (JavaCPP) is generated over it,
 * and other languages can bind it too. Every function returns a status, 0 on success;
 * on failure gn_last_error() holds the message for the calling thread. Objects are
 * opaque handles released with their gn_*_destroy function, which accepts NULL. */
#ifndef GHOSTNET_C_API_H
#define GHOSTNET_C_API_H

#include <stddef.h>
#include <stdint.h>

#include "ghostnet/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gn_tensor gn_tensor;
typedef struct gn_stream gn_stream;
typedef struct gn_model gn_model;
typedef struct gn_context gn_context;

/* The numbers that cross this API, defined here once: the C++ enums take their values
 * from these (ghostnet::ErrorCode, DeviceKind, DType, Layout, Precision). */

/* Statuses: 0, or a ghostnet::ErrorCode. */
#define GN_OK 0
#define GN_INVALID_ARGUMENT 1
#define GN_DEVICE_UNAVAILABLE 2
#define GN_OUT_OF_MEMORY 3
#define GN_CHECKPOINT 4
#define GN_BUSY 5
#define GN_INTERNAL 6

/* Device kinds, dtypes and layouts: ghostnet::DeviceKind, DType and Layout. */
#define GN_DEVICE_HOST 0
#define GN_DEVICE_CUDA 1
#define GN_F32 0
#define GN_F16 1
#define GN_BF16 2
#define GN_U8 3
#define GN_ROW_MAJOR 0
#define GN_NCHW 1
#define GN_NHWC 2

/* Precisions: ghostnet::Precision. */
#define GN_PRECISION_F32 0
#define GN_PRECISION_F16 1
#define GN_PRECISION_BF16 2

/* The message of the calling thread's last failed call ("" if none). */
GHOSTNET_API const char* gn_last_error(void);

/* --- the runtime --------------------------------------------------------------------- */
GHOSTNET_API const char* gn_version(void);
/* How these natives were built: the compiler, and the oldest glibc they load on (that of the
 * build machine), e.g. "GCC 10.2.1, glibc 2.31". */
GHOSTNET_API const char* gn_build_info(void);
/* The cores this process may run on, and the instruction set the host kernels use on this
 * CPU ("AVX-512", "AVX2+FMA" or "x86-64 baseline (SSE2)"). */
GHOSTNET_API int32_t gn_host_cores(void);
GHOSTNET_API const char* gn_host_isa(void);
/* What a bf16 model runs its convolutions on, on this CPU: "AVX512_BF16", or "FP32 kernels"
 * where AVX512_BF16 would be slower than FP32 (GHOSTNET_HOST_BF16=avx512_bf16 or fp32 chooses);
 * "" where bf16 on the host is refused (no AVX512_BF16). */
GHOSTNET_API const char* gn_host_bf16_engine(void);
/* CUDA runtime version compiled against (e.g. 13000), 0 for a host-only build. */
GHOSTNET_API int32_t gn_cuda_compiled_version(void);
GHOSTNET_API int32_t gn_cuda_driver_version(void);
/* Number of usable GPUs; 0 when none, and then gn_gpu_unavailable_reason says why. */
GHOSTNET_API int32_t gn_gpu_count(void);
/* Why no GPU is usable ("" when GPUs are usable): a host-only build, no driver, no device,
 * or no usable cuDNN (saying where it was looked for). */
GHOSTNET_API const char* gn_gpu_unavailable_reason(void);
/* The libraries a GPU needs, found at run time (cuDNN, and the cuBLASLt and NVRTC it opens by
 * name; none in a host-only build): how many, and each one's name, version and path (empty
 * when it was not loaded), notes, and problem ("" when loaded; else why not, with every place
 * looked at). The first call searches for them. */
GHOSTNET_API int32_t gn_gpu_library_count(void);
GHOSTNET_API const char* gn_gpu_library_name(int32_t index);
GHOSTNET_API const char* gn_gpu_library_version(int32_t index);
GHOSTNET_API const char* gn_gpu_library_path(int32_t index);
GHOSTNET_API const char* gn_gpu_library_notes(int32_t index);
GHOSTNET_API const char* gn_gpu_library_problem(int32_t index);
/* Writes the name (NUL-terminated, truncated to name_capacity) and properties of a GPU. */
GHOSTNET_API int32_t gn_gpu_properties(int32_t index, char* name, int32_t name_capacity, int32_t* cc_major,
                                       int32_t* cc_minor, int64_t* total_memory_bytes);
/* Notes on how ghostnet decides what it runs (each convolution's cuDNN algorithm, and why it
 * does or does not fuse), written to stderr when on; GHOSTNET_VERBOSE=1 turns them on too. */
GHOSTNET_API void gn_set_verbose(int32_t on);
/* Where to find cuDNN; call before the first GPU use. */
GHOSTNET_API void gn_set_cudnn_path(const char* path);
GHOSTNET_API void gn_add_cudnn_search_dir(const char* dir);
GHOSTNET_API int32_t gn_require_device(int32_t device_kind, int32_t device_index);

/* --- streams ------------------------------------------------------------------------- */
GHOSTNET_API int32_t gn_stream_create(int32_t device_kind, int32_t device_index, gn_stream** out);
/* Wraps a cudaStream_t owned by the caller (NULL is the legacy default stream). */
GHOSTNET_API int32_t gn_stream_wrap(void* cuda_stream, int32_t device_kind, int32_t device_index, gn_stream** out);
GHOSTNET_API void* gn_stream_handle(const gn_stream* stream);
GHOSTNET_API int32_t gn_stream_synchronize(const gn_stream* stream);
GHOSTNET_API void gn_stream_destroy(gn_stream* stream);

/* --- tensors ------------------------------------------------------------------------- */
GHOSTNET_API int32_t gn_tensor_allocate(int32_t device_kind, int32_t device_index, int32_t dtype, int32_t layout,
                                        int32_t rank, const int64_t* dims, int32_t pinned, gn_tensor** out);
/* Borrows memory the caller owns; it is never freed by the tensor. */
GHOSTNET_API int32_t gn_tensor_wrap(void* data, int32_t device_kind, int32_t device_index, int32_t dtype,
                                    int32_t layout, int32_t rank, const int64_t* dims, gn_tensor** out);
GHOSTNET_API void* gn_tensor_data(const gn_tensor* tensor);
GHOSTNET_API int64_t gn_tensor_bytes(const gn_tensor* tensor);
/* The tensor's dtype, layout, rank and dims (dims must hold 8). */
GHOSTNET_API int32_t gn_tensor_shape(const gn_tensor* tensor, int32_t* dtype, int32_t* layout, int32_t* rank,
                                     int64_t* dims);
/* Hands the memory out: the tensor stops owning it; free it with gn_memory_free. */
GHOSTNET_API void* gn_tensor_release(gn_tensor* tensor);
GHOSTNET_API void gn_tensor_destroy(gn_tensor* tensor);
GHOSTNET_API int32_t gn_memory_free(int32_t device_kind, int32_t device_index, void* data);
/* Copies src to dst; stream NULL means blocking. */
GHOSTNET_API int32_t gn_tensor_copy(const gn_tensor* src, gn_tensor* dst, const gn_stream* stream);

/* --- models and execution contexts ------------------------------------------------ */

/* Loads a checkpoint (safetensors, or a PyTorch zip or legacy file) onto a device.
 * mean and std (3 floats each, or NULL for ImageNet's) normalise uint8 input;
 * max_tensor_bytes and max_total_bytes (0 for the defaults: 1 GiB and 4 GiB) bound what one
 * checkpoint tensor, and all of them, may allocate; threads (0: every core) bounds the host
 * threads one forward pass uses. */
GHOSTNET_API int32_t gn_model_load(const char* path, int32_t device_kind, int32_t device_index, int32_t precision,
                                   int32_t allow_tf32, const float* mean, const float* std, int64_t max_tensor_bytes,
                                   int64_t max_total_bytes, int32_t threads, gn_model** out);
/* A member of the GhostNet family with random weights (deterministic in seed), named as timm
 * names them ("ghostnet_100", "ghostnetv2_130", "ghostnetv3_050": the width multiplier in
 * hundredths), with a class count, for benchmarks and demos; the options are as for
 * gn_model_load. */
GHOSTNET_API int32_t gn_model_random(const char* model, int32_t num_classes, uint32_t seed, int32_t device_kind,
                                     int32_t device_index, int32_t precision, int32_t allow_tf32, const float* mean,
                                     const float* std, int32_t threads, gn_model** out);
GHOSTNET_API int32_t gn_model_num_classes(const gn_model* model);
/* The member: "GhostNet", "GhostNetV2" or "GhostNetV3" (valid while the model lives), and its
 * width multiplier (1.3 for 1.3x). */
GHOSTNET_API const char* gn_model_family(const gn_model* model);
GHOSTNET_API double gn_model_width(const gn_model* model);
/* A description of the model, valid until the model is destroyed. */
GHOSTNET_API const char* gn_model_describe(const gn_model* model);
/* Contexts keep the model's weights alive: destroying the model first is safe. */
GHOSTNET_API void gn_model_destroy(gn_model* model);

/* A context runs on its own stream, or on `stream` (borrowed) when not NULL. */
GHOSTNET_API int32_t gn_context_create(const gn_model* model, const gn_stream* stream, gn_context** out);
/* Runs the network. blocking != 0 returns when the output is ready; otherwise the work
 * is ordered on the context's stream. */
GHOSTNET_API int32_t gn_context_forward(gn_context* context, const gn_tensor* input, gn_tensor* output,
                                        int32_t blocking);
GHOSTNET_API int32_t gn_context_synchronize(const gn_context* context);
GHOSTNET_API void gn_context_destroy(gn_context* context);

/* --- files --------------------------------------------------------------------------- */
/* Reads a .npy file into a new host tensor with the given layout (NCHW/NHWC need rank 4). */
GHOSTNET_API int32_t gn_npy_read(const char* path, int32_t layout, gn_tensor** out);
/* Writes a host tensor as .npy. */
GHOSTNET_API int32_t gn_npy_write(const char* path, const gn_tensor* tensor);
/* Converts a checkpoint of the GhostNet family, in any supported format, to safetensors, keeping
 * each tensor's type; a GhostNetV3 in training form is written in its deployed form (each
 * re-parameterisable convolution folded into one, in float32), which loads to the same logits. */
GHOSTNET_API int32_t gn_checkpoint_convert(const char* input_path, const char* output_path);

/* --- images -------------------------------------------------------------------------- */
/* The system's libjpeg-turbo (its TurboJPEG library, libturbojpeg.so.0), found on first use:
 * the file, or "" when none could be used, and then why. */
GHOSTNET_API const char* gn_jpeg_library_path(void);
GHOSTNET_API const char* gn_jpeg_library_problem(void);
/* Decodes a JPEG of width x height pixels into out (width * height * channels bytes; channels
 * 3: RGB, 1: gray for a grayscale JPEG) as PIL gets it from libjpeg-turbo: the ISLOW inverse
 * DCT and fancy upsampling; corrupt data in a complete file is decoded as libjpeg decodes it.
 * GN_DEVICE_UNAVAILABLE when no TurboJPEG library was found. */
GHOSTNET_API int32_t gn_jpeg_decode(const uint8_t* data, int64_t size, int32_t width, int32_t height,
                                    int32_t channels, uint8_t* out);

#ifdef __cplusplus
}
#endif

#endif /* GHOSTNET_C_API_H */
