// Reading members of the daemon's JSON replies without copying them. Internal to report/sources.
#pragma once

#include <nlohmann/json.hpp>

namespace bandwatch::report {

/// A member of `object`, or `fallback` when absent: a reference, not a copy (json::value copies).
inline const nlohmann::json& field(const nlohmann::json& object, const char* key, const nlohmann::json& fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() ? *it : fallback;
}

inline const nlohmann::json kNull = nullptr;
inline const nlohmann::json kEmptyArray = nlohmann::json::array();
inline const nlohmann::json kEmptyObject = nlohmann::json::object();

}  // namespace bandwatch::report
