// What the C API's opaque handles hold, and the helpers every entry point uses.
#pragma once

#include <string>
#include <vector>

#include "ghostnet/c_api.h"
#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "ghostnet/tensor.h"

struct gn_tensor {
  ghostnet::Tensor tensor;
};

struct gn_stream {
  ghostnet::Stream stream;
};

struct gn_model {
  ghostnet::Model model;
  std::string description;
  std::string family;
};

struct gn_context {
  ghostnet::ExecutionContext context;
};

namespace ghostnet::capi {

int32_t record(ErrorCode code, const std::string& message);
// Records the exception being handled as the thread's last error; returns its status.
int32_t record_current_exception();

// Runs `body`, turning any exception into a status: nothing thrown crosses the C ABI.
template <typename Body>
int32_t guarded(Body&& body) noexcept {
  try {
    body();
    return GN_OK;
  } catch (...) {
    return record_current_exception();
  }
}

template <typename Handle>
Handle& checked(Handle* handle, const char* what) {
  if (handle == nullptr) fail(ErrorCode::InvalidArgument, std::string("the ") + what + " is null");
  return *handle;
}

Device device_from(int32_t kind, int32_t index);
DType dtype_from(int32_t dtype);
Layout layout_from(int32_t layout);
std::vector<int64_t> dims_from(int32_t rank, const int64_t* dims);
void require_out(const void* out);

}  // namespace ghostnet::capi
