// The subset of libjpeg-turbo's TurboJPEG C API (turbojpeg.h, version 2.0 and later) that
// ghostnet uses, declared here so the library builds without it and loads it with dlopen at
// run time: libturbojpeg.so.0 has this one ABI wherever it is installed, while the libjpeg
// API it shares its decoder with comes as libjpeg.so.62 on some systems and libjpeg.so.8 on
// others.
#pragma once

namespace ghostnet::turbojpeg {

using Handle = void*;

enum PixelFormat : int { Rgb = 0, Gray = 6 };
enum Colorspace : int { ColorspaceRgb = 0, ColorspaceYCbCr = 1, ColorspaceGray = 2, ColorspaceCmyk = 3,
                        ColorspaceYcck = 4 };
enum Flag : int { AccurateDct = 4096 };  // TJFLAG_ACCURATEDCT: the ISLOW inverse DCT, PIL's
enum ErrorCode : int { Warning = 0, Fatal = 1 };

using InitDecompress = Handle (*)();
using DecompressHeader3 = int (*)(Handle, const unsigned char* jpeg, unsigned long size, int* width, int* height,
                                  int* subsampling, int* colorspace);
using Decompress2 = int (*)(Handle, const unsigned char* jpeg, unsigned long size, unsigned char* out, int width,
                            int pitch, int height, int pixel_format, int flags);
using Destroy = int (*)(Handle);
using GetErrorStr2 = char* (*)(Handle);
using GetErrorCode = int (*)(Handle);

}  // namespace ghostnet::turbojpeg
