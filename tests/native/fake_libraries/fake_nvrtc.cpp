// A stand-in for libnvrtc.so.N, for the loader's tests: NVRTC 13.0.
extern "C" __attribute__((visibility("default"))) int nvrtcVersion(int* major, int* minor) {
  *major = 13;
  *minor = 0;
  return 0;
}
