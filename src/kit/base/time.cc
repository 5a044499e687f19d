#include "kit/base/time.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "kit/base/strings.h"

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

namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysIn(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` decimal digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, int n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Lit(std::string_view s, size_t* pos, char a, char b = 0) {
  if (*pos >= s.size() || (s[*pos] != a && (b == 0 || s[*pos] != b)))
    return false;
  ++*pos;
  return true;
}

}  // namespace

Result<ZonedTime> ParseRfc3339Zoned(std::string_view s) {
  auto bad = [&](std::string_view why) {
    return Corruption("invalid RFC 3339 time " + Quote(s) + ": " +
                      std::string(why) +
                      " (expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm))");
  };
  size_t pos = 0;
  int Y = 0, M = 0, D = 0, h = 0, m = 0, sec = 0;
  if (!Digits(s, &pos, 4, &Y) || !Lit(s, &pos, '-') ||
      !Digits(s, &pos, 2, &M) || !Lit(s, &pos, '-') ||
      !Digits(s, &pos, 2, &D) || !Lit(s, &pos, 'T', 't') ||
      !Digits(s, &pos, 2, &h) || !Lit(s, &pos, ':') ||
      !Digits(s, &pos, 2, &m) || !Lit(s, &pos, ':') ||
      !Digits(s, &pos, 2, &sec)) {
    return bad("malformed");
  }
  if (M < 1 || M > 12) return bad("month out of range");
  if (D < 1 || D > DaysIn(Y, M)) return bad("day out of range");
  if (h > 23) return bad("hour out of range");
  if (m > 59) return bad("minute out of range");
  if (sec > 59) return bad("second out of range");
  long long frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) frac_ns = frac_ns * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad("empty fraction");
    for (; digits < 9; ++digits) frac_ns *= 10;
  }
  long offset = 0;
  bool utc = Lit(s, &pos, 'Z', 'z');
  if (!utc && pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    long sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!Digits(s, &pos, 2, &oh) || !Lit(s, &pos, ':') ||
        !Digits(s, &pos, 2, &om))
      return bad("malformed time zone");
    if (oh > 23 || om > 59) return bad("time zone offset out of range");
    offset = sign * (oh * 3600L + om * 60L);
  } else if (!utc) {
    return bad("missing time zone");
  }
  if (pos != s.size()) return bad("trailing characters");
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
  constexpr std::time_t kLimit = 9'223'372'035;
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

bool InClockRange(std::chrono::system_clock::time_point t) {
  return t != std::chrono::system_clock::time_point::min() &&
         t != std::chrono::system_clock::time_point::max();
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vk
