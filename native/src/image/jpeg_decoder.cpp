#include "image/jpeg_decoder.h"

#include <dlfcn.h>

#include "core/shared_library.h"
#include "ghostnet/error.h"
#include "image/turbojpeg_api.h"

namespace ghostnet::image {
namespace {

namespace tj = turbojpeg;

struct Library {
  std::string path;
  std::string problem;
  tj::InitDecompress init = nullptr;
  tj::DecompressHeader3 header = nullptr;
  tj::Decompress2 decompress = nullptr;
  tj::Destroy destroy = nullptr;
  tj::GetErrorStr2 error_text = nullptr;
  tj::GetErrorCode error_code = nullptr;
};

template <typename F>
bool bind(void* handle, const char* name, F& f) {
  f = reinterpret_cast<F>(dlsym(handle, name));
  return f != nullptr;
}

Library load_library() {
  Library lib;
  constexpr const char* kFile = "libturbojpeg.so.0";
  void* handle = open_library(kFile, lib.problem);
  if (handle == nullptr) return lib;
  // tjGetErrorStr2 and tjGetErrorCode came with libjpeg-turbo 2.0.
  if (!bind(handle, "tjInitDecompress", lib.init) || !bind(handle, "tjDecompressHeader3", lib.header) ||
      !bind(handle, "tjDecompress2", lib.decompress) || !bind(handle, "tjDestroy", lib.destroy) ||
      !bind(handle, "tjGetErrorStr2", lib.error_text) || !bind(handle, "tjGetErrorCode", lib.error_code)) {
    lib.problem = std::string(kFile) + " is older than libjpeg-turbo 2.0 (it lacks tjGetErrorCode)";
    dlclose(handle);
    return lib;
  }
  lib.path = path_of(handle);
  if (lib.path.empty()) lib.path = kFile;
  return lib;  // kept open for the life of the process
}

const Library& library() {
  static const Library lib = load_library();
  return lib;
}

// A decompressor per thread, made on its first JPEG and destroyed when the thread ends, or
// after an error: libjpeg leaves a decompressor that failed mid-header in a state from which
// the next header is misread.
class ThreadDecompressor {
 public:
  ~ThreadDecompressor() { reset(); }
  tj::Handle get() {
    if (handle_ == nullptr) handle_ = library().init();
    if (handle_ == nullptr) fail(ErrorCode::OutOfMemory, "libjpeg-turbo could not make a decompressor");
    return handle_;
  }
  [[noreturn]] void fail_with(const std::string& what) {
    const std::string message = what + ": " + library().error_text(handle_);
    reset();
    fail(ErrorCode::InvalidArgument, message);
  }
  void reset() {
    if (handle_ != nullptr) library().destroy(handle_);
    handle_ = nullptr;
  }

 private:
  tj::Handle handle_ = nullptr;
};

const Library& usable_library() {
  const Library& lib = library();
  if (lib.path.empty()) fail(ErrorCode::DeviceUnavailable, "no TurboJPEG library: " + lib.problem);
  return lib;
}

thread_local ThreadDecompressor t_decompressor;

JpegFrame read_frame(const Library& lib, const uint8_t* data, std::size_t size) {
  if (data == nullptr) fail(ErrorCode::InvalidArgument, "the JPEG is null");
  JpegFrame frame;
  int subsampling = 0, colorspace = 0;
  if (lib.header(t_decompressor.get(), data, size, &frame.width, &frame.height, &subsampling, &colorspace) != 0) {
    t_decompressor.fail_with("the JPEG's header could not be read");
  }
  return frame;
}

}  // namespace

const std::string& turbojpeg_path() { return library().path; }
const std::string& turbojpeg_problem() { return library().problem; }

JpegFrame jpeg_frame(const uint8_t* data, std::size_t size) { return read_frame(usable_library(), data, size); }

void decode_jpeg(const uint8_t* data, std::size_t size, int width, int height, int channels, uint8_t* out) {
  const Library& lib = usable_library();
  if (out == nullptr) fail(ErrorCode::InvalidArgument, "the output is null");
  if (channels != 1 && channels != 3) {
    fail(ErrorCode::InvalidArgument, "channels must be 1 or 3, found " + std::to_string(channels));
  }
  const JpegFrame frame = read_frame(lib, data, size);
  if (frame.width != width || frame.height != height) {
    t_decompressor.reset();
    fail(ErrorCode::InvalidArgument, "the JPEG's frame is " + std::to_string(frame.width) + "x" +
                                         std::to_string(frame.height) + ", not the " + std::to_string(width) + "x" +
                                         std::to_string(height) + " asked for");
  }
  const int format = channels == 3 ? tj::Rgb : tj::Gray;
  const tj::Handle handle = t_decompressor.get();
  if (lib.decompress(handle, data, size, out, width, width * channels, height, format, tj::AccurateDct) != 0 &&
      lib.error_code(handle) != tj::Warning) {
    t_decompressor.fail_with("the JPEG could not be decoded");
  }
}

}  // namespace ghostnet::image
