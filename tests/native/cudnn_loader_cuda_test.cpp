// Finding cuDNN and what it opens by name, in library layouts made in a temporary folder
// from stand-ins (fake_libraries/): pip's for CUDA 13 and for CUDA 12, a system folder, an
// explicit file or folder, an environment nobody activated.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "cuda/cudnn_loader.h"
#include "cuda/library_search.h"
#include "fake_cudnn.h"

namespace ghostnet {
namespace {

namespace fs = std::filesystem;
using testing::only;
using testing::place;
using testing::TempFolder;

const std::string kSitePackages = "lib/python3.12/site-packages";

std::string real(const fs::path& path) { return fs::canonical(path).string(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CudnnLoader, FindsPipsCuda13LayoutWithCublasLtAndNvrtcInTheSharedFolder) {
  TempFolder temp;
  const fs::path nvidia = temp / ("venv/" + kSitePackages + "/nvidia");
  place("fake_cudnn_13000", nvidia / "cudnn/lib/libcudnn.so.9");
  place("fake_library", nvidia / "cudnn/lib/libcudnn_graph.so.9");
  place("fake_cublaslt", nvidia / "cu13/lib/libcublasLt.so.13");
  place("fake_nvrtc", nvidia / "cu13/lib/libnvrtc.so.13");

  const cudnn::Libraries found = cudnn::load(only({}, {(temp / "venv").string()}));
  EXPECT_EQ(found.unavailable, "");
  ASSERT_EQ(found.libraries.size(), 3u);
  EXPECT_EQ(found.libraries[0].name, "cuDNN");
  EXPECT_EQ(found.libraries[0].version, "9.19.0");
  EXPECT_EQ(found.libraries[0].path, real(nvidia / "cudnn/lib/libcudnn.so.9"));
  EXPECT_EQ(found.libraries[0].notes, "for CUDA 13.0; 1 sub-libraries loaded");
  EXPECT_EQ(found.libraries[1].name, "cuBLASLt");
  EXPECT_EQ(found.libraries[1].version, "13.1.0");
  EXPECT_EQ(found.libraries[1].path, real(nvidia / "cu13/lib/libcublasLt.so.13"));
  EXPECT_EQ(found.libraries[2].name, "NVRTC");
  EXPECT_EQ(found.libraries[2].version, "13.0");
  EXPECT_EQ(found.libraries[2].path, real(nvidia / "cu13/lib/libnvrtc.so.13"));
  for (const GpuLibrary& library : found.libraries) EXPECT_EQ(library.problem, "") << library.name;
  ASSERT_NE(found.api.cudnnGetVersion, nullptr);
  EXPECT_EQ(found.api.cudnnGetVersion(), 91900u);
}

TEST(CudnnLoader, FindsPipsCuda12LayoutWithAFolderPerPackage) {
  TempFolder temp;
  const fs::path nvidia = temp / ("venv/" + kSitePackages + "/nvidia");
  place("fake_cudnn_12080", nvidia / "cudnn/lib/libcudnn.so.9");
  place("fake_cublaslt", nvidia / "cublas/lib/libcublasLt.so.12");
  place("fake_nvrtc", nvidia / "cuda_nvrtc/lib/libnvrtc.so.12");

  const cudnn::Libraries found = cudnn::load(only({}, {(temp / "venv").string()}));
  EXPECT_EQ(found.unavailable, "");
  EXPECT_EQ(found.libraries[0].notes, "for CUDA 12.8; 0 sub-libraries loaded");
  EXPECT_EQ(found.libraries[1].path, real(nvidia / "cublas/lib/libcublasLt.so.12"));
  EXPECT_EQ(found.libraries[2].path, real(nvidia / "cuda_nvrtc/lib/libnvrtc.so.12"));
}

TEST(CudnnLoader, WithoutCublasLtCudnnIsUnusableAndEveryPlaceTriedIsNamed) {
  TempFolder temp;
  const fs::path system = temp / "usr/lib";
  place("fake_cudnn_13000", system / "libcudnn.so.9");

  const cudnn::Libraries found = cudnn::load(only({system.string()}, {(temp / "venv").string()}));
  EXPECT_EQ(found.libraries[0].problem, "");
  const std::string& reason = found.unavailable;
  EXPECT_TRUE(contains(reason, "cuDNN 9.19.0 (" + real(system / "libcudnn.so.9") + ") needs cuBLASLt: "
                                   "libcublasLt.so.13 was not found, so cuDNN's convolutions cannot run"))
      << reason;
  // Beside cuDNN, pip's folders beside its own, and the system folder (listed once).
  EXPECT_TRUE(contains(reason, "not in: " + system.string() + ", " + system.string() + "/../../cu13/lib, " +
                                   system.string() + "/../../cublas/lib"))
      << reason;
  EXPECT_TRUE(contains(reason, "no nvidia/cu13/lib or nvidia/cublas/lib in the Python environments " +
                                   (temp / "venv").string()))
      << reason;
  EXPECT_EQ(found.libraries[1].problem, reason.substr(reason.find("libcublasLt.so.13")));
  EXPECT_TRUE(contains(found.libraries[2].problem,
                       "libnvrtc.so.13 was not found, so cuDNN's runtime-compiled engines are unavailable"))
      << found.libraries[2].problem;
}

TEST(CudnnLoader, SubLibrariesAreLoadedInPassesAndThoseThatFailAreNamed) {
  TempFolder temp;
  const fs::path lib = temp / "cudnn/lib";
  place("fake_cudnn_13000", lib / "libcudnn.so.9");
  place("fake_cublaslt", lib / "libcublasLt.so.13");
  // libcudnn_a needs libcudnn_z (by its soname), which sorts after it: a second pass loads it.
  place("fake_needing", lib / "libcudnn_a_needs_z.so.9");
  place("fake_needed", lib / "libcudnn_z.so.9");
  std::ofstream(lib / "libcudnn_broken.so.9") << "not a shared library";

  const cudnn::Libraries found = cudnn::load(only({lib.string()}));
  EXPECT_EQ(found.unavailable, "");
  const std::string& notes = found.libraries[0].notes;
  EXPECT_TRUE(contains(notes, "; 2 sub-libraries loaded\nnot loaded: libcudnn_broken.so.9: ")) << notes;
}

TEST(CudnnLoader, AnExplicitFileOrFolderIsTheOnlyPlaceCudnnIsTakenFrom) {
  TempFolder temp;
  // A folder whose name looks like a library's, and a file whose name does not.
  const fs::path folder = temp / "libraries.so.d";
  place("fake_cudnn_13000", folder / "libcudnn.so.9");
  place("fake_cudnn_13000", temp / "cudnn-9.19");
  place("fake_cublaslt", folder / "libcublasLt.so.13");
  place("fake_cudnn_13000", temp / ("venv/" + kSitePackages + "/nvidia/cudnn/lib/libcudnn.so.9"));
  gpu::SearchPlaces places = only({folder.string()}, {(temp / "venv").string()});

  places.explicit_path = folder.string();
  EXPECT_EQ(cudnn::load(places).libraries[0].path, real(folder / "libcudnn.so.9"));
  places.explicit_path = (temp / "cudnn-9.19").string();
  EXPECT_EQ(cudnn::load(places).libraries[0].path, real(temp / "cudnn-9.19"));

  places.explicit_path = (temp / "missing").string();
  const cudnn::Libraries missing = cudnn::load(places);
  EXPECT_EQ(missing.libraries[0].path, "") << "cuDNN was taken from elsewhere";
  EXPECT_TRUE(contains(missing.unavailable, "GHOSTNET_CUDNN_PATH) names " + places.explicit_path +
                                                ", which does not exist"))
      << missing.unavailable;
}

TEST(CudnnLoader, ALibraryThatIsNotCudnnIsPassedOverSayingWhy) {
  TempFolder temp;
  place("fake_library", temp / "first/libcudnn.so.9");
  place("fake_cudnn_13000", temp / "second/libcudnn.so.9");
  place("fake_cublaslt", temp / "second/libcublasLt.so.13");

  EXPECT_EQ(cudnn::load(only({(temp / "first").string(), (temp / "second").string()})).unavailable, "");
  const cudnn::Libraries none = cudnn::load(only({(temp / "first").string()}));
  EXPECT_TRUE(contains(none.unavailable, "found " + real(temp / "first/libcudnn.so.9") +
                                             ", but it lacks the function cudnnGetVersion"))
      << none.unavailable;
}

// The environments looked in, from a given environment.
std::vector<std::string> prefixes(const std::map<std::string, std::string>& environment) {
  return gpu::python_prefixes([&](const char* name) -> const char* {
    const auto it = environment.find(name);
    return it == environment.end() ? nullptr : it->second.c_str();
  });
}

bool has(const std::vector<std::string>& list, const fs::path& item) {
  return std::find(list.begin(), list.end(), item.string()) != list.end();
}

TEST(PythonEnvironments, AnActiveOneComesFirst) {
  const std::vector<std::string> found = prefixes({{"VIRTUAL_ENV", "/work/env"}, {"PATH", "/usr/bin"}});
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0], "/work/env");
  EXPECT_TRUE(has(found, "/usr"));
}

TEST(PythonEnvironments, OneNobodyActivatedIsFoundThroughAPythonOnPathThatLinksIntoIt) {
  TempFolder temp;
  fs::create_directories(temp / "bin");
  fs::create_directories(temp / "opt/torch/.venv/bin");
  fs::create_symlink("/usr/bin/python3", temp / "opt/torch/.venv/bin/python3");
  fs::create_symlink(temp / "opt/torch/.venv/bin/python3", temp / "bin/python3");
  const std::vector<std::string> found = prefixes({{"PATH", (temp / "bin").string()}});
  EXPECT_TRUE(has(found, temp / "opt/torch/.venv"));
  EXPECT_TRUE(has(found, "/usr")) << "where the last link leads";
}

TEST(PythonEnvironments, OnesNobodyActivatedAreFoundWhereTheyUsuallyAre) {
  TempFolder temp;
  fs::create_directories(temp / "home/.virtualenvs/torch");
  const std::vector<std::string> found =
      prefixes({{"HOME", (temp / "home").string()}, {"PWD", (temp / "project").string()}});
  EXPECT_TRUE(has(found, temp / "home/.venv"));
  EXPECT_TRUE(has(found, temp / "home/.virtualenvs/torch"));
  EXPECT_TRUE(has(found, temp / "project/.venv"));
}

TEST(PythonEnvironments, CudnnInOneIsACandidate) {
  TempFolder temp;
  const fs::path lib = temp / ("opt/torch/.venv/" + kSitePackages + "/nvidia/cudnn/lib");
  place("fake_cudnn_13000", lib / "libcudnn.so.9");
  const std::vector<gpu::Candidate> candidates = gpu::candidates(
      {"cuDNN", "libcudnn.so.9", {"nvidia/cudnn/lib"}}, only({}, {(temp / "opt/torch/.venv").string()}), {});
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].path, (lib / "libcudnn.so.9").string());
}

}  // namespace
}  // namespace ghostnet
