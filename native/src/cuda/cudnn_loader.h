// Finding and loading cuDNN, and what it needs, at run time.
#pragma once

#include <string>
#include <vector>

#include "cuda/cudnn_api.h"
#include "cuda/library_search.h"
#include "ghostnet/device.h"

namespace ghostnet::cudnn {

// The loaded API; throws DeviceUnavailable saying what was searched when cuDNN, or a
// library it needs, cannot be loaded.
const Api& api();

// What a search found: the API (usable when `unavailable` is empty), and each library.
struct Libraries {
  Api api;
  std::vector<GpuLibrary> libraries;  // cuDNN, then what it opens by name
  std::string unavailable;            // why cuDNN cannot be used; "" when it can
};

// The search itself, in the given places; api() searches this process's once.
Libraries load(const gpu::SearchPlaces& places);

}  // namespace ghostnet::cudnn
