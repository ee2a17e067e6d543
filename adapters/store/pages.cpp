#include "adapters/store/pages.hpp"

#include <cassert>

namespace onestop::store {

void walk_pages(int page_size, const ReadPage& read_page,
                const std::function<bool(const StoredRecord&)>& visit) {
  assert(page_size > 0);  // a page of none would never come back short
  std::int64_t after = 0;
  for (;;) {
    const std::vector<StoredRecord> page = read_page(after, page_size);
    for (const StoredRecord& r : page) {
      if (!visit(r)) return;
      after = r.id;
    }
    if (page.size() < static_cast<std::size_t>(page_size)) return;
  }
}

}  // namespace onestop::store
