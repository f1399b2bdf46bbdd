// The Redis version Shoal answers as (INFO redis_version, HELLO, the RDB redis-ver field, Lua's
// redis.REDIS_VERSION).
#pragma once

namespace shoal {

inline constexpr char kRedisVersion[] = "7.0.15";

}  // namespace shoal
