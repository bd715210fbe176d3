// Finding the shared libraries a GPU needs at run time (cuDNN, and the CUDA libraries cuDNN
// opens by name) where their installers put them: system packages, CUDA toolkits, the
// NVIDIA packages pip installs into Python environments, and folders the caller names.
// cuda/cudnn_loader.cpp decides what to look for and in which order; this file knows the
// places and how to open a library.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ghostnet::gpu {

// The places this process offers, in the order they are searched.
struct SearchPlaces {
  std::string explicit_path;                  // a file or a folder; when set, cuDNN comes from there or not at all
  bool dynamic_linker = true;                 // the bare file name, as LD_LIBRARY_PATH and ldconfig resolve it
  std::vector<std::string> system_dirs;       // system packages and CUDA toolkits
  std::vector<std::string> python_prefixes;   // Python environments, whose site-packages may hold nvidia/*
  std::vector<std::string> extra_dirs;        // folders callers added (JavaCPP's cache)
};

using Getenv = std::function<const char*(const char*)>;

// The places of this process: its environment, the usual folders, and what callers set.
// An empty `explicit_path` takes GHOSTNET_CUDNN_PATH's.
SearchPlaces search_places(const std::string& explicit_path, const std::vector<std::string>& extra_dirs,
                           const Getenv& getenv);

// The Python environments to search, first the active ones (VIRTUAL_ENV, CONDA_PREFIX),
// then each whose python is on PATH, also through symbolic links (a python3 on PATH may
// link into a virtual environment), then where environments nobody activated usually are.
std::vector<std::string> python_prefixes(const Getenv& getenv);

// One library to find: its file name and the folders pip's packages put it in, under
// site-packages.
struct LibrarySpec {
  std::string name;  // "cuDNN"
  std::string file;  // "libcudnn.so.9"
  std::vector<std::string> pip_folders;
};

// A place to try: a file path, or the bare file name for the dynamic linker; or, with no
// path, only a line for the report.
struct Candidate {
  std::string label;  // for the report: the folder, or what found it
  std::string path;
};

// Every place to try for `spec`, in order: `first_dirs`, the dynamic linker, the system
// folders, the Python environments, the extra folders. Duplicates are dropped; the Python
// environments without the library's folders are named in one line.
std::vector<Candidate> candidates(const LibrarySpec& spec, const SearchPlaces& places,
                                  const std::vector<std::string>& first_dirs);

// A library found and opened, or why none was: every place looked at.
struct Found {
  void* handle = nullptr;
  std::string path;  // as the dynamic linker loaded it
  std::string log;   // one line per place looked at, when none was accepted
};

// Opens the candidates in order until `check(handle)` accepts one (returns ""); a
// candidate whose file does not exist is only listed.
Found find_library(const std::vector<Candidate>& candidates, const std::function<std::string(void*)>& check);

enum class PathKind { Missing, File, Folder };
PathKind path_kind(const std::string& path);
std::string folder_of(const std::string& path);

// Opens every file of `folder` that matches `pattern`, in passes until a pass opens no more
// (a library may need one that sorts after it). Returns "name: error" for each left unopened.
struct Preloaded {
  int opened = 0;
  std::vector<std::string> failures;
};
Preloaded preload(const std::string& folder, const std::string& pattern);

}  // namespace ghostnet::gpu
