#include "storage/block_codec.h"

#include <cmath>

#include "storage/decimal.h"
#include "storage/int_column.h"
#include "storage/xor_values.h"
#include "util/bit_stream.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace tidemark::storage {
namespace {

// Decimal mantissa modes. Persisted: never renumber.
constexpr uint8_t kMantissaDelta = 0;
constexpr uint8_t kMantissaDeltaOfDelta = 1;

struct Exception {
  uint32_t index;
  uint64_t bits;
};

// Returns false if too many values are not decimal for the encoding to pay off.
bool EncodeDecimalValues(const std::vector<Sample>& samples, std::string* out) {
  const size_t n = samples.size();
  int exponent = 0;
  size_t candidates = 0;
  for (const Sample& s : samples) {
    if (!IsDecimalCandidate(s.value)) continue;
    int64_t m;
    const int e = SmallestExponent(s.value, exponent, &m);
    if (e >= 0) {
      exponent = e;
      ++candidates;
    }
  }
  if (candidates * 4 < n * 3) return false;

  std::vector<int64_t> mantissas(n);
  std::vector<Exception> exceptions;
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t m;
    if (IsDecimalCandidate(samples[i].value) && ToMantissa(samples[i].value, exponent, &m)) {
      mantissas[i] = m;
    } else {
      exceptions.push_back({static_cast<uint32_t>(i), util::DoubleBits(samples[i].value)});
      mantissas[i] = prev;  // a zero delta costs least
    }
    prev = mantissas[i];
  }
  if (exceptions.size() * 4 > n) return false;

  std::vector<uint64_t> deltas, dods;
  deltas.reserve(n);
  dods.reserve(n);
  int64_t prev_delta = 0;
  for (size_t i = 1; i < n; ++i) {
    // Wrapping arithmetic: the decoder wraps identically, so the round trip stays exact.
    const int64_t d = static_cast<int64_t>(static_cast<uint64_t>(mantissas[i]) -
                                           static_cast<uint64_t>(mantissas[i - 1]));
    deltas.push_back(util::ZigZagEncode(d));
    const int64_t dd =
        i == 1 ? d
               : static_cast<int64_t>(static_cast<uint64_t>(d) - static_cast<uint64_t>(prev_delta));
    dods.push_back(util::ZigZagEncode(dd));
    prev_delta = d;
  }
  const bool use_dod = EncodedIntColumnSize(dods) < EncodedIntColumnSize(deltas);

  out->push_back(static_cast<char>(exponent));
  out->push_back(static_cast<char>(use_dod ? kMantissaDeltaOfDelta : kMantissaDelta));
  util::PutVarintSigned64(out, mantissas[0]);
  util::PutVarint64(out, exceptions.size());
  uint32_t last_index = 0;
  for (const Exception& e : exceptions) {
    util::PutVarint64(out, e.index - last_index);
    util::PutFixed64(out, e.bits);
    last_index = e.index;
  }
  EncodeIntColumn(use_dod ? dods : deltas, out);
  return true;
}

void EncodeXorValues(const std::vector<Sample>& samples, std::string* out) {
  util::BitWriter w(out);
  XorState state;
  bool first = true;
  for (const Sample& s : samples) {
    AppendXorValue(&w, util::DoubleBits(s.value), &state, first);
    first = false;
  }
}

Status BlockCorruption(const BlockHeader& h, const std::string& what) {
  return Status::Corruption("block of series " + std::to_string(h.series_id) + " [" +
                            std::to_string(h.min_time) + ", " + std::to_string(h.max_time) +
                            "]: " + what);
}

