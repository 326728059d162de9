// Stored blocks: the samples of one series inside one time partition, as written to the `chunks`
// column family. Timestamps and values are separate columns; values that are decimal numbers
// (counters, gauges with a few decimals) are stored as scaled integers, others XOR-coded. Each
// block names its series, time range, count and encodings and ends in a CRC-32C, so a damaged
// block is reported, never decoded into wrong numbers. Layout: docs/format/chunk-encoding.md.
#ifndef TIDEMARK_STORAGE_BLOCK_CODEC_H_
#define TIDEMARK_STORAGE_BLOCK_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/engine.h"
#include "tidemark/status.h"

namespace tidemark::storage {

// Persisted: never renumber.
inline constexpr uint8_t kBlockFormatVersion = 1;

// Persisted encoding ids (the block's encodings byte): never renumber.
enum class TimestampEncoding : uint8_t { kDeltaOfDelta = 1 };
enum class ValueEncoding : uint8_t { kDecimal = 1, kXor = 2 };

struct BlockHeader {
  uint64_t series_id = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
  uint32_t count = 0;
  TimestampEncoding timestamp_encoding = TimestampEncoding::kDeltaOfDelta;
  ValueEncoding value_encoding = ValueEncoding::kXor;
};

// The most samples one block holds; DecodeBlock refuses more (docs/format/chunk-encoding.md).
inline constexpr uint32_t kMaxBlockSamples = 1u << 24;

// Encodes `samples` (strictly increasing timestamps, at least one, at most kMaxBlockSamples) of
// series `series_id`.
std::string EncodeBlock(uint64_t series_id, const std::vector<Sample>& samples);
// The [begin, end) ranges that cut `count` samples into blocks of at most `max_samples`, so that
// writers never make a block readers refuse.
std::vector<std::pair<size_t, size_t>> BlockRanges(size_t count,
                                                   size_t max_samples = kMaxBlockSamples);

// Checks the checksum and decodes the header only.
Result<BlockHeader> DecodeBlockHeader(std::string_view block);

// Checks the checksum and decodes every sample, appending to `out`. Any inconsistency between
// header, columns and checksum is Corruption.
Status DecodeBlock(std::string_view block, BlockHeader* header, std::vector<Sample>* out);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_BLOCK_CODEC_H_
