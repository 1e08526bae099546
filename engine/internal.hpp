// Internal to engine/: interning pools, the series store and the compiled program. Not a public
// header; only engine/*.cpp and tests/engine include it.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/engine.hpp"
#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::engine::detail {

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

inline std::uint64_t mix64(std::uint64_t x) {
  // splitmix64 finaliser: cheap and good enough to spread small integers over a table.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// Open-addressing index of ids whose keys live elsewhere: the caller gives the hash and an
/// equality test against an id. Keeps the stored hash so growing never re-reads keys.
class FlatIndex {
 public:
  template <typename Eq>
  std::uint32_t find(std::uint64_t hash, Eq&& eq) const {
    if (ids_.empty()) return kNone;
    std::size_t mask = ids_.size() - 1;
    std::uint32_t tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::uint32_t id = ids_[i];
      if (id == kNone) return kNone;
      if (tags_[i] == tag && eq(id)) return id;
    }
  }
  /// Adds an id known to be absent.
  void insert(std::uint64_t hash, std::uint32_t id) {
    if ((size_ + 1) * 2 > ids_.size()) grow();
    place(hash, id);
    ++size_;
  }
  std::size_t bytes() const { return ids_.capacity() * 4 + tags_.capacity() * 4 + lows_.capacity() * 4; }

 private:
  void place(std::uint64_t hash, std::uint32_t id) {
    std::size_t mask = ids_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      if (ids_[i] == kNone) {
        ids_[i] = id;
        tags_[i] = static_cast<std::uint32_t>(hash >> 32);
        lows_[i] = static_cast<std::uint32_t>(hash);
        return;
      }
    }
  }
  void grow() {
    std::vector<std::uint32_t> ids = std::move(ids_), tags = std::move(tags_), lows = std::move(lows_);
    std::size_t n = ids.empty() ? 16 : ids.size() * 2;
    ids_.assign(n, kNone);
    tags_.assign(n, 0);
    lows_.assign(n, 0);
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (ids[i] != kNone) place((std::uint64_t{tags[i]} << 32) | lows[i], ids[i]);
  }
  std::vector<std::uint32_t> ids_, tags_, lows_;
  std::size_t size_ = 0;
};

/// Open-addressing map from 64-bit keys to 32-bit ids, keys stored inline: a lookup touches one
/// cache line (the series index is the hottest lookup of ingest). ~0 is never a key.
class U64Map {
 public:
  std::uint32_t find(std::uint64_t key) const {
    if (slots_.empty()) return kNone;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.value;
      if (s.key == kEmpty) return kNone;
    }
  }
  void insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(key, value);
    ++size_;
  }
  void clear() {
    slots_.clear();
    size_ = 0;
  }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  struct Slot {
    std::uint64_t key = kEmpty;
    std::uint32_t value = 0;
  };
  void place(std::uint64_t key, std::uint32_t value) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask)
      if (slots_[i].key == kEmpty) {
        slots_[i] = {key, value};
        return;
      }
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    for (const Slot& s : old)
      if (s.key != kEmpty) place(s.key, s.value);
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

/// A vector whose elements never move: fixed-size chunks, so growing copies no element and a
/// reference stays valid (alerts are referenced while new ones open).
template <typename T, std::size_t ChunkBits = 10>
class ChunkedVector {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << ChunkBits;
  T& operator[](std::size_t i) { return chunks_[i >> ChunkBits][i & (kChunk - 1)]; }
  const T& operator[](std::size_t i) const { return chunks_[i >> ChunkBits][i & (kChunk - 1)]; }
  std::size_t size() const { return size_; }
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    return (*this)[size_++];
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f((*this)[i]);
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

inline std::uint64_t hash_string(std::string_view s) {
  return mix64(std::hash<std::string_view>{}(s));
}

/// Strings (label names and values) interned to dense ids. `str` views stay valid for the
/// pool's lifetime.
class StringPool {
 public:
  std::uint32_t intern(std::string_view s) {
    std::uint64_t h = hash_string(s);
    std::uint32_t id = index_.find(h, [&](std::uint32_t i) { return views_[i] == s; });
    if (id != kNone) return id;
    id = static_cast<std::uint32_t>(strings_.size());
    views_.push_back(strings_.emplace_back(s));
    bytes_ += s.size() + sizeof(std::string) + sizeof(std::string_view);
    index_.insert(h, id);
    return id;
  }
  std::uint32_t find(std::string_view s) const {
    return index_.find(hash_string(s), [&](std::uint32_t i) { return views_[i] == s; });
  }
  std::string_view str(std::uint32_t id) const { return views_[id]; }
  std::size_t bytes() const { return bytes_ + index_.bytes(); }

