// Library layouts for tests without a GPU, made in a temporary folder from the stand-ins that
// tests/native/CMakeLists.txt builds into fake_libraries/ beside the test binary.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cuda/cudnn_loader.h"
#include "cuda/library_search.h"
#include "fake_libraries/fake_cudnn_script.h"

namespace ghostnet::testing {

// A temporary folder, removed with everything in it at the end of the test.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ghostnet-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  std::filesystem::path operator/(const std::string& relative) const { return path_ / relative; }

 private:
  std::filesystem::path path_;
};

// Copies a stand-in (fake_libraries/lib<name>.so beside this binary) to `to`.
inline void place(const std::string& name, const std::filesystem::path& to) {
  const std::filesystem::path fakes = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "fake_libraries";
  std::filesystem::create_directories(to.parent_path());
  std::filesystem::copy_file(fakes / ("lib" + name + ".so"), to, std::filesystem::copy_options::overwrite_existing);
}

// Only the given places, none of this machine's.
inline gpu::SearchPlaces only(std::vector<std::string> system_dirs, std::vector<std::string> python_prefixes = {}) {
  gpu::SearchPlaces places;
  places.dynamic_linker = false;
  places.system_dirs = std::move(system_dirs);
  places.python_prefixes = std::move(python_prefixes);
  return places;
}

// The stand-in cuDNN for CUDA 13, loaded as the loader loads cuDNN, and its script.
class FakeCudnn {
 public:
  FakeCudnn() {
    place("fake_cudnn_13000", temp_ / "lib/libcudnn.so.9");
    place("fake_cublaslt", temp_ / "lib/libcublasLt.so.13");
    libraries_ = cudnn::load(only({(temp_ / "lib").string()}));
    EXPECT_EQ(libraries_.unavailable, "");
    handle_ = dlopen(libraries_.libraries[0].path.c_str(), RTLD_LAZY | RTLD_LOCAL);  // the one loaded
    script_ = reinterpret_cast<FakeCudnnScriptFunction>(dlsym(handle_, "fake_cudnn_script"));
  }
  ~FakeCudnn() { dlclose(handle_); }
  FakeCudnn(const FakeCudnn&) = delete;
  FakeCudnn& operator=(const FakeCudnn&) = delete;

  const cudnn::Api& api() const { return libraries_.api; }
  // Sets what the fake answers; returns what it records.
  const FakeCudnnRecord& script(const FakeCudnnScript& script) {
    FakeCudnnRecord* record = nullptr;
    script_(&script, &record);
    return *record;
  }

 private:
  TempFolder temp_;
  cudnn::Libraries libraries_;
  void* handle_ = nullptr;
  FakeCudnnScriptFunction script_ = nullptr;
};

}  // namespace ghostnet::testing
