// Reading and writing whole files for the checkpoint and .npy code.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "checkpoint/bytes.h"

namespace ghostnet {

// A whole file read into memory. Reading rather than mapping it means a file that is
// truncated or rewritten while it is loaded gives a "truncated" error, never a SIGBUS
// that would kill the JVM; GhostNet checkpoints are tens of megabytes.
class FileBytes {
 public:
  // Throws Error(InvalidArgument) naming the path when it cannot be opened, is not a
  // regular file or cannot be read.
  explicit FileBytes(const std::string& path);

  ByteSpan bytes() const { return {data_.data(), data_.size()}; }

 private:
  std::vector<uint8_t> data_;
};

// Writes a file piece by piece; a file left unfinished by an error is removed, so a
// failed write never leaves a truncated checkpoint behind.
class FileWriter {
 public:
  explicit FileWriter(const std::string& path);  // throws Error(InvalidArgument)
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void write(const void* data, std::size_t size);
  void finish();  // flushes and closes; throws when the data did not reach the file

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace ghostnet