 private:
  std::deque<std::string> strings_;      // a deque never moves its elements: views stay valid
  std::vector<std::string_view> views_;  // the same, one indexing step away
  FlatIndex index_;
  std::size_t bytes_ = 0;
};

struct LabelPair {
  std::uint32_t name = 0;
  std::uint32_t value = 0;
  friend bool operator==(const LabelPair&, const LabelPair&) = default;
};

/// Label sets interned to dense ids. A set's pairs are in canonical order: by label name
/// (string order), so sets compare and print without sorting.
class LabelSetPool {
 public:
  LabelSetPool() { offsets_.push_back(0); }
  static std::uint64_t hash(std::span<const LabelPair> pairs) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ pairs.size();
    for (const LabelPair& p : pairs) h = mix64(h ^ ((std::uint64_t{p.name} << 32) | p.value));
    return h;
  }
  std::uint32_t intern(std::span<const LabelPair> pairs) {
    std::uint64_t h = hash(pairs);
    std::uint32_t id = index_.find(h, [&](std::uint32_t i) { return equal(i, pairs); });
    if (id != kNone) return id;
    id = static_cast<std::uint32_t>(offsets_.size() - 1);
    data_.insert(data_.end(), pairs.begin(), pairs.end());
    offsets_.push_back(static_cast<std::uint32_t>(data_.size()));
    index_.insert(h, id);
    return id;
  }
  std::uint32_t find(std::span<const LabelPair> pairs) const {
    return index_.find(hash(pairs), [&](std::uint32_t i) { return equal(i, pairs); });
  }
  std::span<const LabelPair> get(std::uint32_t id) const {
    return {data_.data() + offsets_[id], data_.data() + offsets_[id + 1]};
  }
  std::size_t bytes() const { return data_.capacity() * sizeof(LabelPair) + offsets_.capacity() * 4 + index_.bytes(); }

 private:
  bool equal(std::uint32_t id, std::span<const LabelPair> pairs) const {
    std::span<const LabelPair> have = get(id);
    if (have.size() != pairs.size()) return false;
    for (std::size_t i = 0; i < have.size(); ++i)
      if (!(have[i] == pairs[i])) return false;
    return true;
  }
  std::vector<LabelPair> data_;
  std::vector<std::uint32_t> offsets_;
  FlatIndex index_;
};

struct Point {
  Date date;
  double value = 0;
};

/// One series: a metric and a label set, with its bounded history, oldest first.
struct Series {
  std::uint32_t metric = 0;
  std::uint32_t labels = 0;
  std::uint32_t index_in_metric = 0;  // dense per metric: indexes per-rule and per-indicator slots
  std::vector<Point> history;

  const Point* at(Date date) const {
    for (std::size_t i = history.size(); i-- > 0;) {
      if (history[i].date == date) return &history[i];
      if (history[i].date < date) return nullptr;
    }
    return nullptr;
  }
};

// ---- compiled expressions -------------------------------------------------------------------

