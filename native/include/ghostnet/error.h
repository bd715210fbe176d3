// Errors raised by the ghostnet library.
//
// Every failure is a ghostnet::Error carrying a code, so the C API (and through it
// Java) can map it to a typed exception without parsing messages.
#pragma once

#include "ghostnet/export.h"

#include <stdexcept>
#include <string>

namespace ghostnet {

// The numeric values are part of the C API (c_api.h mirrors them).
enum class ErrorCode : int {
  InvalidArgument = 1,    // wrong rank, shape, dtype, device, option or file argument
  DeviceUnavailable = 2,  // no driver, no device, no usable cuDNN, or a host-only build
  OutOfMemory = 3,        // host or device allocation failed, or a configured limit was hit
  Checkpoint = 4,         // corrupt, truncated, hostile or mismatched weight file
  Busy = 5,               // an execution context used by two threads at once
  Internal = 6,           // a CUDA/cuDNN failure or a broken invariant
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
