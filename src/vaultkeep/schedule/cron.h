// The five fields of a cron expression (minute hour day-of-month month
// day-of-week), parsed into sets, as Vixie cron and its descendants read
// them:
//   *        every value              a-b      a range
//   a        one value                */n a-b/n a/n   every n-th from the start
//   x,y,...  any of the items         names    JAN-DEC, SUN-SAT (any case)
// Day of week 0 and 7 are both Sunday. When both day fields are
// restricted (neither starts with "*"), a day matches if EITHER does, as
// in Vixie cron; otherwise both must. Written by hand: no Debian package
// parses cron for C++ (docs/schedules.md).
#ifndef VAULTKEEP_SCHEDULE_CRON_H_
#define VAULTKEEP_SCHEDULE_CRON_H_

#include <bitset>
#include <string_view>

#include "kit/base/result.h"

namespace vk::schedule {

struct CronFields {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1..31
  std::bitset<13> months;   // 1..12
  std::bitset<7> weekdays;  // 0 = Sunday
  bool days_restricted = false;
  bool weekdays_restricted = false;

  // Whether a calendar day matches the day fields (weekday 0 = Sunday).
  bool DayMatches(unsigned day, unsigned month, unsigned weekday) const;
};

// kInvalidArgument naming the field and what is wrong with it.
Result<CronFields> ParseCronFields(std::string_view text);

}  // namespace vk::schedule

#endif  // VAULTKEEP_SCHEDULE_CRON_H_
