// Writes the forward cases' models (fixtures.h: generated weights with their committed rest) as
// safetensors files, for what runs them from files: the Java tests, the portability smoke test,
// the GPU check's Java steps.
//
//   ghostnet_fixture_weights OUT_DIR     # OUT_DIR/<model>.safetensors for each model of the manifest
//
// GHOSTNET_FIXTURES chooses the fixtures folder, as for the native tests.
#include <cstdio>
#include <exception>
#include <filesystem>

#include "../fixtures.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  try {
    std::filesystem::create_directories(argv[1]);
    for (const ghostnet::testing::FixtureModel& m : ghostnet::testing::fixture_models()) {
      const std::string path = std::string(argv[1]) + "/" + m.name + ".safetensors";
      ghostnet::write_safetensors(path, ghostnet::testing::fixture_weights(m));
      std::printf("%s\n", path.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ghostnet_fixture_weights: %s\n", e.what());
    return 1;
  }
  return 0;
}
