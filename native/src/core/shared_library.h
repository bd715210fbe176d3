// Shared libraries opened at run time, for what ghostnet loads only when it is first used: cuDNN
// and the libraries it opens, and libjpeg-turbo.
#pragma once

#include <string>

namespace ghostnet {

// Opens a library with lazy binding and its symbols kept local: it serves whoever asks
// for it by name (the dynamic linker matches a loaded library's soname) without its
// symbols reaching anyone else. nullptr, and `error` what the dynamic linker said, when it fails.
void* open_library(const std::string& path, std::string& error);

// The file a handle was loaded from, its symbolic links resolved ("" if unknown).
std::string path_of(void* handle);

// `path` with its symbolic links resolved, or as given when it does not exist.
std::string canonical(const std::string& path);

}  // namespace ghostnet
