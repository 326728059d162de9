#include "util/coding.h"

namespace tidemark::util {

int VarintLength(uint64_t v) {
  int len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

bool GetVarint64(std::string_view* input, uint64_t* value) {
  uint64_t result = 0;
  const char* p = input->data();
  const char* limit = p + input->size();
  for (int shift = 0; shift <= 63 && p < limit; shift += 7) {
    const uint64_t byte = static_cast<uint8_t>(*p++);
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && byte > 1) return false;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      input->remove_prefix(p - input->data());
      return true;
    }
  }
  return false;
}

bool GetVarintSigned64(std::string_view* input, int64_t* value) {
  uint64_t raw;
  if (!GetVarint64(input, &raw)) return false;
  *value = ZigZagDecode(raw);
  return true;
}

bool GetVarint32(std::string_view* input, uint32_t* value) {
  uint64_t raw;
  std::string_view copy = *input;
  if (!GetVarint64(&copy, &raw) || raw > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(raw);
  *input = copy;
  return true;
}

bool GetFixed32(std::string_view* input, uint32_t* value) {
  if (input->size() < 4) return false;
  *value = DecodeFixed32(input->data());
  input->remove_prefix(4);
  return true;
}

bool GetFixed64(std::string_view* input, uint64_t* value) {
  if (input->size() < 8) return false;
  *value = DecodeFixed64(input->data());
  input->remove_prefix(8);
  return true;
}

bool GetLengthPrefixed(std::string_view* input, std::string_view* result) {
  uint64_t len;
  std::string_view copy = *input;
  if (!GetVarint64(&copy, &len) || len > copy.size()) return false;
  *result = copy.substr(0, len);
  copy.remove_prefix(len);
  *input = copy;
  return true;
}

}  // namespace tidemark::util
