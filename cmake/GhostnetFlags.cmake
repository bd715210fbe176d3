# Compiler flags shared by every ghostnet target.

set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
# Only what is marked GHOSTNET_API leaves libghostnet.
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_CUDA_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# -fopenmp-simd honours the GN_CHANNEL_LOOP vectorisation hints without the OpenMP runtime.
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wall> $<$<COMPILE_LANGUAGE:CXX>:-Wextra> $<$<COMPILE_LANGUAGE:CXX>:-fopenmp-simd>)
# A switch over an enum that leaves a value out fails the build: each activation (ops/activation.h)
# and op kind must be handled wherever one is chosen. nvcc passes it to the host compiler too.
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Werror=switch> $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Werror=switch>)
# The host kernels' vector helpers return AVX and AVX-512 vectors; they are always inlined
# into functions compiled for those instruction sets, so no call passes a vector by ABI.
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wno-psabi>)

# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with ASan).
option(GHOSTNET_SANITIZE "Build with ASan and UBSan" OFF)
if(GHOSTNET_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=address,undefined)
endif()

# Shared libraries that travel inside the jar carry their own C++ runtime, so they load
# on any glibc Linux whatever libstdc++ it has, and export nothing of it.
function(ghostnet_portable_shared_library target)
  if(NOT GHOSTNET_SANITIZE)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--exclude-libs,ALL)
  endif()
  target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--as-needed)
  set_target_properties(${target} PROPERTIES BUILD_RPATH "$ORIGIN" INSTALL_RPATH "$ORIGIN")
endfunction()