Status DecodeHeaderAndColumns(std::string_view block, BlockHeader* h, std::string_view* ts_col,
                              std::string_view* value_col) {
  if (block.size() < 4 + 2)
    return Status::Corruption("block of " + std::to_string(block.size()) + " bytes is too short");
  const uint32_t stored_crc = util::DecodeFixed32(block.data() + block.size() - 4);
  std::string_view body = block.substr(0, block.size() - 4);
  const uint32_t actual_crc = util::Crc32c(body);

  std::string_view in = body;
  const uint8_t version = static_cast<uint8_t>(in[0]);
  const uint8_t encodings = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  uint64_t span = 0, count = 0, ts_len = 0;
  int64_t min_time = 0;
  // The header is decoded before the checksum is judged so that the error can name the series
  // and range; with a bad checksum those are marked as unverified.
  const bool header_ok = util::GetVarint64(&in, &h->series_id) &&
                         util::GetVarintSigned64(&in, &min_time) && util::GetVarint64(&in, &span) &&
                         util::GetVarint64(&in, &count) && util::GetVarint64(&in, &ts_len);
  h->min_time = min_time;
  h->max_time = static_cast<int64_t>(static_cast<uint64_t>(min_time) + span);
  if (actual_crc != stored_crc) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "checksum mismatch (stored %08x, computed %08x)%s", stored_crc,
                  actual_crc, header_ok ? "" : ", header unreadable");
    return BlockCorruption(*h, buf);
  }
  if (!header_ok) return BlockCorruption(*h, "header truncated");
  if (version != kBlockFormatVersion) {
    return BlockCorruption(*h, "format version " + std::to_string(version) + ", want " +
                                   std::to_string(kBlockFormatVersion));
  }
  if (count == 0 || count > kMaxBlockSamples)
    return BlockCorruption(*h, "sample count " + std::to_string(count));
  h->count = static_cast<uint32_t>(count);
  h->timestamp_encoding = static_cast<TimestampEncoding>(encodings & 0x0f);
  h->value_encoding = static_cast<ValueEncoding>(encodings >> 4);
  if (h->timestamp_encoding != TimestampEncoding::kDeltaOfDelta) {
    return BlockCorruption(*h, "unknown timestamp encoding " + std::to_string(encodings & 0x0f));
  }
  if (h->value_encoding != ValueEncoding::kDecimal && h->value_encoding != ValueEncoding::kXor) {
    return BlockCorruption(*h, "unknown value encoding " + std::to_string(encodings >> 4));
  }
  if (ts_len > in.size()) return BlockCorruption(*h, "timestamp column longer than block");
  *ts_col = in.substr(0, ts_len);
  *value_col = in.substr(ts_len);
  return Status::OK();
}

}  // namespace

std::vector<std::pair<size_t, size_t>> BlockRanges(size_t count, size_t max_samples) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t begin = 0; begin < count; begin += max_samples)
    out.push_back({begin, std::min(count, begin + max_samples)});
  return out;
}

std::string EncodeBlock(uint64_t series_id, const std::vector<Sample>& samples) {
  const size_t n = samples.size();
  std::string ts_col;
  if (n >= 2) {
    const int64_t first_delta = samples[1].timestamp_ms - samples[0].timestamp_ms;
    util::PutVarint64(&ts_col, static_cast<uint64_t>(first_delta));
    std::vector<uint64_t> dods;
    dods.reserve(n);
    int64_t prev_delta = first_delta;
    for (size_t i = 2; i < n; ++i) {
      const int64_t delta = samples[i].timestamp_ms - samples[i - 1].timestamp_ms;
      dods.push_back(util::ZigZagEncode(delta - prev_delta));
      prev_delta = delta;
    }
    EncodeIntColumn(dods, &ts_col);
  }

  std::string decimal_col, xor_col;
  const bool decimal = EncodeDecimalValues(samples, &decimal_col);
  EncodeXorValues(samples, &xor_col);
  const bool use_decimal = decimal && decimal_col.size() <= xor_col.size();
  const ValueEncoding value_encoding = use_decimal ? ValueEncoding::kDecimal : ValueEncoding::kXor;

  std::string out;
  out.reserve(32 + ts_col.size() + xor_col.size());
  out.push_back(static_cast<char>(kBlockFormatVersion));
  out.push_back(static_cast<char>(static_cast<uint8_t>(TimestampEncoding::kDeltaOfDelta) |
                                  (static_cast<uint8_t>(value_encoding) << 4)));
  util::PutVarint64(&out, series_id);
  util::PutVarintSigned64(&out, samples.front().timestamp_ms);
  util::PutVarint64(
      &out, static_cast<uint64_t>(samples.back().timestamp_ms - samples.front().timestamp_ms));
  util::PutVarint64(&out, n);
  util::PutVarint64(&out, ts_col.size());
  out += ts_col;
  out += use_decimal ? decimal_col : xor_col;
  util::PutFixed32(&out, util::Crc32c(out));
  return out;
}

Result<BlockHeader> DecodeBlockHeader(std::string_view block) {
  BlockHeader h;
  std::string_view ts_col, value_col;
  Status s = DecodeHeaderAndColumns(block, &h, &ts_col, &value_col);
  if (!s.ok()) return s;
  return h;
}

