// The subset of cuDNN's C API that ghostnet uses, declared here so the library builds
// without cuDNN and loads it with dlopen at run time: a machine without a GPU never needs
// it, and one with a GPU uses whichever cuDNN 9 it has (pip's, a system package's).
//
// The values and signatures are cuDNN 9's (the legacy convolution API). When a real
// cudnn.h is found at build time, cudnn_api_check.cpp verifies every enum value and
// every signature below against it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace ghostnet::cudnn {

struct Context;
struct TensorStruct;
struct FilterStruct;
struct ConvolutionStruct;
struct ActivationStruct;
using Handle = Context*;
using TensorDescriptor = TensorStruct*;
using FilterDescriptor = FilterStruct*;
using ConvolutionDescriptor = ConvolutionStruct*;
using ActivationDescriptor = ActivationStruct*;

// cuDNN 9 groups statuses by thousands: 2xxx bad parameter, 3xxx not supported, 4xxx
// internal error (4003 and 4004: host and device memory could not be allocated), ...
enum class Status : int { Success = 0, BadParam = 2000, NotSupported = 3000, InternalError = 4000,
                          HostAllocationFailed = 4003, DeviceAllocationFailed = 4004, ExecutionFailed = 5000 };

enum class DataType : int { Float = 0, Half = 2, BFloat16 = 9 };
enum class TensorFormat : int { NCHW = 0, NHWC = 1 };
enum class ConvolutionMode : int { Convolution = 0, CrossCorrelation = 1 };
enum class MathType : int { Default = 0, TensorOp = 1, TensorOpAllowConversion = 2, Fma = 3 };
enum class ActivationMode : int { Relu = 1, Identity = 5 };
enum class NanPropagation : int { NotPropagate = 0 };
enum class ConvFwdAlgo : int { ImplicitGemm = 0, ImplicitPrecompGemm = 1, Count = 8 };
enum class Determinism : int { NonDeterministic = 0, Deterministic = 1 };

struct ConvFwdAlgoPerf {
  ConvFwdAlgo algo;
  Status status;
  float time;
  std::size_t memory;
  Determinism determinism;
  MathType mathType;
  int reserved[3];
};

// X(name, return type, parameter list): one line per function the loader resolves.
#define GHOSTNET_CUDNN_FUNCTIONS(X)                                                              \
  X(cudnnGetVersion, std::size_t, ())                                                            \
  X(cudnnGetCudartVersion, std::size_t, ())                                                      \
  X(cudnnGetErrorString, const char*, (Status))                                                  \
  X(cudnnGetLastErrorString, void, (char*, std::size_t))                                         \
  X(cudnnCreate, Status, (Handle*))                                                              \
  X(cudnnDestroy, Status, (Handle))                                                              \
  X(cudnnSetStream, Status, (Handle, cudaStream_t))                                              \
  X(cudnnCreateTensorDescriptor, Status, (TensorDescriptor*))                                    \
  X(cudnnDestroyTensorDescriptor, Status, (TensorDescriptor))                                    \
  X(cudnnSetTensor4dDescriptorEx, Status,                                                        \
    (TensorDescriptor, DataType, int, int, int, int, int, int, int, int))                        \
  X(cudnnCreateFilterDescriptor, Status, (FilterDescriptor*))                                    \
  X(cudnnDestroyFilterDescriptor, Status, (FilterDescriptor))                                    \
  X(cudnnSetFilter4dDescriptor, Status, (FilterDescriptor, DataType, TensorFormat, int, int, int, int)) \
  X(cudnnCreateConvolutionDescriptor, Status, (ConvolutionDescriptor*))                          \
  X(cudnnDestroyConvolutionDescriptor, Status, (ConvolutionDescriptor))                          \
  X(cudnnSetConvolution2dDescriptor, Status,                                                     \
    (ConvolutionDescriptor, int, int, int, int, int, int, ConvolutionMode, DataType))            \
  X(cudnnSetConvolutionMathType, Status, (ConvolutionDescriptor, MathType))                      \
  X(cudnnSetConvolutionGroupCount, Status, (ConvolutionDescriptor, int))                         \
  X(cudnnCreateActivationDescriptor, Status, (ActivationDescriptor*))                            \
  X(cudnnDestroyActivationDescriptor, Status, (ActivationDescriptor))                            \
  X(cudnnSetActivationDescriptor, Status, (ActivationDescriptor, ActivationMode, NanPropagation, double)) \
  X(cudnnGetConvolutionForwardAlgorithmMaxCount, Status, (Handle, int*))                         \
  X(cudnnFindConvolutionForwardAlgorithmEx, Status,                                              \
    (Handle, TensorDescriptor, const void*, FilterDescriptor, const void*, ConvolutionDescriptor, \
     TensorDescriptor, void*, int, int*, ConvFwdAlgoPerf*, void*, std::size_t))                  \
  X(cudnnGetConvolutionForwardWorkspaceSize, Status,                                             \
    (Handle, TensorDescriptor, FilterDescriptor, ConvolutionDescriptor, TensorDescriptor,        \
     ConvFwdAlgo, std::size_t*))                                                                 \
  X(cudnnConvolutionForward, Status,                                                             \
    (Handle, const void*, TensorDescriptor, const void*, FilterDescriptor, const void*,          \
     ConvolutionDescriptor, ConvFwdAlgo, void*, std::size_t, const void*, TensorDescriptor, void*)) \
  X(cudnnConvolutionBiasActivationForward, Status,                                               \
    (Handle, const void*, TensorDescriptor, const void*, FilterDescriptor, const void*,          \
     ConvolutionDescriptor, ConvFwdAlgo, void*, std::size_t, const void*, TensorDescriptor,      \
     const void*, TensorDescriptor, const void*, ActivationDescriptor, TensorDescriptor, void*))

// The loaded entry points, one member per function above.
struct Api {
#define GHOSTNET_CUDNN_MEMBER(name, ret, params) ret(*name) params = nullptr;
  GHOSTNET_CUDNN_FUNCTIONS(GHOSTNET_CUDNN_MEMBER)
#undef GHOSTNET_CUDNN_MEMBER
};

}  // namespace ghostnet::cudnn
