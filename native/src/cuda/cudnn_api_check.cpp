// Built only when a real cudnn.h is found: proves at compile time that cudnn_api.h
// declares every function and enum value exactly as cuDNN does.
#include <cudnn.h>

#include <cstddef>
#include <type_traits>

#include "cuda/cudnn_api.h"

namespace ghostnet::cudnn {
namespace {

// Maps each of our declarations to cuDNN's own type, through pointers and signatures.
template <typename T>
struct Real {
  using type = T;
};
#define GHOSTNET_CUDNN_REAL(ours, theirs) \
  template <>                             \
  struct Real<ours> {                     \
    using type = theirs;                  \
  };
GHOSTNET_CUDNN_REAL(Status, cudnnStatus_t)
GHOSTNET_CUDNN_REAL(Handle, cudnnHandle_t)
GHOSTNET_CUDNN_REAL(TensorDescriptor, cudnnTensorDescriptor_t)
GHOSTNET_CUDNN_REAL(FilterDescriptor, cudnnFilterDescriptor_t)
GHOSTNET_CUDNN_REAL(ConvolutionDescriptor, cudnnConvolutionDescriptor_t)
GHOSTNET_CUDNN_REAL(ActivationDescriptor, cudnnActivationDescriptor_t)
GHOSTNET_CUDNN_REAL(DataType, cudnnDataType_t)
GHOSTNET_CUDNN_REAL(TensorFormat, cudnnTensorFormat_t)
GHOSTNET_CUDNN_REAL(ConvolutionMode, cudnnConvolutionMode_t)
GHOSTNET_CUDNN_REAL(MathType, cudnnMathType_t)
GHOSTNET_CUDNN_REAL(ActivationMode, cudnnActivationMode_t)
GHOSTNET_CUDNN_REAL(NanPropagation, cudnnNanPropagation_t)
GHOSTNET_CUDNN_REAL(ConvFwdAlgo, cudnnConvolutionFwdAlgo_t)
GHOSTNET_CUDNN_REAL(ConvFwdAlgoPerf, cudnnConvolutionFwdAlgoPerf_t)
#undef GHOSTNET_CUDNN_REAL

template <typename T>
struct Real<T*> {
  using type = typename Real<T>::type*;
};
template <typename T>
struct Real<const T*> {
  using type = const typename Real<T>::type*;
};
template <typename R, typename... A>
struct Real<R (*)(A...)> {
  using type = typename Real<R>::type (*)(typename Real<A>::type...);
};

#define GHOSTNET_CUDNN_CHECK_SIGNATURE(name, ret, params)                                         \
  static_assert(std::is_same_v<typename Real<decltype(Api::name)>::type, decltype(&::name)>, \
                #name " in cudnn_api.h differs from cudnn.h");
GHOSTNET_CUDNN_FUNCTIONS(GHOSTNET_CUDNN_CHECK_SIGNATURE)
#undef GHOSTNET_CUDNN_CHECK_SIGNATURE

#define GHOSTNET_CUDNN_CHECK_VALUE(ours, theirs) static_assert(int(ours) == int(theirs), #ours " != " #theirs);
GHOSTNET_CUDNN_CHECK_VALUE(Status::Success, CUDNN_STATUS_SUCCESS)
GHOSTNET_CUDNN_CHECK_VALUE(Status::BadParam, CUDNN_STATUS_BAD_PARAM)
GHOSTNET_CUDNN_CHECK_VALUE(Status::NotSupported, CUDNN_STATUS_NOT_SUPPORTED)
GHOSTNET_CUDNN_CHECK_VALUE(Status::InternalError, CUDNN_STATUS_INTERNAL_ERROR)
GHOSTNET_CUDNN_CHECK_VALUE(Status::HostAllocationFailed, CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED)
GHOSTNET_CUDNN_CHECK_VALUE(Status::DeviceAllocationFailed, CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED)
GHOSTNET_CUDNN_CHECK_VALUE(Status::ExecutionFailed, CUDNN_STATUS_EXECUTION_FAILED)
GHOSTNET_CUDNN_CHECK_VALUE(DataType::Float, CUDNN_DATA_FLOAT)
GHOSTNET_CUDNN_CHECK_VALUE(DataType::Half, CUDNN_DATA_HALF)
GHOSTNET_CUDNN_CHECK_VALUE(DataType::BFloat16, CUDNN_DATA_BFLOAT16)
GHOSTNET_CUDNN_CHECK_VALUE(TensorFormat::NCHW, CUDNN_TENSOR_NCHW)
GHOSTNET_CUDNN_CHECK_VALUE(TensorFormat::NHWC, CUDNN_TENSOR_NHWC)
GHOSTNET_CUDNN_CHECK_VALUE(ConvolutionMode::Convolution, CUDNN_CONVOLUTION)
GHOSTNET_CUDNN_CHECK_VALUE(ConvolutionMode::CrossCorrelation, CUDNN_CROSS_CORRELATION)
GHOSTNET_CUDNN_CHECK_VALUE(MathType::Default, CUDNN_DEFAULT_MATH)
GHOSTNET_CUDNN_CHECK_VALUE(MathType::TensorOp, CUDNN_TENSOR_OP_MATH)
GHOSTNET_CUDNN_CHECK_VALUE(MathType::TensorOpAllowConversion, CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
GHOSTNET_CUDNN_CHECK_VALUE(MathType::Fma, CUDNN_FMA_MATH)
GHOSTNET_CUDNN_CHECK_VALUE(ActivationMode::Relu, CUDNN_ACTIVATION_RELU)
GHOSTNET_CUDNN_CHECK_VALUE(ActivationMode::Identity, CUDNN_ACTIVATION_IDENTITY)
GHOSTNET_CUDNN_CHECK_VALUE(NanPropagation::NotPropagate, CUDNN_NOT_PROPAGATE_NAN)
GHOSTNET_CUDNN_CHECK_VALUE(ConvFwdAlgo::ImplicitGemm, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM)
GHOSTNET_CUDNN_CHECK_VALUE(ConvFwdAlgo::ImplicitPrecompGemm, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM)
GHOSTNET_CUDNN_CHECK_VALUE(ConvFwdAlgo::Count, CUDNN_CONVOLUTION_FWD_ALGO_COUNT)
GHOSTNET_CUDNN_CHECK_VALUE(Determinism::NonDeterministic, CUDNN_NON_DETERMINISTIC)
GHOSTNET_CUDNN_CHECK_VALUE(Determinism::Deterministic, CUDNN_DETERMINISTIC)
#undef GHOSTNET_CUDNN_CHECK_VALUE

static_assert(sizeof(ConvFwdAlgoPerf) == sizeof(cudnnConvolutionFwdAlgoPerf_t), "ConvFwdAlgoPerf size");
static_assert(offsetof(ConvFwdAlgoPerf, status) == offsetof(cudnnConvolutionFwdAlgoPerf_t, status), "status");
static_assert(offsetof(ConvFwdAlgoPerf, time) == offsetof(cudnnConvolutionFwdAlgoPerf_t, time), "time");
static_assert(offsetof(ConvFwdAlgoPerf, memory) == offsetof(cudnnConvolutionFwdAlgoPerf_t, memory), "memory");
static_assert(offsetof(ConvFwdAlgoPerf, mathType) == offsetof(cudnnConvolutionFwdAlgoPerf_t, mathType), "mathType");

}  // namespace
}  // namespace ghostnet::cudnn
