// Layout of the records read here: PKWARE's APPNOTE.TXT, sections 4.3 and 4.5.3.
#include "checkpoint/zip_reader.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ghostnet {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndRecordSignature = 0x06054b50;
constexpr uint32_t kZip64EndRecordSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;

constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kEndRecordSize = 22;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EndRecordSize = 56;
constexpr uint64_t kMaxCommentSize = 0xffff;

constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kEncryptedFlag = 0x0001;
constexpr uint16_t kStoredMethod = 0;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    table[byte] = crc;
  }
  return table;
}

const char* method_name(uint16_t method) {
  switch (method) {
    case 8: return "deflate";
    case 9: return "deflate64";
    case 12: return "bzip2";
    case 14: return "LZMA";
    case 93: return "zstd";
    case 95: return "xz";
    default: return "unknown";
  }
}

// The end record is in the last 22 + 65535 bytes. Searching back from the end and
// requiring its comment to reach exactly the end of the file keeps a signature inside a
// comment from being taken for the record.
bool find_end_record(ByteSpan archive, uint64_t* end) {
  if (archive.size < kEndRecordSize) return false;
  const uint64_t last = archive.size - kEndRecordSize;
  const uint64_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  for (uint64_t at = last;; --at) {
    const uint8_t* record = archive.data + at;
    if (load_u32(record) == kEndRecordSignature && at + kEndRecordSize + load_u16(record + 20) == archive.size) {
      *end = at;
      return true;
    }
    if (at == first) return false;
  }
}

}  // namespace

