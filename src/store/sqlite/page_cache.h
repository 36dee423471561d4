// SQLite's default page cache, told which truncations have nothing to drop. When a B-tree
// balance reorders sibling pages, SQLite renumbers one of them through a temporary page number
// past the end of the file (the lock-byte page); the default cache then keeps that number as
// its largest key, and the next commit, truncating the cache to the file's size, scans the
// whole cache (8,192 pages for the writer: ~9% of its CPU) although no page is past the end.
// The wrapper tracks which keys a cache can hold and skips such truncations; everything else
// goes to the default cache unchanged.
#pragma once

namespace hookd::store::sqlite {

// Installs the wrapper; call before SQLite initializes (before the first connection opens).
void InstallPageCache();

}  // namespace hookd::store::sqlite
