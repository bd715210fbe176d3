// libFuzzer target: JPEG decoding through the system's libjpeg-turbo, as ImagePreprocessor
// calls it: the frame read from the header, then the whole image decoded, in RGB or gray as the
// input's last byte chooses. libjpeg-turbo itself is not instrumented: what this finds is a
// crash, a hang, a leak or an exception other than ghostnet::Error in or through the wrapper.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ghostnet/error.h"
#include "image/jpeg_decoder.h"

namespace {

// Frames above this are skipped, as ImageDecoder refuses images over its pixel limit: a few
// megapixels keep each input fast.
constexpr int64_t kMaxPixels = int64_t(1) << 22;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (ghostnet::image::turbojpeg_path().empty()) {
    std::fprintf(stderr, "fuzz_jpeg: no libjpeg-turbo to fuzz (%s): install libturbojpeg0\n",
                 ghostnet::image::turbojpeg_problem().c_str());
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int channels = data[size - 1] & 1 ? 1 : 3;
  try {
    const ghostnet::image::JpegFrame frame = ghostnet::image::jpeg_frame(data, size);
    if (frame.width < 1 || frame.height < 1 || int64_t(frame.width) * frame.height > kMaxPixels) return 0;
    std::vector<uint8_t> out(std::size_t(frame.width) * frame.height * channels);
    ghostnet::image::decode_jpeg(data, size, frame.width, frame.height, channels, out.data());
  } catch (const ghostnet::Error&) {
  }
  return 0;
}
