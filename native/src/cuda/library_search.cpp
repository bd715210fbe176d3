#include "cuda/library_search.h"

#include <dlfcn.h>
#include <glob.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/shared_library.h"

namespace ghostnet::gpu {
namespace {

std::vector<std::string> glob_paths(const std::string& pattern) {
  std::vector<std::string> paths;
  glob_t matches{};
  if (glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  return paths;
}

std::string env_or_empty(const Getenv& getenv, const char* name) {
  const char* value = getenv(name);
  return value != nullptr ? value : "";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(separator, begin), text.size());
    if (end > begin) parts.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The environment a bin folder belongs to ("/opt/env/bin" -> "/opt/env"), or "".
std::string prefix_of_bin(const std::string& bin) {
  return ends_with(bin, "/bin") ? bin.substr(0, bin.size() - 4) : "";
}

// The environments a python on PATH leads to, following its symbolic links one at a time:
// /usr/local/bin/python3 -> /opt/venv/bin/python3 -> /usr/bin/python3.12 gives /opt/venv
// and /usr (the first, /usr/local, comes from PATH itself).
void add_python_link_targets(const std::string& bin, std::vector<std::string>& prefixes) {
  for (const char* name : {"python3", "python"}) {
    std::string path = bin + "/" + name;
    for (int hop = 0; hop < 8; ++hop) {
      char target[PATH_MAX];
      const ssize_t length = readlink(path.c_str(), target, sizeof target - 1);
      if (length <= 0) break;
      target[length] = '\0';
      path = target[0] == '/' ? std::string(target) : folder_of(path) + "/" + target;
      const std::string prefix = prefix_of_bin(folder_of(path));
      if (!prefix.empty()) prefixes.push_back(prefix);
    }
  }
}

}  // namespace

std::vector<std::string> python_prefixes(const Getenv& getenv) {
  std::vector<std::string> prefixes;
  for (const char* active : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    const std::string value = env_or_empty(getenv, active);
    if (!value.empty()) prefixes.push_back(value);
  }
  for (const std::string& bin : split(env_or_empty(getenv, "PATH"), ':')) {
    const std::string prefix = prefix_of_bin(bin);
    if (!prefix.empty()) prefixes.push_back(prefix);
    add_python_link_targets(bin, prefixes);
  }
  // Environments nobody activated: where virtualenv, conda and pyenv usually make them.
  std::vector<std::string> usual = {"/usr/local", "/usr", "/opt/conda"};
  const std::string home = env_or_empty(getenv, "HOME");
  if (!home.empty()) {
    for (const char* place : {"/.local", "/.venv", "/venv", "/miniconda3", "/anaconda3", "/miniforge3"}) {
      usual.push_back(home + place);
    }
  }
  const std::string cwd = env_or_empty(getenv, "PWD");
  if (!cwd.empty()) {
    usual.push_back(cwd + "/.venv");
    usual.push_back(cwd + "/venv");
  }
  prefixes.insert(prefixes.end(), usual.begin(), usual.end());
  std::vector<std::string> patterns = {"/opt/*/.venv", "/opt/*/venv", "/opt/conda/envs/*"};
  if (!home.empty()) {
    for (const char* place : {"/.virtualenvs/*", "/.pyenv/versions/*", "/miniconda3/envs/*", "/anaconda3/envs/*",
                              "/miniforge3/envs/*"}) {
      patterns.push_back(home + place);
    }
  }
  for (const std::string& pattern : patterns) {
    for (const std::string& prefix : glob_paths(pattern)) prefixes.push_back(prefix);
  }
  return prefixes;
}

SearchPlaces search_places(const std::string& explicit_path, const std::vector<std::string>& extra_dirs,
                           const Getenv& getenv) {
  SearchPlaces places;
  places.explicit_path = !explicit_path.empty() ? explicit_path : env_or_empty(getenv, "GHOSTNET_CUDNN_PATH");
  places.system_dirs = {"/usr/lib/x86_64-linux-gnu", "/usr/lib64"};
  for (const char* toolkit : {"CUDA_HOME", "CUDA_PATH"}) {
    const std::string root = env_or_empty(getenv, toolkit);
    if (!root.empty()) places.system_dirs.push_back(root + "/lib64");
  }
  places.system_dirs.push_back("/usr/local/cuda/lib64");
  for (const std::string& dir : glob_paths("/usr/local/cuda-*/lib64")) places.system_dirs.push_back(dir);
  places.python_prefixes = python_prefixes(getenv);
  places.extra_dirs = extra_dirs;
  return places;
}

std::vector<Candidate> candidates(const LibrarySpec& spec, const SearchPlaces& places,
                                  const std::vector<std::string>& first_dirs) {
  std::vector<Candidate> result;
  std::set<std::string> seen;
  auto add_dir = [&](const std::string& dir) {
    if (seen.insert(canonical(dir)).second) result.push_back({dir, dir + "/" + spec.file});
  };
  for (const std::string& dir : first_dirs) add_dir(dir);
  if (places.dynamic_linker) result.push_back({"the dynamic linker (LD_LIBRARY_PATH, ldconfig)", spec.file});
  for (const std::string& dir : places.system_dirs) add_dir(dir);
  std::string without;
  for (const std::string& prefix : places.python_prefixes) {
    bool has_folder = false;
    for (const std::string& folder : spec.pip_folders) {
      for (const char* packages : {"site-packages", "dist-packages"}) {
        for (const std::string& dir : glob_paths(prefix + "/lib/python3*/" + packages + "/" + folder)) {
          add_dir(dir);
          has_folder = true;
        }
      }
    }
    if (!has_folder && seen.insert("python:" + prefix).second) without += (without.empty() ? "" : ", ") + prefix;
  }
  if (!without.empty()) {
    std::string folders;
    for (const std::string& folder : spec.pip_folders) folders += (folders.empty() ? "" : " or ") + folder;
    result.push_back({"no " + folders + " in the Python environments " + without, ""});
  }
  for (const std::string& dir : places.extra_dirs) add_dir(dir);
  return result;
}

Found find_library(const std::vector<Candidate>& candidates, const std::function<std::string(void*)>& check) {
  Found found;
  std::string absent;
  for (const Candidate& candidate : candidates) {
    if (candidate.path.empty()) {
      found.log += "\n  " + candidate.label;
      continue;
    }
    const bool bare_name = candidate.path.find('/') == std::string::npos;
    if (!bare_name && path_kind(candidate.path) == PathKind::Missing) {
      absent += (absent.empty() ? "" : ", ") + candidate.label;
      continue;
    }
    std::string error;
    void* handle = open_library(candidate.path, error);
    if (handle == nullptr) {
      found.log += "\n  " + candidate.label + ": " + error;
      continue;
    }
    const std::string problem = check(handle);
    if (problem.empty()) {
      found.handle = handle;
      found.path = path_of(handle);
      found.log.clear();
      return found;
    }
    found.log += "\n  " + candidate.label + ": found " + path_of(handle) + ", but " + problem;
    dlclose(handle);
  }
  if (!absent.empty()) found.log += "\n  not in: " + absent;
  return found;
}

PathKind path_kind(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return PathKind::Missing;
  return S_ISDIR(info.st_mode) ? PathKind::Folder : PathKind::File;
}

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

Preloaded preload(const std::string& folder, const std::string& pattern) {
  std::vector<std::string> pending = glob_paths(folder + "/" + pattern);
  Preloaded result;
  while (!pending.empty()) {
    std::vector<std::string> left, errors;
    for (const std::string& path : pending) {
      std::string error;
      if (open_library(path, error) != nullptr) {
        ++result.opened;
      } else {
        left.push_back(path);
        errors.push_back(path.substr(folder.size() + 1) + ": " + error);
      }
    }
    if (left.size() == pending.size()) {
      result.failures = errors;
      break;
    }
    pending = left;
  }
  return result;
}

}  // namespace ghostnet::gpu
