// Myers' diff over lines, printed as hunks of a unified diff (see unified_diff.hpp).
#include "unified_diff.hpp"

#include <algorithm>
#include <vector>

namespace bandwatch::cli {
namespace {

struct Line {
  std::string_view text;  // without its newline
  bool newline = true;    // false for a last line without one
  friend bool operator==(const Line&, const Line&) = default;
};

std::vector<Line> split(std::string_view text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back({text.substr(start), false});
      break;
    }
    lines.push_back({text.substr(start, end - start), true});
    start = end + 1;
  }
  return lines;
}

enum class Kind { same, removed, added };
struct Edit {
  Kind kind;
  std::size_t a, b;  // line indices in before and after (the one that applies)
};

/// The shortest edit script from `a` to `b`, in order.
std::vector<Edit> edit_script(const std::vector<Line>& a, const std::vector<Line>& b) {
  const auto n = static_cast<long>(a.size()), m = static_cast<long>(b.size());
  const long max = n + m;
  std::vector<long> v(static_cast<std::size_t>(2 * max + 2), 0);
  std::vector<std::vector<long>> trace;
  auto at = [&](std::vector<long>& vec, long k) -> long& { return vec[static_cast<std::size_t>(k + max + 1)]; };
  long x = 0, y = 0;
  bool done = false;
  for (long d = 0; d <= max && !done; ++d) {
    trace.push_back(v);
    for (long k = -d; k <= d; k += 2) {
      if (k == -d || (k != d && at(v, k - 1) < at(v, k + 1))) x = at(v, k + 1);
      else x = at(v, k - 1) + 1;
      y = x - k;
      while (x < n && y < m && a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]) ++x, ++y;
      at(v, k) = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  std::vector<Edit> edits;
  x = n;
  y = m;
  for (long d = static_cast<long>(trace.size()) - 1; d >= 0; --d) {
    std::vector<long>& vd = trace[static_cast<std::size_t>(d)];
    long k = x - y;
    long prev_k = (k == -d || (k != d && at(vd, k - 1) < at(vd, k + 1))) ? k + 1 : k - 1;
    long prev_x = at(vd, prev_k);
    long prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x, --y;
      edits.push_back({Kind::same, static_cast<std::size_t>(x), static_cast<std::size_t>(y)});
    }
    if (d > 0) {
      if (x == prev_x) edits.push_back({Kind::added, static_cast<std::size_t>(x), static_cast<std::size_t>(prev_y)});
      else edits.push_back({Kind::removed, static_cast<std::size_t>(prev_x), static_cast<std::size_t>(y)});
    }
    x = prev_x;
    y = prev_y;
  }
  std::reverse(edits.begin(), edits.end());
  return edits;
}

std::string range(std::size_t start, std::size_t length) {
  // diff numbers lines from 1; an empty range names the line before it.
  if (length == 0) return std::to_string(start) + ",0";
  if (length == 1) return std::to_string(start + 1);
  return std::to_string(start + 1) + "," + std::to_string(length);
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after, std::string_view before_name,
                         std::string_view after_name, int context) {
  if (before == after) return "";
  std::vector<Line> a = split(before), b = split(after);
  std::vector<Edit> edits = edit_script(a, b);
  std::string out = "--- " + std::string(before_name) + "\n+++ " + std::string(after_name) + "\n";
  auto ctx = static_cast<std::size_t>(std::max(0, context));
  std::size_t i = 0;
  while (i < edits.size()) {
    if (edits[i].kind == Kind::same) {
      ++i;
      continue;
    }
    // A hunk: from `ctx` lines before this change to `ctx` lines after the last change that is
    // no more than 2 * ctx unchanged lines from the one before it.
    std::size_t first = i >= ctx ? i - ctx : 0;
    while (first < i && edits[first].kind != Kind::same) ++first;
    std::size_t last = i;
    for (std::size_t j = i; j < edits.size(); ++j) {
      if (edits[j].kind != Kind::same) {
        last = j;
        continue;
      }
      if (j - last > 2 * ctx) break;
    }
    std::size_t end = std::min(edits.size(), last + 1 + ctx);
    std::size_t a_start = edits[first].a;
    std::size_t b_start = edits[first].b;
    std::size_t a_length = 0, b_length = 0;
    std::string body;
    for (std::size_t j = first; j < end; ++j) {
      const Edit& e = edits[j];
      const Line& line = e.kind == Kind::added ? b[e.b] : a[e.a];
      char mark = e.kind == Kind::same ? ' ' : e.kind == Kind::added ? '+' : '-';
      if (e.kind != Kind::added) ++a_length;
      if (e.kind != Kind::removed) ++b_length;
      body += mark;
      body += line.text;
      body += '\n';
      if (!line.newline) body += "\\ No newline at end of file\n";
    }
    out += "@@ -" + range(a_start, a_length) + " +" + range(b_start, b_length) + " @@\n" + body;
    i = end;
  }
  return out;
}

}  // namespace bandwatch::cli
