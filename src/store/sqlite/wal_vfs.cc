#include "store/sqlite/wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>

namespace hookd::store::sqlite {
namespace {

constexpr int kFrameHeader = 24;          // bytes of a WAL frame's header
constexpr size_t kMaxGathered = 1 << 20;  // written early past this
constexpr size_t kMaxWrite = 0x1ffff;     // the most the default VFS writes in one call
constexpr int kWalWriteLock = 0;          // the WAL's write lock, in SQLite's shm lock slots

sqlite3_vfs* base;  // the default VFS, wrapped
std::atomic<uint64_t> asked{0}, written{0};

// A WAL's gathered frames, shared by the handles on that WAL and on its database in the process.
// Only the connection holding the WAL's write lock writes frames, so only its thread gathers
// or writes them out.
struct Gathered {
  std::mutex mu;
  sqlite3_file* to = nullptr;  // the default VFS's file the bytes go to
  std::string bytes;
  sqlite3_int64 offset = 0;   // of bytes[0]
  sqlite3_int64 end = -1;     // where the frames written so far end; -1: not known yet
  bool header_last = false;   // bytes end with a frame's header: its page comes next
  bool commit_frame = false;  // ... the header of a transaction's commit frame

  int WriteOut() {  // mu held
    int rc = SQLITE_OK;
    for (size_t at = 0; at < bytes.size() && rc == SQLITE_OK; at += kMaxWrite) {
      int n = static_cast<int>(std::min(bytes.size() - at, kMaxWrite));
      written.fetch_add(1, std::memory_order_relaxed);
      rc = to->pMethods->xWrite(to, bytes.data() + at, n, offset + static_cast<sqlite3_int64>(at));
    }
    bytes.clear();
    header_last = commit_frame = false;
    return rc;
  }
  // Writes out what `file` gathered (nothing when another handle gathered it).
  int WriteOutFor(sqlite3_file* file) {
    std::lock_guard lock(mu);
    return to == file ? WriteOut() : SQLITE_OK;
  }
};

std::shared_ptr<Gathered> GatheredFor(const std::string& wal_path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<Gathered>> by_path;
  std::lock_guard lock(mu);
  std::erase_if(by_path, [](const auto& entry) { return entry.second.expired(); });
  auto& slot = by_path[wal_path];
  auto g = slot.lock();
  if (!g) slot = g = std::make_shared<Gathered>();
  return g;
}

// A main database's or a WAL's file: this header, then the default VFS's file.
struct File {
  sqlite3_file base{};
  std::shared_ptr<Gathered> gathered;
  sqlite3_file* real();
};
constexpr int kHeaderSize = (sizeof(File) + 15) & ~15;
sqlite3_file* File::real() {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(this) + kHeaderSize);
}
File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Of(f)->real(); }
const sqlite3_io_methods& M(sqlite3_file* f) { return *Real(f)->pMethods; }

int Close(sqlite3_file* f) {
  File* file = Of(f);
  int out = SQLITE_OK;
  {
    std::lock_guard lock(file->gathered->mu);
    if (file->gathered->to == file->real()) {
      out = file->gathered->WriteOut();
      file->gathered->to = nullptr;
    }
  }
  int rc = M(f).xClose(file->real());
  file->~File();
  return out != SQLITE_OK ? out : rc;
}

// A WAL's methods: appended frames are gathered, anything else writes them out first.
int WalRead(sqlite3_file* f, void* data, int amt, sqlite3_int64 off) {
  if (int rc = Of(f)->gathered->WriteOutFor(Real(f)); rc != SQLITE_OK) return rc;
  return M(f).xRead(Real(f), data, amt, off);
}
int WalWrite(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  asked.fetch_add(1, std::memory_order_relaxed);
  Gathered& g = *Of(f)->gathered;
  std::lock_guard lock(g.mu);
  bool header = amt == kFrameHeader;
  bool appends = off == g.end && (g.bytes.empty() || g.to == Real(f));
  if (appends && header != g.header_last && g.bytes.size() + amt <= kMaxGathered) {
    if (g.bytes.empty()) {
      g.to = Real(f);
      g.offset = off;
    }
    g.bytes.append(static_cast<const char*>(data), amt);
    g.end += amt;
    if (header) {
      auto* h = static_cast<const unsigned char*>(data);
      g.commit_frame = (h[4] | h[5] | h[6] | h[7]) != 0;  // the database size after a commit
      g.header_last = true;
      return SQLITE_OK;
    }
    g.header_last = false;
    return g.commit_frame ? g.WriteOut() : SQLITE_OK;
  }
  if (int rc = g.WriteOut(); rc != SQLITE_OK) return rc;
  written.fetch_add(1, std::memory_order_relaxed);
  int rc = M(f).xWrite(Real(f), data, amt, off);
  g.end = off == 0 ? amt : std::max(g.end, off + amt);  // offset 0: the header of a new WAL
  return rc;
}
int WalTruncate(sqlite3_file* f, sqlite3_int64 size) {
  Gathered& g = *Of(f)->gathered;
  {
    std::lock_guard lock(g.mu);
    if (int rc = g.to == Real(f) ? g.WriteOut() : SQLITE_OK; rc != SQLITE_OK) return rc;
    g.end = -1;
  }
  return M(f).xTruncate(Real(f), size);
}
int WalSync(sqlite3_file* f, int flags) {
  if (int rc = Of(f)->gathered->WriteOutFor(Real(f)); rc != SQLITE_OK) return rc;
  return M(f).xSync(Real(f), flags);
}
int WalFileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = Of(f)->gathered->WriteOutFor(Real(f)); rc != SQLITE_OK) return rc;
  return M(f).xFileSize(Real(f), size);
}

