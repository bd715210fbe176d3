// Loads cuDNN 9 at first GPU use, resolves the functions of cudnn_api.h, and makes sure the
// libraries cuDNN opens by name will be found: its own sub-libraries, cuBLASLt (which its
// legacy convolution API, the one ghostnet uses, needs) and NVRTC (for its runtime-compiled
// engines). cuDNN's "Building and Running a cuDNN Dependent Program" lists these.
//
// cuDNN comes from the explicit setting alone when there is one (set_cudnn_path, from the
// Java system property ghostnet.cudnn.path, or GHOSTNET_CUDNN_PATH: a file or a folder);
// else from the dynamic linker's search (LD_LIBRARY_PATH, ldconfig), system and CUDA toolkit
// folders, Python environments (nvidia/cudnn/lib, where pip and PyTorch put it), and the
// folders callers added (the Java API adds JavaCPP's redistributable jar cache).
//
// A library opened by name is matched against those already loaded by their sonames, so
// once the sub-libraries beside cuDNN and its dependencies are loaded from where they were
// found, cuDNN's own lookups find them whatever the library path says.
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "core/gpu_runtime.h"
#include "cuda/cudnn_loader.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

constexpr const char* kCudnnFile = "libcudnn.so.9";
constexpr const char* kCudnnSubLibraries = "libcudnn_*.so.9";
constexpr const char* kExplicitSetting = "the explicit setting (system property ghostnet.cudnn.path or GHOSTNET_CUDNN_PATH)";

std::mutex g_mutex;
std::string g_explicit_path;
std::vector<std::string> g_extra_dirs;

std::string dotted_version(std::size_t version, std::size_t major_unit) {
  const std::size_t minor_unit = major_unit / 100;
  return std::to_string(version / major_unit) + "." + std::to_string(version % major_unit / minor_unit) + "." +
         std::to_string(version % minor_unit);
}

std::string resolve(void* handle, cudnn::Api& api) {
#define GHOSTNET_CUDNN_RESOLVE(name, ret, params)                                   \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(handle, #name));            \
  if (api.name == nullptr) return std::string("it lacks the function ") + #name;
  GHOSTNET_CUDNN_FUNCTIONS(GHOSTNET_CUDNN_RESOLVE)
#undef GHOSTNET_CUDNN_RESOLVE
  const std::size_t version = api.cudnnGetVersion();
  if (version < 90000) return "it is version " + std::to_string(version) + "; ghostnet needs cuDNN 9";
  return "";
}

// Where cuDNN may be: the explicit setting alone, or every usual place.
std::vector<gpu::Candidate> cudnn_candidates(const gpu::SearchPlaces& places, std::string& problem) {
  if (places.explicit_path.empty()) {
    return gpu::candidates({"cuDNN", kCudnnFile, {"nvidia/cudnn/lib"}}, places, {});
  }
  switch (gpu::path_kind(places.explicit_path)) {
    case gpu::PathKind::Folder: return {{kExplicitSetting, places.explicit_path + "/" + kCudnnFile}};
    case gpu::PathKind::File: return {{kExplicitSetting, places.explicit_path}};
    case gpu::PathKind::Missing: break;
  }
  problem = std::string(kExplicitSetting) + " names " + places.explicit_path + ", which does not exist";
  return {};
}

// A library cuDNN opens by name: cuBLASLt or NVRTC of cuDNN's CUDA major version. Looked for
// beside cuDNN and in the folders pip's packages of that CUDA version use (nvidia/cu13/lib
// for CUDA 13, one folder per package before), then everywhere else.
struct Dependency {
  const char* name;
  const char* stem;         // "libcublasLt.so."
  const char* pip_package;  // pip's folder before CUDA 13 ("cublas")
  bool required;            // whether ghostnet's convolutions need it
  std::string (*version)(void* handle);  // "" when the library is not the one expected
  const char* without;      // what is lost without it
};

std::string cublaslt_version(void* handle) {
  auto get = reinterpret_cast<std::size_t (*)()>(dlsym(handle, "cublasLtGetVersion"));
  return get != nullptr ? dotted_version(get(), 10000) : "";
}

std::string nvrtc_version(void* handle) {
  auto get = reinterpret_cast<int (*)(int*, int*)>(dlsym(handle, "nvrtcVersion"));
  int major = 0, minor = 0;
  if (get == nullptr || get(&major, &minor) != 0) return "";
  return std::to_string(major) + "." + std::to_string(minor);
}

const Dependency kDependencies[] = {
    {"cuBLASLt", "libcublasLt.so.", "cublas", true, cublaslt_version, "cuDNN's convolutions cannot run"},
    {"NVRTC", "libnvrtc.so.", "cuda_nvrtc", false, nvrtc_version, "cuDNN's runtime-compiled engines are unavailable"},
};

