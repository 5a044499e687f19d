#include "vaultkeep/schedule/schedule.h"

#include <date/date.h>
#include <date/tz.h>

#include <cctype>
#include <exception>

#include "kit/base/strings.h"

namespace vk::schedule {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;

// How far Next looks for a cron firing: a February 29 comes within 8
// years (1900 and 2100 are not leap years).
constexpr int kSearchDays = 8 * 366;

struct Shorthand {
  const char* name;
  const char* cron;
};
constexpr Shorthand kShorthands[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

const date::time_zone* Zone(const void* z) {
  return static_cast<const date::time_zone*>(z);
}

// Local wall-clock minute -> instant, in `zone` (null: UTC).
TimePoint ToSys(date::local_time<minutes> local, const date::time_zone* zone) {
  if (zone == nullptr) return TimePoint(local.time_since_epoch());
  // A skipped time maps to the moment of the jump; a repeated one to its
  // first occurrence.
  return zone->to_sys(local, date::choose::earliest);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

date::local_time<minutes> ToLocal(TimePoint t, const date::time_zone* zone) {
  auto m = std::chrono::floor<minutes>(t);
  if (zone == nullptr) return date::local_time<minutes>(m.time_since_epoch());
  return std::chrono::floor<minutes>(zone->to_local(m));
}

}  // namespace

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text.empty()) return InvalidArgument("a duration is empty");
  seconds total{0};
  size_t i = 0;
  while (i < text.size()) {
    uint64_t n = 0;
    size_t digits = 0;
    while (i < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > 100'000'000)
        return InvalidArgument("duration too long: " +
                               Quote(std::string(text)));
      ++i;
      ++digits;
    }
    if (digits == 0 || i == text.size()) {
      return InvalidArgument("duration " + Quote(std::string(text)) +
                             ": write a number and a unit (s, m, h, d), "
                             "e.g. 30s or 1h30m");
    }
    switch (text[i++]) {
      case 's':
        total += seconds(n);
        break;
      case 'm':
        total += minutes(n);
        break;
      case 'h':
        total += std::chrono::hours(n);
        break;
      case 'd':
        total += days(n);
        break;
      default:
        return InvalidArgument("duration " + Quote(std::string(text)) +
                               ": unknown unit (use s, m, h or d)");
    }
  }
  if (total < seconds(1))
    return InvalidArgument("duration " + Quote(std::string(text)) +
                           " is below 1 s");
  return total;
}

Result<Schedule> Schedule::Parse(std::string_view text) {
  Schedule s;
  s.text_ = std::string(text);
  std::string_view rest = Trim(text);
  if (rest.starts_with("@every")) {
    std::string_view d = Trim(rest.substr(6));
    if (d.empty() || d.size() == rest.size() - 6) {
      return InvalidArgument("schedule " + Quote(s.text_) +
                             ": \"@every\" needs an interval, e.g. "
                             "\"@every 30s\"");
    }
    Result<seconds> every = ParseDuration(d);
    if (!every.ok())
      return every.status().WithContext("schedule " + Quote(s.text_));
    s.every_ = *every;
    return s;
  }
  for (const char* prefix : {"CRON_TZ=", "TZ="}) {
    if (!rest.starts_with(prefix)) continue;
    rest.remove_prefix(std::string_view(prefix).size());
    size_t space = rest.find(' ');
    std::string name(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view()
                                           : Trim(rest.substr(space));
    if (name != "UTC") {
      try {
        s.zone_ = date::locate_zone(name);
      } catch (const std::exception&) {
        return InvalidArgument("schedule " + Quote(s.text_) +
                               ": unknown time zone " + Quote(name) +
                               " (a tz database name such as Europe/Berlin)");
      }
    }
    break;
  }
  std::string cron(rest);
  if (rest.starts_with("@")) {
    cron.clear();
    for (const Shorthand& sh : kShorthands)
      if (rest == sh.name) cron = sh.cron;
    if (cron.empty()) {
      return InvalidArgument(
          "schedule " + Quote(s.text_) +
          ": unknown shorthand (use @hourly, @daily, "
          "@weekly, @monthly, @yearly or @every <interval>)");
    }
  }
  Result<CronFields> fields = ParseCronFields(cron);
  if (!fields.ok())
    return fields.status().WithContext("schedule " + Quote(s.text_));
  s.cron_ = *fields;
  const TimePoint probe =
      TimePoint(date::sys_days(date::year(2000) / 1 / 1).time_since_epoch());
  if (s.Next(probe) == TimePoint::max())
    return InvalidArgument("schedule " + Quote(s.text_) + " never fires");
  return s;
}

TimePoint Schedule::Next(TimePoint after) const {
  if (every_.count() > 0) return after + every_;
  const date::time_zone* zone = Zone(zone_);
  // Start at the next whole local minute after `after`.
  date::local_time<minutes> start = ToLocal(after, zone) + minutes(1);
  auto day = std::chrono::floor<days>(start);
  for (int i = 0; i <= kSearchDays; ++i, day += days(1)) {
    date::year_month_day ymd{date::local_days(day)};
    date::weekday wd{date::local_days(day)};
    if (!cron_.DayMatches(static_cast<unsigned>(ymd.day()),
                          static_cast<unsigned>(ymd.month()), wd.c_encoding()))
      continue;
    for (unsigned h = 0; h < 24; ++h) {
      if (!cron_.hours[h]) continue;
      for (unsigned m = 0; m < 60; ++m) {
        if (!cron_.minutes[m]) continue;
        date::local_time<minutes> local =
            day + std::chrono::hours(h) + minutes(m);
        if (local < start) continue;
        TimePoint t = ToSys(local, zone);
        if (t > after) return t;
      }
    }
  }
  return TimePoint::max();
}

std::chrono::seconds Schedule::Interval(TimePoint from) const {
  if (every_.count() > 0) return every_;
  TimePoint a = Next(from);
  TimePoint b = Next(a);
  return std::chrono::duration_cast<seconds>(b - a);
}

std::string Schedule::zone_name() const {
  return zone_ == nullptr ? "UTC" : std::string(Zone(zone_)->name());
}

}  // namespace vk::schedule
