// Golden files: checked-in bytes of persisted structures, as hex text in tests/storage/golden/.
// The tests decode these bytes with the current decoders and compare every field with values
// written by hand, so a change that breaks reading old data fails; where the encoding is
// deterministic they also check that today's encoder still writes exactly these bytes.
// TIDEMARK_UPDATE_GOLDEN=1 rewrites the files from the encoders (never the expectations): a format
// change updates its page in docs/format/ and its golden file in the same commit.
#ifndef TIDEMARK_TESTS_STORAGE_GOLDEN_UTIL_H_
#define TIDEMARK_TESTS_STORAGE_GOLDEN_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace tidemark::testing {

// 32 bytes a line, lower-case.
inline std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) & 15]);
    if (i % 32 == 31) out.push_back('\n');
  }
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

// Whitespace is ignored; false on anything else that is not a pair of hex digits.
inline bool Unhex(std::string_view hex, std::string* out) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    const int d = digit(c);
    if (d < 0) return false;
    if (high < 0) {
      high = d;
    } else {
      out->push_back(static_cast<char>(high << 4 | d));
      high = -1;
    }
  }
  return high < 0;
}

inline std::string GoldenPath(const std::string& name) {
  return std::string(GOLDEN_DIR) + "/" + name + ".hex";
}

inline bool UpdatingGolden() { return std::getenv("TIDEMARK_UPDATE_GOLDEN") != nullptr; }

// The checked-in bytes of golden file `name`. `encoded`, when given, is what today's encoder
// writes for the same input: it must equal the file (under TIDEMARK_UPDATE_GOLDEN=1 it replaces
// the file instead). Pass nullopt where the encoding is not deterministic.
inline std::string GoldenBytes(const std::string& name,
                               std::optional<std::string_view> encoded = std::nullopt) {
  const std::string path = GoldenPath(name);
  if (encoded && UpdatingGolden()) std::ofstream(path) << Hex(*encoded);
  std::ifstream in(path);
  if (!in.good()) {
    ADD_FAILURE() << "missing golden file " << path << " (run with TIDEMARK_UPDATE_GOLDEN=1)";
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes;
  if (!Unhex(ss.str(), &bytes)) {
    ADD_FAILURE() << path << " is not hex text";
    return "";
  }
  if (encoded) {
    EXPECT_EQ(Hex(bytes), Hex(*encoded))
        << name << ": the encoder no longer writes the golden bytes; a format change updates "
        << "docs/format/ and the golden file together (TIDEMARK_UPDATE_GOLDEN=1)";
  }
  return bytes;
}

// Writes `bytes` to `path`, creating its directory.
inline void WriteFile(const std::string& path, std::string_view bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_STORAGE_GOLDEN_UTIL_H_