Status DecodeBlock(std::string_view block, BlockHeader* header, std::vector<Sample>* out) {
  BlockHeader& h = *header;
  std::string_view ts_col, value_col;
  Status s = DecodeHeaderAndColumns(block, &h, &ts_col, &value_col);
  if (!s.ok()) return s;
  const size_t n = h.count;
  const size_t base = out->size();
  out->resize(base + n);
  Sample* samples = out->data() + base;

  // Timestamps. The deltas are summed in unsigned arithmetic so that damaged ones cannot overflow,
  // and each must be positive without passing INT64_MAX: decoded timestamps strictly increase, as
  // EncodeBlock requires of what it writes.
  samples[0].timestamp_ms = h.min_time;
  if (n >= 2) {
    uint64_t first_delta;
    if (!util::GetVarint64(&ts_col, &first_delta))
      return BlockCorruption(h, "timestamp column truncated");
    uint64_t delta = first_delta;
    const auto step = [&](size_t i) {
      const int64_t d = static_cast<int64_t>(delta);
      const int64_t prev = samples[i - 1].timestamp_ms;
      if (d <= 0 || prev > INT64_MAX - d) return false;
      samples[i].timestamp_ms = prev + d;
      return true;
    };
    const auto not_increasing = [&](size_t i) {
      return BlockCorruption(h, "timestamp delta " + std::to_string(static_cast<int64_t>(delta)) +
                                    " at sample " + std::to_string(i) +
                                    " does not make timestamps increase");
    };
    if (!step(1)) return not_increasing(1);
    PackedIntColumn packed;
    if (packed.Open(&ts_col, n - 2)) {
      for (size_t i = 2; i < n; ++i) {
        delta += static_cast<uint64_t>(util::ZigZagDecode(packed.Next()));
        if (!step(i)) return not_increasing(i);
      }
    } else {
      // Scratch space reused across calls on this thread: a read decodes thousands of blocks.
      thread_local std::vector<uint64_t> dods;
      if (!DecodeIntColumn(&ts_col, n - 2, &dods))
        return BlockCorruption(h, "timestamp column malformed");
      for (size_t i = 2; i < n; ++i) {
        delta += static_cast<uint64_t>(util::ZigZagDecode(dods[i - 2]));
        if (!step(i)) return not_increasing(i);
      }
    }
  }
  if (samples[n - 1].timestamp_ms != h.max_time) {
    return BlockCorruption(h, "last timestamp " + std::to_string(samples[n - 1].timestamp_ms) +
                                  " differs from header max time");
  }

  // Values.
  if (h.value_encoding == ValueEncoding::kXor) {
    util::BitReader r(value_col);
    XorState state;
    for (size_t i = 0; i < n; ++i) {
      if (!ReadXorValue(&r, &state, i == 0)) {
        return BlockCorruption(h, "value column malformed at sample " + std::to_string(i));
      }
      samples[i].value = util::BitsToDouble(state.prev_bits);
    }
    return Status::OK();
  }

  if (value_col.size() < 2) return BlockCorruption(h, "value column truncated");
  const int exponent = static_cast<uint8_t>(value_col[0]);
  const uint8_t mode = static_cast<uint8_t>(value_col[1]);
  value_col.remove_prefix(2);
  if (exponent > kMaxDecimalExponent || mode > kMantissaDeltaOfDelta) {
    return BlockCorruption(
        h, "decimal exponent " + std::to_string(exponent) + " or mode " + std::to_string(mode));
  }
  int64_t mantissa;
  uint64_t num_exceptions;
  if (!util::GetVarintSigned64(&value_col, &mantissa) ||
      !util::GetVarint64(&value_col, &num_exceptions) || num_exceptions > n) {
    return BlockCorruption(h, "decimal column header malformed");
  }
  std::vector<Exception> exceptions(num_exceptions);
  uint64_t index = 0;
  for (auto& e : exceptions) {
    uint64_t step;
    if (!util::GetVarint64(&value_col, &step) || !util::GetFixed64(&value_col, &e.bits)) {
      return BlockCorruption(h, "decimal exceptions truncated");
    }
    index += step;
    if (index >= n) return BlockCorruption(h, "decimal exception index out of range");
    e.index = static_cast<uint32_t>(index);
  }
  PackedIntColumn packed;
  const bool in_place = packed.Open(&value_col, n - 1);
  thread_local std::vector<uint64_t> diffs;
  if (!in_place && !DecodeIntColumn(&value_col, n - 1, &diffs))
    return BlockCorruption(h, "decimal column malformed");
  samples[0].value = DecimalValue(mantissa, exponent);
  // Mantissas, then scaled in the same pass: integers (exponent 0) need no division.
  const auto decode = [&](auto next_diff, auto scaled) {
    uint64_t m = static_cast<uint64_t>(mantissa);
    uint64_t delta = 0;
    for (size_t i = 1; i < n; ++i) {
      const uint64_t d = static_cast<uint64_t>(util::ZigZagDecode(next_diff(i)));
      delta = (mode == kMantissaDelta || i == 1) ? d : delta + d;  // wrapping, as encoded
      m += delta;
      samples[i].value = scaled(static_cast<double>(static_cast<int64_t>(m)));
    }
  };
  const auto from_column = [&](size_t) { return packed.Next(); };
  const auto from_scratch = [&](size_t i) { return diffs[i - 1]; };
  const auto integer = [](double v) { return v; };
  const double scale = kPow10[exponent];
  const auto decimal = [scale](double v) { return v / scale; };
  if (in_place && exponent == 0) {
    decode(from_column, integer);
  } else if (in_place) {
    decode(from_column, decimal);
  } else if (exponent == 0) {
    decode(from_scratch, integer);
  } else {
    decode(from_scratch, decimal);
  }
  for (const Exception& e : exceptions) samples[e.index].value = util::BitsToDouble(e.bits);
  return Status::OK();
}

}  // namespace tidemark::storage
