// libFuzzer target: the restricted unpickler and tensor materialisation reached through the
// PyTorch zip format, past the CRC-32 that stops most mutations of a whole archive.
//
// The input is data.pkl, then each storage ("0", "1", ... as torch names them) after the
// marker FE 'S' 'T' FE. The target wraps them into a torch.save-shaped zip archive
// (archive/data.pkl, archive/data/<key>, archive/byteorder) with correct CRCs and sizes,
// then parses it like any checkpoint. tests/fuzz/make_seeds.py writes seeds in this form.
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "test_zip.h"  // tests/native: the zip writer the limits tests use too

namespace {

const char kMarker[] = "\xfeST\xfe";
constexpr std::size_t kMarkerSize = 4;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Zip fields are 16 and 32 bits wide; larger inputs are not worth wrapping.
  if (size > (1u << 20)) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (std::size_t begin = 0;;) {
    const std::size_t marker = input.find(kMarker, begin, kMarkerSize);
    parts.push_back(input.substr(begin, marker == std::string::npos ? std::string::npos : marker - begin));
    if (marker == std::string::npos || parts.size() > 1000) break;
    begin = marker + kMarkerSize;
  }
  std::vector<std::pair<std::string, std::string>> entries = {{"archive/data.pkl", parts[0]}};
  for (std::size_t i = 1; i < parts.size(); ++i) entries.push_back({"archive/data/" + std::to_string(i - 1), parts[i]});
  entries.push_back({"archive/byteorder", "little"});
  const std::string zip = ghostnet::testing::make_stored_zip(entries);
  ghostnet::fuzz::parse_checkpoint_bytes(reinterpret_cast<const uint8_t*>(zip.data()), zip.size());
  return 0;
}