GpuLibrary load_dependency(const Dependency& d, int cuda_major, const std::string& cudnn_folder,
                           const gpu::SearchPlaces& places) {
  const std::string major = std::to_string(cuda_major);
  const std::string pip_folder = std::string("nvidia/") + d.pip_package + "/lib";
  const gpu::LibrarySpec spec{d.name, d.stem + major, {"nvidia/cu" + major + "/lib", pip_folder}};
  std::vector<std::string> first_dirs;
  if (!cudnn_folder.empty()) {
    // cuDNN from pip lies in site-packages/nvidia/cudnn/lib; its dependencies' packages beside it.
    const std::string nvidia = cudnn_folder + "/../..";
    first_dirs = {cudnn_folder, nvidia + "/cu" + major + "/lib", nvidia + "/" + d.pip_package + "/lib"};
  }
  std::string version;
  const gpu::Found found = gpu::find_library(gpu::candidates(spec, places, first_dirs), [&](void* handle) {
    version = d.version(handle);
    return version.empty() ? std::string("it is not ") + d.name + " (no version function)" : std::string();
  });
  GpuLibrary library{d.name, "", "", "", ""};
  if (found.handle == nullptr) {
    library.problem = spec.file + " was not found, so " + d.without + ". Looked at:" + found.log;
    return library;
  }
  library.version = version;
  library.path = found.path;
  return library;
}

std::string cudnn_notes(std::size_t cudart_version, const gpu::Preloaded& sub_libraries) {
  std::string notes = "for CUDA " + std::to_string(cudart_version / 1000) + "." +
                      std::to_string(cudart_version % 1000 / 10) + "; " + std::to_string(sub_libraries.opened) +
                      " sub-libraries loaded";
  for (const std::string& failure : sub_libraries.failures) notes += "\nnot loaded: " + failure;
  return notes;
}

}  // namespace

namespace cudnn {

Libraries load(const gpu::SearchPlaces& places) {
  Libraries loaded;
  GpuLibrary cudnn{"cuDNN", "", "", "", ""};
  std::vector<gpu::Candidate> candidates = cudnn_candidates(places, cudnn.problem);
  const gpu::Found found =
      candidates.empty() ? gpu::Found{} : gpu::find_library(candidates, [&](void* h) { return resolve(h, loaded.api); });
  int cuda_major = CUDART_VERSION / 1000;
  std::string folder;
  if (found.handle != nullptr) {
    folder = gpu::folder_of(found.path);
    const gpu::Preloaded sub_libraries = gpu::preload(folder, kCudnnSubLibraries);
    const std::size_t cudart = loaded.api.cudnnGetCudartVersion();
    cuda_major = int(cudart / 1000);
    cudnn.version = dotted_version(loaded.api.cudnnGetVersion(), 10000);
    cudnn.path = found.path;
    cudnn.notes = cudnn_notes(cudart, sub_libraries);
  } else {
    loaded.api = Api{};
    if (cudnn.problem.empty()) cudnn.problem = std::string(kCudnnFile) + " was not found. Looked at:" + found.log;
    loaded.unavailable = "cuDNN 9: " + cudnn.problem;
  }
  loaded.libraries.push_back(cudnn);
  for (const Dependency& d : kDependencies) {
    loaded.libraries.push_back(load_dependency(d, cuda_major, folder, places));
    const GpuLibrary& library = loaded.libraries.back();
    if (d.required && loaded.unavailable.empty() && !library.problem.empty()) {
      loaded.unavailable = "cuDNN " + cudnn.version + " (" + cudnn.path + ") needs " + d.name + ": " + library.problem;
    }
  }
  return loaded;
}

}  // namespace cudnn

namespace {

const cudnn::Libraries& loaded() {
  static const cudnn::Libraries result = [] {
    std::lock_guard<std::mutex> lock(g_mutex);
    return cudnn::load(gpu::search_places(g_explicit_path, g_extra_dirs, [](const char* name) { return std::getenv(name); }));
  }();
  return result;
}

}  // namespace

namespace gpu {

void set_cudnn_path(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_explicit_path = path;
}

void add_cudnn_search_dir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_extra_dirs.push_back(dir);
}

const std::string& cudnn_unavailable_reason() { return loaded().unavailable; }
const std::vector<GpuLibrary>& gpu_libraries() { return loaded().libraries; }

}  // namespace gpu

namespace cudnn {

const Api& api() {
  const Libraries& l = loaded();
  if (!l.unavailable.empty()) fail(ErrorCode::DeviceUnavailable, l.unavailable);
  return l.api;
}

}  // namespace cudnn
}  // namespace ghostnet
