// Schedule: when a job runs. One of
//   "*/30 * * * *"                    a 5-field cron expression (cron.h),
//   "CRON_TZ=Europe/Berlin 0 2 * * *" in a time zone (also "TZ="; UTC when
//                                     none is given),
//   "@hourly" "@daily" (= "@midnight") "@weekly" "@monthly" "@yearly"
//   (= "@annually")                   the usual cron shorthands, and
//   "@every 30s"                      a fixed interval (s, m, h, d units,
//                                     combinable: "1h30m"; at least 1 s).
//
// Next(t) is the first firing strictly after t. For cron forms it is a
// wall-clock time in the schedule's zone: a local time the clock skips
// (spring forward) fires at the moment the clock jumps, a local time that
// happens twice (fall back) fires once, at its first occurrence. For
// "@every" it is t + interval: the caller passes the time the last run
// started. Time zones come from the system's tz database through
// Howard Hinnant's date library (GCC 12 has no C++20 chrono zones).
#ifndef VAULTKEEP_SCHEDULE_SCHEDULE_H_
#define VAULTKEEP_SCHEDULE_SCHEDULE_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "vaultkeep/schedule/cron.h"

namespace vk::schedule {

using TimePoint = std::chrono::system_clock::time_point;

class Schedule {
 public:
  // kInvalidArgument naming what is wrong (a field, a unit, an unknown
  // zone, a cron expression that never fires).
  static Result<Schedule> Parse(std::string_view text);

  TimePoint Next(TimePoint after) const;

  // The nominal gap between runs: the interval of "@every", for cron the
  // gap between the two firings after `from` (for "a backup is overdue
  // after twice its interval").
  std::chrono::seconds Interval(TimePoint from) const;

  const std::string& text() const { return text_; }
  // "UTC" or the zone's name.
  std::string zone_name() const;

 private:
  Schedule() = default;
  std::string text_;
  std::chrono::seconds every_{0};  // > 0 for "@every"
  CronFields cron_;
  const void* zone_ = nullptr;  // const date::time_zone*; null: UTC
};

// "30s", "5m", "1h30m", "7d": a positive duration in whole seconds.
Result<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace vk::schedule

#endif  // VAULTKEEP_SCHEDULE_SCHEDULE_H_
