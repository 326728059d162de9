// CRC-32C (Castagnoli), the checksum of every log record and stored block.
#ifndef TIDEMARK_UTIL_CRC32C_H_
#define TIDEMARK_UTIL_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tidemark::util {

// Extends `crc` (the CRC of some earlier bytes, or 0) with `data`.
uint32_t Crc32cExtend(uint32_t crc, const char* data, size_t n);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data.data(), data.size()); }

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_CRC32C_H_
