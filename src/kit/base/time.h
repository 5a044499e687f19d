// Times as Go and restic write them: RFC 3339 in UTC with nanoseconds
// ("2026-11-28T04:40:56.967579907Z"; trailing zeros of the fraction are
// dropped, as Go's RFC3339Nano does: "2024-05-01T02:00:00Z"). The parser also
// takes fewer fraction digits and a "+hh:mm" / "-hh:mm" zone, as Go's encoder
// may produce.
#ifndef KIT_BASE_TIME_H_
#define KIT_BASE_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk {

std::string FormatRfc3339(std::chrono::system_clock::time_point t);

// The current time in whole seconds since the Unix epoch.
int64_t UnixNow();
struct ZonedTime {
  std::chrono::system_clock::time_point time;
  int32_t utc_offset_seconds = 0;  // "-05:00" is -18000; "Z" is 0
};
// As ParseRfc3339, keeping the zone the time was written in (restic's
// forget buckets by the snapshot's own calendar fields).
Result<ZonedTime> ParseRfc3339Zoned(std::string_view s);
// kCorruption on anything that is not an RFC 3339 date-time, strictly:
// every field in range (month 1-12, the day within its month, leap years
// counted, hour 0-23, minute and second 0-59, zone offset up to 23:59),
// nothing normalized. Times outside what system_clock holds (years
// 1678-2261) clamp to its min() / max().
Result<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s);
// False for the clamped ends ParseRfc3339 maps far-off times to: a time
// the user gives must be inside the range to be recorded as given.
bool InClockRange(std::chrono::system_clock::time_point t);

}  // namespace vk

#endif  // KIT_BASE_TIME_H_
