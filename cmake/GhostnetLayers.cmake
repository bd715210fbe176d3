# Includes point only down. Run as a script, as ctest does (tests/native/CMakeLists.txt):
#   cmake -DROOT=<repository> -P cmake/GhostnetLayers.cmake
# It reads every `#include "..."` under ROOT/native/src and ROOT/native/include, and fails
# listing each include that points up, or sideways to a peer.

# The layers, from the bottom up. Each holds folders of native/src and public headers of
# native/include; folders on one layer are peers and may not include each other. A file
# may include anything of its own folder, the public headers of its own layer, and
# anything of a lower layer.
set(GHOSTNET_LAYERS
  # tensors, devices, dtypes, errors, text for messages; the seam to the GPU runtime
  "core ghostnet/export.h ghostnet/c_api.h ghostnet/error.h ghostnet/dtype.h ghostnet/device.h ghostnet/tensor.h"
  # weight files; image files; the host's threads and instruction sets; the CUDA runtime and cuDNN
  "checkpoint image host cuda ghostnet/checkpoint.h ghostnet/npy.h"
  # op kinds: reference functors, their rules, and the fast paths beside them
  "ops"
  # GhostNet as a graph of ops: architecture, building, channel padding, memory plans
  "graph"
  # Model and ExecutionContext, and the Backend interface they run on
  "runtime ghostnet/model.h"
  # the host and CUDA executors (no_cuda: what a host-only build has instead)
  "executors no_cuda"
  # the C API
  "api")

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<repository> -P GhostnetLayers.cmake")
endif()

# Sets `out` to the layer index of `path` (relative to native/src or native/include), and
# `unit_out` to its folder; the index is -1 when no layer holds it.
function(ghostnet_layer_of path out unit_out)
  string(REGEX REPLACE "/.*" "" folder "${path}")
  set(index 0)
  foreach(layer IN LISTS GHOSTNET_LAYERS)
    string(REPLACE " " ";" members "${layer}")
    foreach(member IN LISTS members)
      if(member STREQUAL path OR member STREQUAL folder)
        set(${out} ${index} PARENT_SCOPE)
        set(${unit_out} ${folder} PARENT_SCOPE)
        return()
      endif()
    endforeach()
    math(EXPR index "${index} + 1")
  endforeach()
  set(${out} -1 PARENT_SCOPE)
  set(${unit_out} ${folder} PARENT_SCOPE)
endfunction()

set(problems "")
foreach(base native/src native/include)
  file(GLOB_RECURSE files RELATIVE ${ROOT}/${base} ${ROOT}/${base}/*.h ${ROOT}/${base}/*.cpp
       ${ROOT}/${base}/*.cu ${ROOT}/${base}/*.cuh)
  foreach(file IN LISTS files)
    ghostnet_layer_of(${file} layer unit)
    if(layer EQUAL -1)
      string(APPEND problems "\n  ${base}/${file} is on no layer: add its folder to GHOSTNET_LAYERS")
      continue()
    endif()
    file(STRINGS ${ROOT}/${base}/${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" included "${line}")
      ghostnet_layer_of(${included} included_layer included_unit)
      if(included_layer EQUAL -1)
        continue()  # not ghostnet's: the compiler finds it, or says so
      endif()
      # Public headers (ghostnet/) are the face of their layers: to them the layers apply
      # even within their folder, and a layer's own may be included by its peers.
      set(own_folder FALSE)
      if(included_unit STREQUAL unit AND NOT unit STREQUAL "ghostnet")
        set(own_folder TRUE)
      endif()
      if(own_folder)
        continue()
      elseif(included_layer GREATER layer)
        string(APPEND problems "\n  ${base}/${file} includes ${included}, a layer above it")
      elseif(included_layer EQUAL layer AND NOT included_unit STREQUAL unit AND NOT included_unit STREQUAL "ghostnet")
        string(APPEND problems "\n  ${base}/${file} includes ${included}, a peer on its own layer")
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "Includes that do not point down (layers in cmake/GhostnetLayers.cmake):${problems}")
endif()