// Unchanged methods.
int Read(sqlite3_file* f, void* data, int amt, sqlite3_int64 off) {
  return M(f).xRead(Real(f), data, amt, off);
}
int Write(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  return M(f).xWrite(Real(f), data, amt, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) { return M(f).xTruncate(Real(f), size); }
int Sync(sqlite3_file* f, int flags) { return M(f).xSync(Real(f), flags); }
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return M(f).xFileSize(Real(f), size); }
int Lock(sqlite3_file* f, int level) { return M(f).xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return M(f).xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) { return M(f).xCheckReservedLock(Real(f), out); }
int FileControl(sqlite3_file* f, int op, void* arg) { return M(f).xFileControl(Real(f), op, arg); }
int SectorSize(sqlite3_file* f) { return M(f).xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return M(f).xDeviceCharacteristics(Real(f)); }
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (M(f).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return M(f).xShmMap(Real(f), region, size, extend, out);
}
// The main database's shm lock: what its WAL still has gathered is written out before the WAL's
// write lock is released (the releasing connection is the one that gathered it).
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  if (M(f).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  if (flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE) && offset <= kWalWriteLock &&
      kWalWriteLock < offset + n) {
    Gathered& g = *Of(f)->gathered;
    std::lock_guard lock(g.mu);
    // Frames of a transaction that did not commit (a commit writes its frames out): nobody
    // reads them, so a failure to write them loses nothing.
    (void)g.WriteOut();
  }
  return M(f).xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  if (M(f).iVersion >= 2) M(f).xShmBarrier(Real(f));
}
int ShmUnmap(sqlite3_file* f, int del) {
  if (M(f).iVersion < 2) return SQLITE_OK;
  return M(f).xShmUnmap(Real(f), del);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
  if (M(f).iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return M(f).xFetch(Real(f), off, amt, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  if (M(f).iVersion < 3) return SQLITE_OK;
  return M(f).xUnfetch(Real(f), off, p);
}

// clang-format off
const sqlite3_io_methods kDbMethods{
    3, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
    FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap,
    Fetch, Unfetch};
// clang-format on
const sqlite3_io_methods kWalMethods = [] {
  sqlite3_io_methods m = kDbMethods;
  m.xRead = WalRead;
  m.xWrite = WalWrite;
  m.xTruncate = WalTruncate;
  m.xSync = WalSync;
  m.xFileSize = WalFileSize;
  return m;
}();

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  bool wal = flags & SQLITE_OPEN_WAL;
  if (!name || !(wal || (flags & SQLITE_OPEN_MAIN_DB)))
    return base->xOpen(base, name, f, flags, out_flags);  // the default VFS's file as it is
  File* file = new (f) File{};
  if (int rc = base->xOpen(base, name, file->real(), flags, out_flags); rc != SQLITE_OK) {
    if (file->real()->pMethods) file->real()->pMethods->xClose(file->real());
    file->~File();
    f->pMethods = nullptr;
    return rc;
  }
  file->gathered = GatheredFor(wal ? name : sqlite3_filename_wal(name));
  f->pMethods = wal ? &kWalMethods : &kDbMethods;
  return SQLITE_OK;
}

// The rest is the default VFS's, called with itself.
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return base->xDelete(base, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base->xAccess(base, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return base->xFullPathname(base, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return base->xDlOpen(base, name); }
void DlError(sqlite3_vfs*, int n, char* out) { base->xDlError(base, n, out); }
void (*DlSym(sqlite3_vfs*, void* lib, const char* sym))(void) {
  return base->xDlSym(base, lib, sym);
}
void DlClose(sqlite3_vfs*, void* lib) { base->xDlClose(base, lib); }
int Randomness(sqlite3_vfs*, int n, char* out) { return base->xRandomness(base, n, out); }
int Sleep(sqlite3_vfs*, int us) { return base->xSleep(base, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return base->xCurrentTime(base, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return base->xGetLastError(base, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return base->xCurrentTimeInt64(base, out);
}
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return base->xSetSystemCall(base, name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) {
  return base->xGetSystemCall(base, name);
}
const char* NextSystemCall(sqlite3_vfs*, const char* name) {
  return base->xNextSystemCall(base, name);
}

}  // namespace

void InstallWalVfs() {
  static sqlite3_vfs vfs;
  static std::once_flag once;
  std::call_once(once, [] {
    base = sqlite3_vfs_find(nullptr);
    vfs = {std::min(base->iVersion, 3),
           kHeaderSize + base->szOsFile,
           base->mxPathname,
           nullptr,
           "hookd",
           nullptr,
           Open,
           Delete,
           Access,
           FullPathname,
           DlOpen,
           DlError,
           DlSym,
           DlClose,
           Randomness,
           Sleep,
           CurrentTime,
           GetLastError,
           CurrentTimeInt64,
           SetSystemCall,
           GetSystemCall,
           NextSystemCall};
    sqlite3_vfs_register(&vfs, 1);
  });
}

WalWriteCounts WalWrites() {
  return {asked.load(std::memory_order_relaxed), written.load(std::memory_order_relaxed)};
}

}  // namespace hookd::store::sqlite
