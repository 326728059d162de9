// Series records of the `series` column family (storage/kv_layout.h): labels, time bounds and the
// last value. What decodes re-encodes and decodes the same.
#include "storage/kv_layout.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  storage::SeriesRecord record;
  if (!storage::DecodeSeriesRecord(fuzz::AsView(data, size), &record)) return 0;
  storage::SeriesRecord again;
  if (!storage::DecodeSeriesRecord(storage::EncodeSeriesRecord(record), &again))
    fuzz::Fail("re-encoded series record does not decode");
  if (!(again.labels == record.labels) || again.min_time != record.min_time ||
      again.max_time != record.max_time || again.last_value_bits != record.last_value_bits)
    fuzz::Fail("series record differs after a round trip");
  return 0;
}
