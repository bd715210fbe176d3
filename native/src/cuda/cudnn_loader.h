// Finding and loading cuDNN at run time.
#pragma once

#include "cuda/cudnn_api.h"

namespace ghostnet::cudnn {

// The loaded API; throws DeviceUnavailable saying what was searched when cuDNN
// cannot be loaded.
const Api& api();

}  // namespace ghostnet::cudnn
