// Walking the ledger's records a page at a time, as scan() and scan_year() of every engine do.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "adapters/store/ledger.hpp"

namespace onestop::store {

// Up to `limit` records with id > after_id, in id order: one page, read however the engine
// reads (each call its own read, or all in one snapshot: the caller decides).
using ReadPage = std::function<std::vector<StoredRecord>(std::int64_t after_id, int limit)>;

// Visits every record the pages of `read_page` hold, in order: the first page after id 0, each
// next one after the last record visited, until a page holds fewer than `page_size` records or
// `visit` returns false. At most one page is in memory at a time.
void walk_pages(int page_size, const ReadPage& read_page,
                const std::function<bool(const StoredRecord&)>& visit);

}  // namespace onestop::store
