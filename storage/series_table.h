// SeriesTable: series by id in pages of consecutive ids. Ids are handed out in increasing order
// and never reused, so a page is a dense array and a lookup is two indexed loads, touching memory
// in id order when a scraper appends its series in creation order. A page is freed when its last
// series goes.
//
// Thread safety: none; SeriesIndex guards it with its lock.
#ifndef TIDEMARK_STORAGE_SERIES_TABLE_H_
#define TIDEMARK_STORAGE_SERIES_TABLE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "storage/mem_series.h"

namespace tidemark::storage {

class SeriesTable {
 public:
  const std::shared_ptr<MemSeries>* Find(uint64_t id) const {
    const uint64_t p = id >> kPageBits;
    if (p >= pages_.size() || !pages_[p]) return nullptr;
    const auto& slot = pages_[p]->slots[id & kPageMask];
    return slot ? &slot : nullptr;
  }

  void Insert(uint64_t id, std::shared_ptr<MemSeries> series) {
    const uint64_t p = id >> kPageBits;
    if (p >= pages_.size()) pages_.resize(p + 1);
    if (!pages_[p]) pages_[p] = std::make_unique<Page>();
    auto& slot = pages_[p]->slots[id & kPageMask];
    if (!slot) {
      ++pages_[p]->live;
      ++size_;
    }
    slot = std::move(series);
  }

  void Erase(uint64_t id) {
    const uint64_t p = id >> kPageBits;
    if (p >= pages_.size() || !pages_[p]) return;
    auto& slot = pages_[p]->slots[id & kPageMask];
    if (!slot) return;
    slot.reset();
    --size_;
    if (--pages_[p]->live == 0) pages_[p].reset();
  }

  // Calls fn(const std::shared_ptr<MemSeries>&) for every series in id order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const auto& page : pages_) {
      if (!page) continue;
      for (const auto& slot : page->slots) {
        if (slot) fn(slot);
      }
    }
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const {
    size_t pages = 0;
    for (const auto& p : pages_) pages += p ? 1 : 0;
    return pages_.capacity() * sizeof(void*) + pages * sizeof(Page);
  }

 private:
  static constexpr int kPageBits = 12;
  static constexpr uint64_t kPageMask = (uint64_t{1} << kPageBits) - 1;
  struct Page {
    std::array<std::shared_ptr<MemSeries>, size_t{1} << kPageBits> slots;
    uint32_t live = 0;
  };
  std::vector<std::unique_ptr<Page>> pages_;
  size_t size_ = 0;
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SERIES_TABLE_H_
