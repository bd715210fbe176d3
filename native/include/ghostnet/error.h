// Errors raised by the ghostnet library.
//
// Every failure is a ghostnet::Error carrying a code, so the C API (and through it
// Java) can map it to a typed exception without parsing messages.
#pragma once

#include "ghostnet/c_api.h"
#include "ghostnet/export.h"

#include <stdexcept>
#include <string>

namespace ghostnet {

// The numbers are the C API's statuses.
enum class ErrorCode : int {
  InvalidArgument = GN_INVALID_ARGUMENT,      // wrong rank, shape, dtype, device, option or file argument
  DeviceUnavailable = GN_DEVICE_UNAVAILABLE,  // no driver, no device, no usable cuDNN, or a host-only build
  OutOfMemory = GN_OUT_OF_MEMORY,             // host or device allocation failed, or a configured limit was hit
  Checkpoint = GN_CHECKPOINT,                 // corrupt, truncated, hostile or mismatched weight file
  Busy = GN_BUSY,                             // an execution context used by two threads at once
  Internal = GN_INTERNAL,                     // a CUDA/cuDNN failure or a broken invariant
};

class GHOSTNET_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] inline void fail(ErrorCode code, const std::string& message) { throw Error(code, message); }

}  // namespace ghostnet
