// The series a selection found, read from stored blocks and the head in batches and handed out
// in the selection's order. With a read pool, helper threads read and decode the next batches
// while the caller evaluates the current one, so a large selection uses more than one core
// (docs/architecture.md, "Reading a selection").
#ifndef TIDEMARK_STORAGE_DB_SERIES_SET_H_
#define TIDEMARK_STORAGE_DB_SERIES_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "storage/mem_series.h"
#include "tidemark/querier.h"

namespace tidemark::util {
class ThreadPool;
}

namespace tidemark::storage {

class DbEngine;

// `read_pool` null: every batch is read on the caller's thread, one at a time. `projection`
// non-null: the series' label sets hold only the labels it names (sorted; SelectHints).
// `summarize`: series may be answered in brief (SelectHints::window_summary).
std::unique_ptr<SeriesSet> NewDbSeriesSet(DbEngine* engine,
                                          std::vector<std::shared_ptr<MemSeries>> series,
                                          int64_t mint, int64_t maxt, util::ThreadPool* read_pool,
                                          const std::vector<std::string>* projection = nullptr,
                                          bool summarize = false);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_DB_SERIES_SET_H_
