// A stand-in for libcudnn.so.9, for tests without a GPU: every function cudnn_api.h resolves,
// doing nothing, unless fake_cudnn_script.cpp scripts it; it is cuDNN 9.19.0 built for the
// CUDA version FAKE_CUDART_VERSION says.
#include <cstring>
#include <type_traits>

#include "cuda/cudnn_api.h"

namespace {

using namespace ghostnet::cudnn;

template <typename Result>
Result fake_result(const char* function) {
  if constexpr (std::is_same_v<Result, std::size_t>) {
    return std::strcmp(function, "cudnnGetVersion") == 0 ? 91900 : FAKE_CUDART_VERSION;
  } else if constexpr (!std::is_void_v<Result>) {
    return Result{};  // Status::Success, or a null pointer
  }
}

}  // namespace

#define GHOSTNET_FAKE_CUDNN(name, ret, params)                         \
  extern "C" __attribute__((visibility("default"), weak)) ret name params { \
    return fake_result<ret>(#name);                                      \
  }
GHOSTNET_CUDNN_FUNCTIONS(GHOSTNET_FAKE_CUDNN)
#undef GHOSTNET_FAKE_CUDNN
