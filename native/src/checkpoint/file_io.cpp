#include "checkpoint/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ghostnet {

FileBytes::FileBytes(const std::string& path) {
  // O_NONBLOCK: opening a FIFO by mistake must fail below, not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(ErrorCode::InvalidArgument, "cannot open '" + path + "': " + std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail(ErrorCode::InvalidArgument, "cannot read '" + path + "': not a regular file");
  }
  try {
    data_.resize(std::size_t(info.st_size));
  } catch (const std::bad_alloc&) {
    ::close(fd);
    fail(ErrorCode::OutOfMemory, "cannot read '" + path + "': " + std::to_string(info.st_size) +
                                     " bytes do not fit in host memory");
  }
  std::size_t done = 0;
  while (done < data_.size()) {
    const ssize_t n = ::read(fd, data_.data() + done, data_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail(ErrorCode::InvalidArgument, "cannot read '" + path + "': " + std::strerror(error));
    }
    if (n == 0) break;  // the file shrank while being read: parse what is there
    done += std::size_t(n);
  }
  data_.resize(done);
  ::close(fd);
}

FileWriter::FileWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
  if (file_ == nullptr) fail(ErrorCode::InvalidArgument, "cannot write '" + path + "': " + std::strerror(errno));
}

FileWriter::~FileWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(path_.c_str());
  }
}

void FileWriter::write(const void* data, std::size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
    fail(ErrorCode::InvalidArgument, "cannot write '" + path_ + "': " + std::strerror(errno));
  }
}

void FileWriter::finish() {
  const bool flushed = std::fflush(file_) == 0;
  const int error = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    std::remove(path_.c_str());
    fail(ErrorCode::InvalidArgument, "cannot write '" + path_ + "': " + std::strerror(flushed ? errno : error));
  }
}

}  // namespace ghostnet
