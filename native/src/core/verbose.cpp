#include "core/verbose.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ghostnet {
namespace {

std::atomic<bool>& verbose_flag() {
  static std::atomic<bool> flag{[] {
    const char* setting = std::getenv("GHOSTNET_VERBOSE");
    return setting != nullptr && *setting != '\0' && std::strcmp(setting, "0") != 0;
  }()};
  return flag;
}

}  // namespace

void set_verbose(bool on) { verbose_flag() = on; }
bool verbose() { return verbose_flag(); }

void note(const std::string& text) {
  if (verbose()) std::fprintf(stderr, "ghostnet: %s\n", text.c_str());
}

}  // namespace ghostnet
