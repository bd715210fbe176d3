// Building torch.save-shaped inputs by hand for the limits tests and the fuzz targets:
// stored (uncompressed) zip archives as PKWARE's APPNOTE.TXT lays them out.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/zip_reader.h"

namespace ghostnet::testing {

inline void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += char((value >> (8 * i)) & 0xff);
}

inline uint32_t crc_of(const std::string& data) {
  return crc32({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

// A zip local file header for a stored entry.
inline std::string zip_local_header(const std::string& name, uint32_t crc, uint64_t size) {
  std::string out;
  put_le(out, 0x04034b50, 4);
  put_le(out, 20, 2);  // version needed
  put_le(out, 0, 2);   // flags
  put_le(out, 0, 2);   // method: stored
  put_le(out, 0, 4);   // time, date
  put_le(out, crc, 4);
  put_le(out, size, 4);
  put_le(out, size, 4);
  put_le(out, name.size(), 2);
  put_le(out, 0, 2);  // extra length
  return out + name;
}

// A central directory record for a stored entry whose local header is at `offset`.
inline std::string zip_central_header(const std::string& name, uint32_t crc, uint64_t size, uint64_t offset) {
  std::string out;
  put_le(out, 0x02014b50, 4);
  put_le(out, 20, 2);  // made by
  put_le(out, 20, 2);  // needed
  put_le(out, 0, 2);   // flags
  put_le(out, 0, 2);   // method
  put_le(out, 0, 4);   // time, date
  put_le(out, crc, 4);
  put_le(out, size, 4);
  put_le(out, size, 4);
  put_le(out, name.size(), 2);
  put_le(out, 0, 2);  // extra
  put_le(out, 0, 2);  // comment
  put_le(out, 0, 2);  // disk
  put_le(out, 0, 2);  // internal attributes
  put_le(out, 0, 4);  // external attributes
  put_le(out, offset, 4);
  return out + name;
}

inline std::string zip_end_record(uint64_t count, uint64_t directory_size, uint64_t directory_offset) {
  std::string out;
  put_le(out, 0x06054b50, 4);
  put_le(out, 0, 2);
  put_le(out, 0, 2);
  put_le(out, count, 2);
  put_le(out, count, 2);
  put_le(out, directory_size, 4);
  put_le(out, directory_offset, 4);
  put_le(out, 0, 2);  // comment length
  return out;
}

// A zip of stored entries, one after the other.
inline std::string make_stored_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  std::string directory;
  for (const auto& entry : entries) {
    const uint32_t crc = crc_of(entry.second);
    directory += zip_central_header(entry.first, crc, entry.second.size(), out.size());
    out += zip_local_header(entry.first, crc, entry.second.size()) + entry.second;
  }
  const uint64_t directory_offset = out.size();
  return out + directory + zip_end_record(entries.size(), directory.size(), directory_offset);
}

}  // namespace ghostnet::testing
