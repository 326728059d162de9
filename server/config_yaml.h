// Reading configuration values out of YAML nodes, for server/config.cc: every reader checks the
// node's kind, syntax and range and never lets a yaml-cpp exception out. Errors are
// InvalidArgument `config key "<key>": <why>`, with the file's line when the node has one.
#ifndef TIDEMARK_SERVER_CONFIG_YAML_H_
#define TIDEMARK_SERVER_CONFIG_YAML_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::server::config_yaml {

// `config key "<key>": <why>`.
Status Bad(const std::string& key, const std::string& why);
// " (line N)" for a node read from a file; "" for one built from flags.
std::string Where(const YAML::Node& node);

// `node` (null: an empty section) must be a mapping whose keys are distinct names from `known`.
// `prefix` is the section's key with a trailing dot ("storage."), or "" for the top level.
Status CheckMapping(const YAML::Node& node, const std::string& prefix,
                    const std::set<std::string>& known);

Status ReadString(const YAML::Node& node, const std::string& key, std::string* out);
// A list of strings ([a, b] or one "- a" a line); null (the key with nothing after it) is an
// empty list.
Status ReadStringList(const YAML::Node& node, const std::string& key,
                      std::vector<std::string>* out);
// YAML's booleans: true/false (also yes/no, on/off).
Status ReadBool(const YAML::Node& node, const std::string& key, bool* out);
// A decimal integer in [min, max].
Status ReadInt64(const YAML::Node& node, const std::string& key, int64_t min, int64_t max,
                 int64_t* out);
// A duration (util/duration.h) in [min_ms, max_ms]; with `zero_means`, also 0, which then means
// what it says ("off", "keep forever").
Status ReadDuration(const YAML::Node& node, const std::string& key, int64_t min_ms, int64_t max_ms,
                    const char* zero_means, int64_t* out);

// ReadInt64 into any integer field; [min, max] must fit T.
template <typename T>
Status ReadInt(const YAML::Node& node, const std::string& key, int64_t min, int64_t max, T* out) {
  static_assert(std::is_integral_v<T>);
  int64_t v = 0;
  Status s = ReadInt64(node, key, min, max, &v);
  if (s.ok()) *out = static_cast<T>(v);
  return s;
}

}  // namespace tidemark::server::config_yaml

#endif  // TIDEMARK_SERVER_CONFIG_YAML_H_