enum class Node : std::uint8_t {
  constant,       // number
  ref,            // current value of a metric series (ref)
  label_eq,       // label `a` of the driver == value id `b` (negated: !=)
  label_in,       // label `a` of the driver in set (negated: not in)
  labels_equal,   // label a == label b of the driver (negated: !=)
  add, subtract, multiply, divide,
  less, less_equal, greater, greater_equal, equal, not_equal,
  logical_and, logical_or, logical_not, negate,
  age_compare,    // child `a` (an age in days) compared (cmp) with a calendar duration
  history,        // fn over the history of ref
  abs_value,
  min2, max2,
};

enum class HistoryFn : std::uint8_t { pct_change, change, prev, avg_over, sum_over, min_over, max_over };

struct ExprNode {
  Node op = Node::constant;
  Node cmp = Node::less;     // age_compare: the comparison, duration on the right
  HistoryFn fn = HistoryFn::prev;
  bool negated = false;
  std::uint32_t a = kNone, b = kNone;  // children, or label name ids
  std::uint32_t ref = kNone;
  double number = 0;
  Duration duration;
  bool has_duration = false;
  std::vector<std::uint32_t> set;  // label_in: sorted value ids
};

/// How a metric reference finds its series from the driver series of the evaluation.
enum class Join : std::uint8_t { self, scalar, project };

struct MetricRef {
  std::uint32_t metric = 0;
  Join join = Join::self;
  std::vector<LabelPair> eq;       // label="v" matchers
  std::vector<LabelPair> ne;       // label!="v" matchers
  std::vector<std::uint32_t> project;  // label names taken from the driver (canonical order)
};

/// A set of expression trees evaluated per series of one driver metric.
struct ExprProgram {
  std::uint32_t driver = kNone;  // metric id
  std::vector<ExprNode> nodes;
  std::vector<MetricRef> refs;
  std::vector<std::uint32_t> reads;  // metric ids read (for dirtiness)
};

// ---- compiled items ---------------------------------------------------------------------------

enum class AggKind : std::uint8_t { count, sum, avg, min, max, share };

struct DerivedC {
  std::uint32_t metric = 0;
  ExprProgram program;
  std::uint32_t root = kNone;
  bool aggregate = false;
  AggKind agg = AggKind::sum;
  bool boolean_arg = false;             // count/share of a condition
  std::vector<std::uint32_t> by;        // grouping label names, canonical order
};

struct MetricC {
  std::string name;
  ast::Unit unit = ast::Unit::none;
  bool derived = false;
  bool anonymous = false;               // an aggregate written inside a rule
  std::uint32_t derived_index = kNone;
  std::vector<std::uint32_t> labels;    // declared label names, canonical order
  std::vector<std::string_view> label_strings;  // same, as text (for fast ingest matching)
  std::int32_t keep_points = 2;         // history retention: at least this many points
  std::int32_t keep_days = 0;           // and every point within this many days of the newest
  // store
  std::vector<std::uint32_t> series;    // by index_in_metric
  // label set -> series id, one table per metric: extracts send a metric's series in a run, and
  // a small table stays in cache for the run where one table of every series would miss on each.
  U64Map series_by_labels;
  std::vector<Date> batch_dates;        // distinct dates with data, sorted, bounded
  bool has_snapshot = false;
  Date snapshot;                        // the batch the last evaluation read
  bool direct = false;                  // derived, but read from samples sent for it
  bool dirty = true;                    // samples arrived since the last evaluation
  bool changed = false;                 // this evaluation reads different data than the last
  std::vector<std::uint32_t> current;   // series ids in the snapshot
  std::vector<std::uint32_t> sorted;    // series ids in label order (all series)
  std::size_t sorted_count = 0;         // series count when `sorted` was built
};

struct BandC {
  ast::Colour colour = ast::Colour::green;
  bool has_lower = false, lower_inclusive = true, has_upper = false, upper_inclusive = true;
  double lower = 0, upper = 0;
};

