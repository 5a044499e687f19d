#include "base/time.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace vk {

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
          .count();
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  long long frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lld",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, frac);
  // Go's RFC3339Nano drops trailing zeros of the fraction (and the dot).
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out + "Z";
}

Result<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s) {
  VK_ASSIGN_OR_RETURN(ZonedTime z, ParseRfc3339Zoned(s));
  return z.time;
}

Result<ZonedTime> ParseRfc3339Zoned(std::string_view s) {
  int Y, M, D, h, m, sec, n = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m,
                  &sec, &n) != 6 ||
      n != 19) {
    return Corruption("invalid RFC 3339 time \"" + str + "\"");
  }
  size_t pos = 19;
  long long frac_ns = 0;
  if (pos < str.size() && str[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < str.size() &&
           std::isdigit(static_cast<unsigned char>(str[pos]))) {
      if (digits < 9) frac_ns = frac_ns * 10 + (str[pos] - '0');
      ++digits;
      ++pos;
    }
    for (; digits < 9; ++digits) frac_ns *= 10;
  }
  long offset = 0;
  if (pos < str.size() && (str[pos] == 'Z' || str[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == str.size() && (str[pos] == '+' || str[pos] == '-') &&
             str[pos + 3] == ':') {
    int oh = std::atoi(str.substr(pos + 1, 2).c_str());
    int om = std::atoi(str.substr(pos + 4, 2).c_str());
    offset = (str[pos] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    pos += 6;
  } else {
    return Corruption("invalid RFC 3339 time zone in \"" + str + "\"");
  }
  if (pos != str.size())
    return Corruption("invalid RFC 3339 time \"" + str + "\"");
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm) - offset;
  // system_clock counts nanoseconds in 64 bits (years 1678-2261). Times
  // outside, such as Go's zero time 0001-01-01T00:00:00Z that restic writes
  // for unknown times, are valid input and clamp to the range's ends.
  constexpr std::time_t kLimit = 9'000'000'000;
  ZonedTime z{.utc_offset_seconds = static_cast<int32_t>(offset)};
  if (t < -kLimit) {
    z.time = std::chrono::system_clock::time_point::min();
  } else if (t > kLimit) {
    z.time = std::chrono::system_clock::time_point::max();
  } else {
    z.time = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(t) + std::chrono::nanoseconds(frac_ns)));
  }
  return z;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vk
