// Reading the protobuf wire format straight from a request body, for the decoders that skip
// protobuf message objects (remote_write, OTLP): views into the body, no allocations.
#ifndef TIDEMARK_INGEST_WIRE_READER_H_
#define TIDEMARK_INGEST_WIRE_READER_H_

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tidemark::ingest {

// Protobuf wire types.
inline constexpr int kVarint = 0;
inline constexpr int kFixed64 = 1;
inline constexpr int kLengthDelimited = 2;
inline constexpr int kFixed32 = 5;

// Reads protobuf wire-format fields from a byte range.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool done() const { return p_ >= end_; }
  const char* position() const { return p_; }

  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      const auto byte = static_cast<uint8_t>(*p_++);
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  // The next field's number and wire type.
  bool Tag(uint32_t* field, int* wire_type) {
    uint64_t tag;
    if (!Varint(&tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<int>(tag & 7);
    return true;
  }
  bool Bytes(std::string_view* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    *v = bits;
    p_ += 8;
    return true;
  }
  bool Fixed32(uint32_t* v) {
    if (end_ - p_ < 4) return false;
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i)
      bits |= static_cast<uint32_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    *v = bits;
    p_ += 4;
    return true;
  }
  bool Double(double* v) {
    uint64_t bits;
    if (!Fixed64(&bits)) return false;
    std::memcpy(v, &bits, 8);
    return true;
  }
  bool Skip(int wire_type) {
    std::string_view ignored;
    uint64_t v;
    switch (wire_type) {
      case kVarint:
        return Varint(&v);
      case kFixed64:
        if (end_ - p_ < 8) return false;
        p_ += 8;
        return true;
      case kLengthDelimited:
        return Bytes(&ignored);
      case kFixed32:
        if (end_ - p_ < 4) return false;
        p_ += 4;
        return true;
      default:
        return false;  // groups are not used by these messages
    }
  }

 private:
  const char* p_;
  const char* end_;
};

// Calls `on_field(reader, field, wire_type)` for each field of the message `data`, in order; the
// callback reads or skips the field's value. False at a malformed tag or when the callback
// returns false.
template <typename OnField>
bool ForEachField(std::string_view data, OnField on_field) {
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!r.Tag(&field, &type) || !on_field(r, field, type)) return false;
  }
  return true;
}

// The number of length-delimited fields numbered `field` in the message `data`, counted up to
// its first malformed field (decoding it then reports the problem): how many elements a repeated
// message field will decode into, so that their vector is sized once.
inline size_t CountLengthDelimited(std::string_view data, uint32_t field) {
  WireReader r(data);
  size_t n = 0;
  while (!r.done()) {
    uint32_t f = 0;
    int type = 0;
    if (!r.Tag(&f, &type) || !r.Skip(type)) break;
    if (f == field && type == kLengthDelimited) ++n;
  }
  return n;
}

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_WIRE_READER_H_
