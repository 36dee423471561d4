#include "store/sqlite/page_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <vector>

namespace hookd::store::sqlite {
namespace {

sqlite3_pcache_methods2 inner;  // SQLite's default cache

// Every live page's key is at most `max_fetched` or is in `renumbered`: pages come into the
// cache through xFetch and change their key only through xRekey.
struct Cache {
  sqlite3_pcache* pages;
  unsigned max_fetched = 0;
  std::vector<unsigned> renumbered;  // keys above max_fetched given by xRekey
};
Cache* Of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int Init(void* arg) { return inner.xInit(arg); }
void Shutdown(void* arg) { inner.xShutdown(arg); }

sqlite3_pcache* Create(int page_size, int extra, int purgeable) {
  sqlite3_pcache* pages = inner.xCreate(page_size, extra, purgeable);
  if (!pages) return nullptr;
  return reinterpret_cast<sqlite3_pcache*>(new Cache{pages});
}
void Cachesize(sqlite3_pcache* p, int n) { inner.xCachesize(Of(p)->pages, n); }
int Pagecount(sqlite3_pcache* p) { return inner.xPagecount(Of(p)->pages); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  Cache* c = Of(p);
  sqlite3_pcache_page* page = inner.xFetch(c->pages, key, create);
  if (page) c->max_fetched = std::max(c->max_fetched, key);
  return page;
}
void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
  inner.xUnpin(Of(p)->pages, page, discard);
}
void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned from, unsigned to) {
  Cache* c = Of(p);
  inner.xRekey(c->pages, page, from, to);
  std::erase(c->renumbered, from);
  if (to > c->max_fetched) c->renumbered.push_back(to);
}
void Truncate(sqlite3_pcache* p, unsigned limit) {  // drops pages with key >= limit
  Cache* c = Of(p);
  bool above = c->max_fetched >= limit || std::any_of(c->renumbered.begin(), c->renumbered.end(),
                                                      [&](unsigned k) { return k >= limit; });
  if (!above) return;
  inner.xTruncate(c->pages, limit);
  c->max_fetched = std::min(c->max_fetched, limit - 1);
  std::erase_if(c->renumbered, [&](unsigned k) { return k >= limit; });
}
void Destroy(sqlite3_pcache* p) {
  inner.xDestroy(Of(p)->pages);
  delete Of(p);
}
void Shrink(sqlite3_pcache* p) { inner.xShrink(Of(p)->pages); }

}  // namespace

void InstallPageCache() {
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner) != SQLITE_OK) return;
  static const sqlite3_pcache_methods2 wrapper{1,         inner.pArg, Init,  Shutdown, Create,
                                               Cachesize, Pagecount,  Fetch, Unpin,    Rekey,
                                               Truncate,  Destroy,    Shrink};
  sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapper);
}

}  // namespace hookd::store::sqlite
