#include "vaultkeep/schedule/cron.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "kit/base/strings.h"

namespace vk::schedule {
namespace {

struct FieldSpec {
  const char* name;
  unsigned min;
  unsigned max;
  // Names for the values from `min` on (months, weekdays), or null.
  const std::array<const char*, 12>* names;
};

constexpr std::array<const char*, 12> kMonthNames = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 12> kDayNames = {
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "", "", "", "", ""};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day of month", 1, 31, nullptr},
    {"month", 1, 12, &kMonthNames},
    {"day of week", 0, 7, &kDayNames},
}};

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

Status Bad(const FieldSpec& f, std::string_view item, const std::string& why) {
  return InvalidArgument("cron " + std::string(f.name) + " field " +
                         Quote(std::string(item)) + ": " + why);
}

// A number or (where the field has them) a name.
Result<unsigned> Value(const FieldSpec& f, std::string_view item,
                       std::string_view text) {
  if (text.empty()) return Bad(f, item, "a value is missing");
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    unsigned v = 0;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000)
        return Bad(f, item, "not a number");
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v < f.min || v > f.max) {
      return Bad(f, item,
                 std::to_string(v) + " is outside " + std::to_string(f.min) +
                     "-" + std::to_string(f.max));
    }
    return v;
  }
  if (f.names != nullptr && text.size() == 3) {
    for (size_t i = 0; i < f.names->size(); ++i) {
      const char* n = (*f.names)[i];
      bool same = n[0] != '\0';
      for (size_t k = 0; same && k < 3; ++k)
        same = std::toupper(static_cast<unsigned char>(text[k])) == n[k];
      if (same) return f.min + static_cast<unsigned>(i);
    }
  }
  return Bad(f, item, "unknown value " + Quote(std::string(text)));
}

// Sets the values of one comma-separated item; `star` says whether the
// item is a "*" form (for the day-field rule).
Status ParseItem(const FieldSpec& f, std::string_view item,
                 std::vector<bool>* set, bool* star) {
  std::string_view range = item;
  unsigned step = 1;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    std::string_view s = item.substr(slash + 1);
    unsigned v = 0;
    if (s.empty()) return Bad(f, item, "a step is missing after /");
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000)
        return Bad(f, item, "the step is not a number");
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > f.max) return Bad(f, item, "step out of range");
    step = v;
  }
  unsigned lo = f.min, hi = f.max;
  if (range == "*") {
    *star = true;
  } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
    VK_ASSIGN_OR_RETURN(lo, Value(f, item, range.substr(0, dash)));
    VK_ASSIGN_OR_RETURN(hi, Value(f, item, range.substr(dash + 1)));
    if (lo > hi) return Bad(f, item, "the range runs backwards");
  } else {
    VK_ASSIGN_OR_RETURN(lo, Value(f, item, range));
    // "a/n" runs from a to the end; a lone "a" is just a.
    if (step == 1 && item.find('/') == std::string_view::npos) hi = lo;
  }
  for (unsigned v = lo; v <= hi; v += step) (*set)[v] = true;
  return Status::Ok();
}

// All values of one field; `star` when it starts with "*".
Result<std::vector<bool>> ParseField(const FieldSpec& f, std::string_view text,
                                     bool* star) {
  std::vector<bool> set(f.max + 1, false);
  *star = false;
  for (std::string_view item : SplitOn(text, ',')) {
    if (item.empty()) return Bad(f, text, "an empty item");
    bool item_star = false;
    VK_RETURN_IF_ERROR(ParseItem(f, item, &set, &item_star));
    if (item_star && item.data() == text.data()) *star = true;
  }
  return set;
}

template <size_t N>
void Fill(const std::vector<bool>& set, std::bitset<N>* out) {
  for (size_t i = 0; i < set.size() && i < N; ++i) (*out)[i] = set[i];
}

}  // namespace

bool CronFields::DayMatches(unsigned day, unsigned month,
                            unsigned weekday) const {
  if (!months[month]) return false;
  if (days_restricted && weekdays_restricted)
    return days[day] || weekdays[weekday];
  return days[day] && weekdays[weekday];
}

Result<CronFields> ParseCronFields(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::string_view p : SplitOn(text, ' '))
    if (!p.empty()) parts.push_back(p);
  if (parts.size() != kFields.size()) {
    return InvalidArgument(
        "a cron schedule has 5 fields (minute hour "
        "day-of-month month day-of-week), not " +
        std::to_string(parts.size()) + ": " + Quote(std::string(text)));
  }
  CronFields c;
  std::array<std::vector<bool>, 5> sets;
  std::array<bool, 5> stars{};
  for (size_t i = 0; i < kFields.size(); ++i) {
    VK_ASSIGN_OR_RETURN(sets[i], ParseField(kFields[i], parts[i], &stars[i]));
  }
  Fill(sets[0], &c.minutes);
  Fill(sets[1], &c.hours);
  Fill(sets[2], &c.days);
  Fill(sets[3], &c.months);
  Fill(sets[4], &c.weekdays);
  if (sets[4][7]) c.weekdays[0] = true;  // 7 is Sunday too
  c.days_restricted = !stars[2];
  c.weekdays_restricted = !stars[4];
  return c;
}

}  // namespace vk::schedule
