// JPEG decoding through the C API, as the Java binding calls it: its errors, and its threads.
// That the pixels are PIL's is tested against PIL's own decoding, in the Java tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "ghostnet/c_api.h"

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), {}};
}

class JpegDecoder : public ::testing::Test {
 protected:
  void SetUp() override {
    if (*gn_jpeg_library_path() == '\0') GTEST_SKIP() << "no libjpeg-turbo: " << gn_jpeg_library_problem();
    gray_ = read_file(ghostnet::testing::fixture("images/samples/gray_256x256.jpg"));
    colour_ = read_file(ghostnet::testing::fixture("images/samples/rgb_500x375.jpg"));
  }
  int32_t decode(const std::vector<uint8_t>& jpeg, int width, int height, int channels, std::vector<uint8_t>& out) {
    out.assign(std::size_t(width) * height * channels, 0);
    return gn_jpeg_decode(jpeg.data(), int64_t(jpeg.size()), width, height, channels, out.data());
  }
  std::vector<uint8_t> gray_, colour_;
};

TEST(JpegDecoderArguments, NegativeSizesAreRefused) {
  uint8_t byte = 0;
  EXPECT_EQ(gn_jpeg_decode(&byte, -1, 1, 1, 3, &byte), GN_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gn_last_error()).find("found -1 bytes"), std::string::npos) << gn_last_error();
  EXPECT_EQ(gn_jpeg_decode(&byte, 1, 0, 1, 3, &byte), GN_INVALID_ARGUMENT);
}

TEST_F(JpegDecoder, DecodesGrayAndColour) {
  std::vector<uint8_t> out;
  ASSERT_EQ(decode(gray_, 256, 256, 1, out), GN_OK) << gn_last_error();
  ASSERT_EQ(decode(colour_, 500, 375, 3, out), GN_OK) << gn_last_error();
  // Not a flat image: the decoder wrote it.
  EXPECT_NE(std::count(out.begin(), out.end(), out[0]), std::ptrdiff_t(out.size()));
}

TEST_F(JpegDecoder, RefusesAnotherSizeAndOtherChannelCounts) {
  std::vector<uint8_t> out;
  EXPECT_EQ(decode(colour_, 501, 375, 3, out), GN_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gn_last_error()).find("frame is 500x375, not the 501x375"), std::string::npos)
      << gn_last_error();
  EXPECT_EQ(decode(colour_, 500, 375, 2, out), GN_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gn_last_error()).find("channels must be 1 or 3, found 2"), std::string::npos)
      << gn_last_error();
}

// libjpeg reads a header cut before its frame as one of 0x0 pixels, and says what is wrong
// with bytes it cannot read as a header.
TEST_F(JpegDecoder, RefusesCutAndCorruptHeaders) {
  std::vector<uint8_t> out;
  const std::vector<uint8_t> header_only(colour_.begin(), colour_.begin() + 100);
  EXPECT_EQ(decode(header_only, 500, 375, 3, out), GN_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gn_last_error()).find("the JPEG's frame is 0x0"), std::string::npos) << gn_last_error();
  const std::vector<uint8_t> garbage = {0x00, 0x01, 0x02, 0x03};  // no start-of-image marker
  EXPECT_EQ(decode(garbage, 500, 375, 3, out), GN_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gn_last_error()).find("the JPEG's header could not be read: "), std::string::npos)
      << gn_last_error();
}

// A decompressor that failed after the start-of-image marker would misread every later JPEG
// as the one that failed ("Unsupported marker type 0x47" for each).
TEST_F(JpegDecoder, AFailureLeavesTheThreadDecoding) {
  std::vector<uint8_t> expected, out;
  ASSERT_EQ(decode(colour_, 500, 375, 3, expected), GN_OK) << gn_last_error();
  std::vector<uint8_t> bad_marker = colour_;
  bad_marker[3] = 0x47;  // the marker after the start of image
  const std::vector<uint8_t> garbage = {0x00, 0x01, 0x02, 0x03};
  const std::vector<uint8_t> cut(colour_.begin(), colour_.begin() + 100);
  const std::vector<const std::vector<uint8_t>*> failing = {&bad_marker, &garbage, &cut, &gray_};  // gray_: 256x256
  for (const std::vector<uint8_t>* bad : failing) {
    EXPECT_NE(decode(*bad, 500, 375, 3, out), GN_OK);
    ASSERT_EQ(decode(colour_, 500, 375, 3, out), GN_OK) << gn_last_error();
    EXPECT_EQ(out, expected);
  }
}

// Each thread has its own decompressor: decoding on four threads at once gives the bytes one
// thread gives.
TEST_F(JpegDecoder, ThreadsDecodeAlike) {
  std::vector<uint8_t> expected;
  ASSERT_EQ(decode(colour_, 500, 375, 3, expected), GN_OK) << gn_last_error();
  std::vector<std::vector<uint8_t>> results(4);
  std::vector<int32_t> statuses(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5 && statuses[t] == GN_OK; ++i) statuses[t] = decode(colour_, 500, 375, 3, results[t]);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(statuses[t], GN_OK);
    EXPECT_EQ(results[t], expected) << "thread " << t;
  }
}

}  // namespace
