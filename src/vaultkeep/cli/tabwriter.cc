#include "vaultkeep/cli/tabwriter.h"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace vk::cli {
namespace {

using Line = std::vector<std::string>;

size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;  // count UTF-8 runes
  return n;
}

class Layout {
 public:
  Layout(std::vector<Line> lines, TabwriterOptions o)
      : lines_(std::move(lines)), opt_(o) {}

  std::string Run() {
    Format(0, lines_.size());
    return out_;
  }

 private:
  void WriteLines(size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out_ += line[j];
        if (j < widths_.size()) {
          size_t w = Width(line[j]);
          if (widths_[j] > w) out_.append(widths_[j] - w, ' ');
        }
      }
      if (i + 1 < lines_.size()) out_ += '\n';
    }
  }

  // Go's tabwriter.format: find blocks of lines that have a tab-terminated
  // cell in the current column, size the column per block, recurse.
  void Format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t t = line0; t < line1; ++t) {
      if (column + 1 >= lines_[t].size()) continue;
      WriteLines(line0, t);
      line0 = t;
      size_t width = opt_.minwidth;
      for (; t < line1; ++t) {
        const Line& line = lines_[t];
        if (column + 1 >= line.size()) break;
        size_t w = Width(line[column]) + opt_.padding;
        if (w > width) width = w;
      }
      widths_.push_back(width);
      Format(line0, t);
      widths_.pop_back();
      line0 = t;
      if (t >= line1) return;
      --t;  // re-examine line t at this column in the next iteration
    }
    WriteLines(line0, line1);
  }

  std::vector<Line> lines_;
  TabwriterOptions opt_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

std::string Tabulate(std::string_view text, TabwriterOptions options) {
  std::vector<Line> lines(1);
  std::string cell;
  for (char c : text) {
    if (c == '\t') {
      lines.back().push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      lines.back().push_back(std::move(cell));
      cell.clear();
      lines.emplace_back();
    } else {
      cell += c;
    }
  }
  lines.back().push_back(std::move(cell));
  return Layout(std::move(lines), options).Run();
}

std::string VaultByteSize(uint64_t bytes) {
  const char* unit = "B";
  double v = static_cast<double>(bytes);
  constexpr uint64_t kKB = 1024, kMB = kKB << 10, kGB = kMB << 10,
                     kTB = kGB << 10;
  if (bytes == 0) return "0";
  if (bytes >= kTB) {
    unit = "TB";
    v /= static_cast<double>(kTB);
  } else if (bytes >= kGB) {
    unit = "GB";
    v /= static_cast<double>(kGB);
  } else if (bytes >= kMB) {
    unit = "MB";
    v /= static_cast<double>(kMB);
  } else if (bytes >= kKB) {
    unit = "KB";
    v /= static_cast<double>(kKB);
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0)
    s.resize(s.size() - 2);
  return s + unit;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  if (u == 0) {
    std::snprintf(buf, sizeof(buf), "%llu B",
                  static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  }
  return buf;
}

}  // namespace vk::cli
