#include "util/prom_names.h"

#include "util/utf8.h"

namespace tidemark::util {
namespace {

bool IsLegacyName(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (colons && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool IsLegacyLabelName(std::string_view name) { return IsLegacyName(name, /*colons=*/false); }

bool IsLegacyMetricName(std::string_view name) { return IsLegacyName(name, /*colons=*/true); }

bool IsValidLabelName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

}  // namespace tidemark::util
