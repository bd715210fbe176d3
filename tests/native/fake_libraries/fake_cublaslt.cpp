// A stand-in for libcublasLt.so.N, for the loader's tests: cuBLASLt 13.1.0.
#include <cstddef>

extern "C" __attribute__((visibility("default"))) std::size_t cublasLtGetVersion() { return 130100; }
