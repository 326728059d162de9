// A column of unsigned integers (zigzag-coded deltas, in practice), stored either bit-packed at
// the width of its largest value or as varints, whichever is smaller.
#ifndef TIDEMARK_STORAGE_INT_COLUMN_H_
#define TIDEMARK_STORAGE_INT_COLUMN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::storage {

// Appends the column; the count is not stored (the block header has it).
void EncodeIntColumn(const std::vector<uint64_t>& values, std::string* out);
// Size EncodeIntColumn would produce.
size_t EncodedIntColumnSize(const std::vector<uint64_t>& values);
// Reads `count` values, advancing `input`; false on malformed or truncated input.
bool DecodeIntColumn(std::string_view* input, size_t count, std::vector<uint64_t>* out);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_INT_COLUMN_H_