uint32_t crc32(ByteSpan bytes) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < bytes.size; ++i) crc = table[(crc ^ bytes.data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

ZipArchive::ZipArchive(ByteSpan archive, std::string file) : archive_(archive), file_(std::move(file)) {
  uint64_t end = 0;
  if (!find_end_record(archive, &end)) {
    fail_checkpoint(file_, "truncated or not a zip archive: no end-of-central-directory record");
  }
  const uint8_t* record = archive.data + end;
  uint64_t disk = load_u16(record + 4);
  uint64_t directory_disk = load_u16(record + 6);
  uint64_t count_on_disk = load_u16(record + 8);
  uint64_t count = load_u16(record + 10);
  uint64_t size = load_u32(record + 12);
  uint64_t offset = load_u32(record + 16);
  uint64_t directory_end = end;

  // torch.save always writes the zip64 records; other writers only when a field overflows.
  if (end >= kZip64LocatorSize && load_u32(archive.data + end - kZip64LocatorSize) == kZip64LocatorSignature) {
    const uint64_t zip64 = load_u64(archive.data + end - kZip64LocatorSize + 8);
    if (!range_fits(zip64, kZip64EndRecordSize, end - kZip64LocatorSize) ||
        load_u32(archive.data + zip64) != kZip64EndRecordSignature) {
      fail_checkpoint(file_, "corrupt zip archive: the zip64 end record is missing");
    }
    const uint8_t* record64 = archive.data + zip64;
    disk = load_u32(record64 + 16);
    directory_disk = load_u32(record64 + 20);
    count_on_disk = load_u64(record64 + 24);
    count = load_u64(record64 + 32);
    size = load_u64(record64 + 40);
    offset = load_u64(record64 + 48);
    directory_end = zip64;
  } else if (count == 0xffff || size == 0xffffffff || offset == 0xffffffff) {
    fail_checkpoint(file_, "corrupt zip archive: it needs zip64 records, which are missing");
  }
  if (disk != 0 || directory_disk != 0 || count_on_disk != count) {
    fail_checkpoint(file_, "zip archives spanning several disks are not supported");
  }
  if (!range_fits(offset, size, directory_end)) {
    fail_checkpoint(file_, "truncated or corrupt zip archive: the central directory (" + std::to_string(size) +
                               " bytes at offset " + std::to_string(offset) + ") lies outside the file");
  }
  directory_offset_ = offset;
  read_central_directory(offset, size, count);
  for (const auto& item : entries_) header_offsets_.push_back(item.second.header_offset);
  std::sort(header_offsets_.begin(), header_offsets_.end());
}

namespace {

// Zip64 moves the fields that overflow their 16- or 32-bit slots into an extra field, in
// a fixed order, present only for the slots that hold their maximum value.
void apply_zip64_extra(ZipArchive::Entry& entry, uint64_t& disk, ByteSpan extra, const std::string& file) {
  const bool wants[] = {entry.size == 0xffffffff, entry.compressed_size == 0xffffffff,
                        entry.header_offset == 0xffffffff, disk == 0xffff};
  if (!wants[0] && !wants[1] && !wants[2] && !wants[3]) return;
  uint64_t* targets[] = {&entry.size, &entry.compressed_size, &entry.header_offset, &disk};
  const uint64_t widths[] = {8, 8, 8, 4};

  for (std::size_t at = 0; at + 4 <= extra.size;) {
    const uint16_t id = load_u16(extra.data + at);
    const uint64_t length = load_u16(extra.data + at + 2);
    if (length > extra.size - at - 4) break;
    if (id == kZip64ExtraId) {
      const uint8_t* field = extra.data + at + 4;
      uint64_t used = 0;
      for (int i = 0; i < 4; ++i) {
        if (!wants[i]) continue;
        if (used + widths[i] > length) fail_checkpoint(file, "corrupt zip entry '" + entry.name + "': short zip64 field");
        *targets[i] = widths[i] == 8 ? load_u64(field + used) : load_u32(field + used);
        used += widths[i];
      }
      return;
    }
    at += 4 + length;
  }
  fail_checkpoint(file, "corrupt zip entry '" + entry.name + "': its zip64 field is missing");
}

}  // namespace

void ZipArchive::read_central_directory(uint64_t offset, uint64_t size, uint64_t count) {
  if (count > size / kCentralHeaderSize) {
    fail_checkpoint(file_, "corrupt zip archive: " + std::to_string(count) + " entries cannot fit a central directory of " +
                               std::to_string(size) + " bytes");
  }
  const uint8_t* directory = archive_.data + offset;
  uint64_t at = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* header = directory + at;
    if (size - at < kCentralHeaderSize || load_u32(header) != kCentralHeaderSignature) {
      fail_checkpoint(file_, "corrupt zip archive: central directory entry " + std::to_string(i) + " is malformed");
    }
    Entry entry;
    entry.flags = load_u16(header + 8);
    entry.method = load_u16(header + 10);
    entry.crc32 = load_u32(header + 16);
    entry.compressed_size = load_u32(header + 20);
    entry.size = load_u32(header + 24);
    const uint64_t name_size = load_u16(header + 28);
    const uint64_t extra_size = load_u16(header + 30);
    const uint64_t comment_size = load_u16(header + 32);
    uint64_t disk = load_u16(header + 34);
    entry.header_offset = load_u32(header + 42);
    const uint64_t record_size = kCentralHeaderSize + name_size + extra_size + comment_size;
    if (record_size > size - at) {
      fail_checkpoint(file_, "corrupt zip archive: central directory entry " + std::to_string(i) + " is truncated");
    }
    entry.name.assign(reinterpret_cast<const char*>(header + kCentralHeaderSize), name_size);
    apply_zip64_extra(entry, disk, {header + kCentralHeaderSize + name_size, extra_size}, file_);
    if (disk != 0) fail_checkpoint(file_, "zip archives spanning several disks are not supported");
    const std::string name = entry.name;
    if (!entries_.emplace(name, std::move(entry)).second) {
      fail_checkpoint(file_, "corrupt zip archive: the entry '" + name + "' appears twice");
    }
    at += record_size;
  }
}

const ZipArchive::Entry* ZipArchive::find(const std::string& name) const {
  const auto found = entries_.find(name);
  return found == entries_.end() ? nullptr : &found->second;
}

ByteSpan ZipArchive::read(const Entry& entry) const {
  const std::string what = "zip entry '" + entry.name + "'";
  if (entry.flags & kEncryptedFlag) fail_checkpoint(file_, what + " is encrypted");
  if (entry.method != kStoredMethod) {
    fail_checkpoint(file_, what + " is compressed (method " + std::to_string(entry.method) + ", " +
                               method_name(entry.method) +
                               "): only stored (uncompressed) entries are read, as torch.save writes them");
  }
  if (entry.compressed_size != entry.size) fail_checkpoint(file_, what + " is stored, yet its two sizes differ");

  // Entry data lies before the central directory; the directory's offset bounds it.
  if (!range_fits(entry.header_offset, kLocalHeaderSize, directory_offset_) ||
      load_u32(archive_.data + entry.header_offset) != kLocalHeaderSignature) {
    fail_checkpoint(file_, "corrupt zip archive: no local header for " + what);
  }
  const uint8_t* header = archive_.data + entry.header_offset;
  const uint64_t name_size = load_u16(header + 26);
  const uint64_t extra_size = load_u16(header + 28);
  const uint64_t data_offset = entry.header_offset + kLocalHeaderSize + name_size + extra_size;
  if (name_size != entry.name.size() || data_offset > directory_offset_ ||
      std::memcmp(header + kLocalHeaderSize, entry.name.data(), name_size) != 0) {
    fail_checkpoint(file_, "corrupt zip archive: the local header of " + what + " does not match the directory");
  }
  if (!range_fits(data_offset, entry.size, directory_offset_)) {
    fail_checkpoint(file_, "truncated: " + what + " needs " + std::to_string(entry.size) + " bytes at offset " +
                               std::to_string(data_offset) + ", the archive has " +
                               std::to_string(directory_offset_) + " before its central directory");
  }
  // An entry ends before the next one begins: were entries to overlap, one region of the
  // file could be read, and its CRC computed, once per entry pointing at it.
  const auto next = std::upper_bound(header_offsets_.begin(), header_offsets_.end(), entry.header_offset);
  if (next != header_offsets_.end() && data_offset + entry.size > *next) {
    fail_checkpoint(file_, "corrupt zip archive: " + what + " overlaps the zip entry at offset " + std::to_string(*next));
  }
  const ByteSpan bytes{archive_.data + data_offset, std::size_t(entry.size)};
  if (crc32(bytes) != entry.crc32) fail_checkpoint(file_, what + " fails its CRC-32 check: the file is corrupt");
  return bytes;
}

}  // namespace ghostnet
