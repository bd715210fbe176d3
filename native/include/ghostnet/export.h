// Symbol visibility: libghostnet is built with hidden visibility, so only what is
// marked GHOSTNET_API is part of its ABI.
#pragma once

#if defined(GHOSTNET_BUILDING_LIBRARY)
#define GHOSTNET_API __attribute__((visibility("default")))
#else
#define GHOSTNET_API
#endif
