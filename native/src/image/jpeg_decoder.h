// JPEG decoding by the system's libjpeg-turbo, PIL's own decoder, through its TurboJPEG
// library found at run time (libturbojpeg.so.0, as the dynamic linker finds it). Where it is
// missing, callers decode another way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ghostnet::image {

// The TurboJPEG library's file, or "" when none could be used; then turbojpeg_problem() says why.
const std::string& turbojpeg_path();
const std::string& turbojpeg_problem();

// The width and height of the JPEG `data`'s frame, as libjpeg reads its header (0x0 for a
// header cut before its frame); errors raise ErrorCode::InvalidArgument with libjpeg's message.
struct JpegFrame {
  int width = 0;
  int height = 0;
};
JpegFrame jpeg_frame(const uint8_t* data, std::size_t size);

// Decodes the JPEG `data` of width x height pixels into `out` as PIL's Image.open(...).convert
// ("RGB") gets it from libjpeg-turbo: the ISLOW inverse DCT, fancy upsampling, libjpeg's colour
// conversion; channels 3 gives RGB, 1 gray (for a grayscale JPEG). Warnings (corrupt data in a
// complete file) are ignored, as PIL ignores them; errors raise ErrorCode::InvalidArgument with
// libjpeg's message. A frame of another size than width x height is refused.
void decode_jpeg(const uint8_t* data, std::size_t size, int width, int height, int channels, uint8_t* out);

}  // namespace ghostnet::image
