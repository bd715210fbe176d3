// A minimal reader of zip archives as torch.save writes them: stored (uncompressed)
// entries, zip64 records, nothing spanning disks. Entries are looked up by their exact
// name only: a name is never turned into a filesystem path.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkpoint/bytes.h"

namespace ghostnet {

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    uint64_t header_offset = 0;  // of the local file header
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint16_t method = 0;
    uint16_t flags = 0;
    uint32_t crc32 = 0;
  };

  // Reads the central directory; throws Error(Checkpoint) naming `file` when the archive
  // is truncated or malformed.
  ZipArchive(ByteSpan archive, std::string file);

  const std::map<std::string, Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;

  // The bytes of a stored entry, checked against its local header and its CRC-32.
  ByteSpan read(const Entry& entry) const;

 private:
  void read_central_directory(uint64_t offset, uint64_t size, uint64_t count);

  ByteSpan archive_;
  std::string file_;
  uint64_t directory_offset_ = 0;  // entry data must end before the central directory
  std::vector<uint64_t> header_offsets_;  // of every entry's local header, sorted: entries may not overlap
  std::map<std::string, Entry> entries_;
};

uint32_t crc32(ByteSpan bytes);

}  // namespace ghostnet
