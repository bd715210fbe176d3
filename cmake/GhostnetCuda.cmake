# Decides whether the CUDA executor is compiled.
#
# CUDA code is built whenever nvcc is found, for every architecture from Turing (sm_75)
# to Hopper (sm_90) plus PTX, so newer GPUs JIT-compile it. Without nvcc the library is
# host-only, and says so. cuDNN is never needed to build: it is loaded at run time.
include(CheckLanguage)

option(GHOSTNET_CUDA "Compile the CUDA executor when nvcc is found" ON)
set(GHOSTNET_WITH_CUDA OFF)

if(GHOSTNET_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
endif()

if(GHOSTNET_CUDA AND CMAKE_CUDA_COMPILER)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 75-real 80-real 86-real 89-real 90)
  endif()
  # CUDA 13 builds for Turing (sm_75) and newer only; an older architecture would otherwise fail
  # in CMake's compiler check, far from saying why.
  execute_process(COMMAND ${CMAKE_CUDA_COMPILER} --version OUTPUT_VARIABLE _ghostnet_nvcc_version)
  if(_ghostnet_nvcc_version MATCHES "release ([0-9]+)\\." AND CMAKE_MATCH_1 GREATER_EQUAL 13)
    foreach(_ghostnet_arch IN LISTS CMAKE_CUDA_ARCHITECTURES)
      if(_ghostnet_arch MATCHES "^([0-9]+)" AND CMAKE_MATCH_1 LESS 75)
        message(FATAL_ERROR "CMAKE_CUDA_ARCHITECTURES names ${_ghostnet_arch}, but CUDA 13 builds for Turing (75) "
                            "and newer only: leave it unset (75 to 90, and PTX for newer GPUs) or name 75 or above")
      endif()
    endforeach()
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
  set(GHOSTNET_WITH_CUDA ON)
  message(STATUS "ghostnet: CUDA ${CMAKE_CUDA_COMPILER_VERSION} found at ${CMAKE_CUDA_COMPILER}: "
                 "building the CUDA executor for architectures ${CMAKE_CUDA_ARCHITECTURES}")
else()
  message(WARNING "ghostnet: nvcc was not found (or GHOSTNET_CUDA=OFF): building a HOST-ONLY library. "
                  "It runs on the CPU; asking it for a CUDA device raises DeviceUnavailable. "
                  "Install the CUDA toolkit or set CUDACXX to build the GPU path.")
endif()

# When a real cudnn.h is around (set GHOSTNET_CUDNN_INCLUDE_DIR, or a CUDA toolkit or pip
# install has one), the build checks cuda/cudnn_api.h against it.
if(GHOSTNET_WITH_CUDA)
  file(GLOB _ghostnet_pip_cudnn /usr/local/lib/python3*/dist-packages/nvidia/cudnn/include
                                /usr/lib/python3/dist-packages/nvidia/cudnn/include
                                $ENV{VIRTUAL_ENV}/lib/python3*/site-packages/nvidia/cudnn/include)
  find_path(GHOSTNET_CUDNN_INCLUDE_DIR cudnn.h
            HINTS ENV CUDNN_INCLUDE_DIR ${CUDAToolkit_INCLUDE_DIRS} ${_ghostnet_pip_cudnn}
            PATHS /usr/include /usr/local/cuda/include)
  if(GHOSTNET_CUDNN_INCLUDE_DIR)
    message(STATUS "ghostnet: checking cuda/cudnn_api.h against ${GHOSTNET_CUDNN_INCLUDE_DIR}/cudnn.h")
  else()
    message(STATUS "ghostnet: no cudnn.h found; cuda/cudnn_api.h is not checked in this build "
                   "(set GHOSTNET_CUDNN_INCLUDE_DIR to check it)")
  endif()
endif()
