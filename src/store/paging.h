// Keyset pagination, shared by every store implementation: the iterator format and how a page
// is cut from the rows a backend read.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace hookd::store {

// `iterator` is an opaque cursor from a previous page (the key of its last row); a leading '-'
// walks backwards (the page before the cursor: the key of its first row). Keys compare as bytes
// (ids sort by creation time).
struct PageRequest {
  int limit = 50;
  std::optional<std::string> iterator;
  bool descending = false;
  // Lists of large rows (payloads, bodies) stop short of `limit` once the rows' bytes pass this,
  // with an iterator to the rest; a page always has at least one row. 0: no bound.
  size_t max_bytes = 0;
};

template <class T>
struct Page {
  std::vector<T> data;
  std::optional<std::string> iterator;       // pass to get the next page
  std::optional<std::string> prev_iterator;  // pass to get the previous page
  bool done = true;                          // no further page in the direction walked
};

// What a backend reads for a page: rows whose key is strictly after `after` (when set) in the
// scan direction, ascending or not, at most `fetch` of them (one more than the page, so the
// page knows whether it is the last).
struct KeysetScan {
  bool ascending = true;
  std::optional<std::string> after;
  int fetch = 51;
};

inline KeysetScan ScanFor(const PageRequest& page) {
  bool backwards = page.iterator && page.iterator->starts_with('-');
  KeysetScan scan;
  scan.ascending = page.descending == backwards;
  if (page.iterator) scan.after = backwards ? page.iterator->substr(1) : *page.iterator;
  scan.fetch = page.limit + 1;
  return scan;
}

// How many rows of these sizes (in scan order) fit in `max_bytes` (0: all); at least one.
inline size_t RowsWithin(const std::vector<size_t>& sizes, size_t max_bytes) {
  size_t total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    total += sizes[i];
    if (max_bytes && i > 0 && total > max_bytes) return i;
  }
  return sizes.size();
}

// Cuts the page from the rows read for ScanFor(page), in scan order. `cut`: the rows stopped at
// page.max_bytes, so more follow.
template <class T, class KeyOf>
Page<T> FinishPage(std::vector<T> rows, const PageRequest& page, KeyOf key_of, bool cut = false) {
  bool backwards = page.iterator && page.iterator->starts_with('-');
  Page<T> out;
  out.data = std::move(rows);
  out.done = !cut && out.data.size() <= static_cast<size_t>(page.limit);
  if (out.data.size() > static_cast<size_t>(page.limit)) out.data.pop_back();
  if (backwards) std::reverse(out.data.begin(), out.data.end());
  if (!out.data.empty()) {
    out.iterator = key_of(out.data.back());
    out.prev_iterator = "-" + key_of(out.data.front());
  }
  return out;
}

}  // namespace hookd::store