struct BandSetC {
  std::vector<BandC> bands;
  std::uint32_t where = kNone;  // root in the indicator's program
  bool has_from = false;
  Date from;
  std::size_t source_index = 0;
  std::string target;
};

struct IndicatorSlot {
  bool has = false;          // a current value
  bool banded = false;       // `band` holds a previous classification
  Band band = Band::green;
  Trend trend = Trend::none;
  double value = 0, raw = 0;
  Date date;
  std::uint32_t band_set = kNone;
  std::uint32_t alert = kNone;
  // The evaluation that last classified this slot: it was updated by the latest one when equal
  // to the engine's stamp, so an evaluation never has to touch the slots of unchanged metrics.
  std::uint32_t stamp = kNone;
};

struct IndicatorC {
  std::string name, title, group;
  ast::Unit unit = ast::Unit::none;
  ast::Better better = ast::Better::unspecified;
  ast::Frame frame = ast::Frame::unspecified;
  std::uint32_t metric = 0;
  int round = -1;
  ExprProgram program;       // driver: the indicator's metric (where clauses, cohort)
  std::uint32_t cohort = kNone;  // root node reading the cohort metric
  double cohort_minimum = 0;
  std::vector<std::string> routes;  // forums told when a value leaves green
  std::vector<BandSetC> band_sets;  // in priority order: scoped first, later `from` first, source order
  std::vector<IndicatorSlot> slots;  // by series index_in_metric
  std::vector<std::uint32_t> live;   // live alert slots
};

struct EscalationC {
  ast::Colour severity = ast::Colour::red;
  Duration after;
  std::string to_route;
};

enum class Segment : std::uint8_t { text, value, label, rule, title, severity, as_of, since };
struct MessagePart {
  Segment kind = Segment::text;
  std::string text;
  std::uint32_t label = kNone;
};

struct RuleSlot {
  std::uint32_t alert = kNone;
};

struct RuleC {
  std::string name, title;
  ExprProgram program;
  std::uint32_t when = kNone, unless = kNone, clear = kNone, value = kNone;
  ast::Unit value_unit = ast::Unit::none;
  ast::Colour severity = ast::Colour::amber;
  std::int64_t for_periods = 0;
  std::vector<EscalationC> escalations;
  std::vector<std::string> routes;
  std::vector<MessagePart> message;  // empty: the default message
  std::vector<RuleSlot> slots;       // by driver series index_in_metric
  std::vector<std::uint32_t> live;
};

/// `expect every`: a metric, indicator or extract whose data must keep arriving.
struct StaleC {
  std::string name;
  std::vector<std::uint32_t> metrics;
  Duration every;
  std::uint32_t alert = kNone;
};

enum class ItemKind : std::uint8_t { indicator, rule };
struct ItemRef {
  ItemKind kind;
  std::uint32_t index;
};

struct BenchmarkValue {
  double value = 0;
};

/// Hash for maps keyed by std::string that are searched with a string_view (no temporary).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameMap = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

/// Everything compiled from the rules files.
struct Program {
  std::vector<MetricC> metrics;
  NameMap metric_ids;  // sendable and derived metrics
  std::vector<DerivedC> derived;        // in dependency order
  std::vector<IndicatorC> indicators;
  std::vector<RuleC> rules;
  std::vector<StaleC> stale;
  std::vector<ItemRef> order;           // indicators and rules in source order
  NameMap indicator_ids, rule_ids, stale_ids;
};

/// Compiles `files` into `program`, interning names into `strings`. Returns diagnostics
/// (errors mean the program must not be used).
std::vector<Diagnostic> compile(const std::vector<ast::File>& files, StringPool& strings,
                                Program& program);

/// Unit-aware formatting shared by events and reports.
std::string format_number(double value, int max_decimals);

/// Rounds half away from zero at `decimals` places, forgiving binary representation error
/// (2.675 rounds to 2.68 as written).
double round_decimal(double value, int decimals);

}  // namespace bandwatch::engine::detail
