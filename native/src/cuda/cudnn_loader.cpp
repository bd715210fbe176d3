// Finds libcudnn.so.9 and resolves the functions of cudnn_api.h.
//
// Search order: the explicit setting (set_cudnn_path, from the Java system property
// ghostnet.cudnn.path, or the GHOSTNET_CUDNN_PATH environment variable), the dynamic
// linker's own search (LD_LIBRARY_PATH, ldconfig), the usual install places (system
// packages, CUDA toolkits, Python environments where pip and PyTorch put it), then the
// folders callers added (the Java API adds JavaCPP's redistributable jar cache).
#include <dlfcn.h>
#include <glob.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "core/gpu_runtime.h"
#include "cuda/cudnn_loader.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

constexpr const char* kLibrary = "libcudnn.so.9";
// cuDNN 9 is split in sub-libraries that the main one opens by name; loading them from
// the folder where it was found keeps the set consistent.
constexpr const char* kSubLibraries[] = {
    "libcudnn_graph.so.9",   "libcudnn_engines_precompiled.so.9",
    "libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9",
    "libcudnn_ops.so.9",     "libcudnn_cnn.so.9"};

std::mutex g_mutex;
std::string g_explicit_path;
std::vector<std::string> g_extra_dirs;

std::vector<std::string> glob_paths(const std::string& pattern) {
  std::vector<std::string> paths;
  glob_t matches{};
  if (glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  return paths;
}

std::vector<std::string> usual_dirs() {
  std::vector<std::string> dirs = {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/cuda/lib64"};
  for (const auto& d : glob_paths("/usr/local/cuda-*/lib64")) dirs.push_back(d);
  std::vector<std::string> prefixes = {"/usr/local", "/usr", "/opt/conda"};
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    if (const char* value = std::getenv(var)) prefixes.insert(prefixes.begin(), value);
  }
  if (const char* home = std::getenv("HOME")) prefixes.push_back(std::string(home) + "/.local");
  for (const auto& prefix : prefixes) {
    for (const char* packages : {"site-packages", "dist-packages"}) {
      for (const auto& d : glob_paths(prefix + "/lib/python3*/" + packages + "/nvidia/cudnn/lib")) dirs.push_back(d);
    }
  }
  return dirs;
}

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

void* open_library(const std::string& path, std::string& error) {
  if (path.find('/') != std::string::npos) {
    for (const char* sub : kSubLibraries) dlopen((folder_of(path) + "/" + sub).c_str(), RTLD_NOW | RTLD_GLOBAL);
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) error = dlerror();
  return handle;
}

struct Loaded {
  cudnn::Api api;
  std::string failure;  // "" when loaded
  std::string version;
};

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

// Tries one candidate; appends what happened to `log`. True when cuDNN is ready.
bool try_candidate(const std::string& label, const std::string& path, Loaded& loaded, std::string& log) {
  std::string error;
  void* handle = open_library(path, error);
  if (!handle) {
    log += "\n  " + label + ": " + error;
    return false;
  }
  const std::string problem = resolve(handle, loaded.api);
  if (!problem.empty()) {
    log += "\n  " + label + ": found " + path + ", but " + problem;
    return false;
  }
  const std::size_t v = loaded.api.cudnnGetVersion();
  loaded.version = std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
  return true;
}

std::string as_library_path(const std::string& setting) {
  return setting.size() > 3 && setting.rfind(".so") != std::string::npos ? setting : setting + "/" + kLibrary;
}

Loaded load() {
  Loaded loaded;
  std::string explicit_path;
  std::vector<std::string> extra_dirs;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    explicit_path = g_explicit_path;
    extra_dirs = g_extra_dirs;
  }
  if (explicit_path.empty()) {
    if (const char* env = std::getenv("GHOSTNET_CUDNN_PATH")) explicit_path = env;
  }
  std::string log;
  if (!explicit_path.empty()) {
    if (try_candidate("explicit setting", as_library_path(explicit_path), loaded, log)) return loaded;
  } else {
    log += "\n  explicit setting: none (system property ghostnet.cudnn.path or GHOSTNET_CUDNN_PATH)";
  }
  if (try_candidate("library path (LD_LIBRARY_PATH, ldconfig)", kLibrary, loaded, log)) return loaded;
  std::vector<std::string> dirs = usual_dirs();
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  std::string missing;
  for (const auto& dir : dirs) {
    const std::string path = dir + "/" + kLibrary;
    if (glob_paths(path).empty()) {
      missing += (missing.empty() ? "" : ", ") + dir;
      continue;
    }
    if (try_candidate(dir, path, loaded, log)) return loaded;
  }
  if (!missing.empty()) log += "\n  not in: " + missing;
  loaded.failure = std::string("cuDNN 9 (") + kLibrary + ") was not found or could not be loaded. Looked at:" + log;
  return loaded;
}

const Loaded& loaded() {
  static const Loaded result = load();
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

const std::string& cudnn_unavailable_reason() { return loaded().failure; }
std::string cudnn_version() { return loaded().version; }

}  // namespace gpu

namespace cudnn {

const Api& api() {
  const Loaded& l = loaded();
  if (!l.failure.empty()) fail(ErrorCode::DeviceUnavailable, l.failure);
  return l.api;
}

}  // namespace cudnn
}  // namespace ghostnet
