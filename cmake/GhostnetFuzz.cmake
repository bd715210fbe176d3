# libFuzzer targets for the parsers of outside bytes (tests/fuzz): safetensors, the PyTorch
# zip and legacy formats with their restricted unpickler, .npy, and JPEG decoding.
#
# A host-only clang build, separate from the normal one; tests/fuzz/run.sh configures it:
#   cmake -S . -B target/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
#         -DGHOSTNET_CUDA=OFF -DGHOSTNET_BUILD_TESTS=OFF -DGHOSTNET_FUZZ=ON
#   cmake --build target/fuzz --target ghostnet_fuzz
# Each target links only the parsers' sources, instrumented for coverage and built with
# AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer comes with ASan).
option(GHOSTNET_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(GHOSTNET_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "GHOSTNET_FUZZ=ON needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++, "
                        "found ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER}")
  endif()
  if(GHOSTNET_SANITIZE)
    message(FATAL_ERROR "GHOSTNET_FUZZ=ON brings its own sanitizers: leave GHOSTNET_SANITIZE off in this build")
  endif()

  set(GHOSTNET_FUZZ_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1)

  # The parsers, the JPEG decoder and what they call: nothing of the graph, the executors or
  # the C API.
  file(GLOB GHOSTNET_FUZZ_PARSER_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/native/src/checkpoint/*.cpp)
  add_library(ghostnet_fuzz_parsers STATIC ${GHOSTNET_FUZZ_PARSER_SOURCES}
              ${CMAKE_CURRENT_SOURCE_DIR}/native/src/core/dtype.cpp
              ${CMAKE_CURRENT_SOURCE_DIR}/native/src/core/shared_library.cpp
              ${CMAKE_CURRENT_SOURCE_DIR}/native/src/image/jpeg_decoder.cpp)
  target_link_libraries(ghostnet_fuzz_parsers PUBLIC ${CMAKE_DL_LIBS})
  target_include_directories(ghostnet_fuzz_parsers
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/native/include ${CMAKE_CURRENT_SOURCE_DIR}/native/src)
  target_compile_options(ghostnet_fuzz_parsers PRIVATE ${GHOSTNET_FUZZ_FLAGS} -fsanitize=fuzzer-no-link)

  add_custom_target(ghostnet_fuzz)
  file(GLOB GHOSTNET_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/fuzz_*.cpp)
  foreach(source ${GHOSTNET_FUZZ_TARGETS})
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE ghostnet_fuzz_parsers)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/native)  # test_zip.h
    target_compile_options(${name} PRIVATE ${GHOSTNET_FUZZ_FLAGS} -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    add_dependencies(ghostnet_fuzz ${name})
  endforeach()
endif()
