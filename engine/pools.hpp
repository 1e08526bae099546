// Private to engine/: the compact containers the series store and the program are built from:
// open-addressing indexes, a vector whose elements never move, and interning pools for label
// names, values and label sets. Header-only: they sit on the ingest hot path.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
  StringPool() = default;
  StringPool(StringPool&&) noexcept = default;
  StringPool& operator=(StringPool&&) noexcept = default;
  // A copy keeps every id: the state's pool starts as a copy of the program's, so the ids the
  // program compiled into its expressions mean the same strings in the state.
  StringPool(const StringPool& other) : strings_(other.strings_), index_(other.index_), bytes_(other.bytes_) {
    views_.reserve(strings_.size());
    for (const std::string& s : strings_) views_.push_back(s);
  }
  StringPool& operator=(const StringPool& other) {
    if (this != &other) *this = StringPool(other);
    return *this;
  }
  std::size_t size() const { return views_.size(); }
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

}  // namespace bandwatch::engine::detail
