// A shared library that is none of cuDNN's, for the loader's tests: a sub-library to preload,
// a library that lacks cuDNN's functions, or (built with FAKE_NEEDED or FAKE_NEEDING) one of a
// pair where one needs the other.
#if defined(FAKE_NEEDED)
extern "C" __attribute__((visibility("default"))) int ghostnet_fake_needed() { return 2; }
#endif

#if defined(FAKE_NEEDING)
extern "C" int ghostnet_fake_needed();
extern "C" __attribute__((visibility("default"))) int ghostnet_fake_library() { return ghostnet_fake_needed(); }
#else
extern "C" __attribute__((visibility("default"))) int ghostnet_fake_library() { return 1; }
#endif
