// LD_PRELOAD shim for disk-fault tests: makes writes or syncs of files under HOOKD_FAULT_DIR fail,
// on command. On SIGUSR1 it reads the file HOOKD_FAULT_CONTROL: "enospc" makes writes fail with
// ENOSPC (a full disk), "eio" makes fsync/fdatasync fail with EIO (a failing disk), anything else
// ends the faults. Other files, and everything before the first SIGUSR1, are untouched.
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

enum Mode { kNone, kFull, kFailingSync };
volatile sig_atomic_t mode = kNone;
char control[512];
char dir[512];

void OnSignal(int) {
  int saved = errno;
  char buf[16] = {0};
  int fd = open(control, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
  if (fd >= 0) close(fd);
  mode = n >= 6 && std::memcmp(buf, "enospc", 6) == 0 ? kFull
         : n >= 3 && std::memcmp(buf, "eio", 3) == 0  ? kFailingSync
                                                      : kNone;
  errno = saved;
}

__attribute__((constructor)) void Init() {
  const char* c = std::getenv("HOOKD_FAULT_CONTROL");
  const char* d = std::getenv("HOOKD_FAULT_DIR");
  if (!c || !d) return;
  std::snprintf(control, sizeof control, "%s", c);
  std::snprintf(dir, sizeof dir, "%s", d);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
}

bool UnderDir(int fd) {
  char link[64], path[1024];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = 0;
  return std::strncmp(path, dir, std::strlen(dir)) == 0;
}

bool Fails(int fd, Mode when, int err) {
  if (mode != when || !UnderDir(fd)) return false;
  errno = err;
  return true;
}

template <class F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t n) {
  static auto next = Next<ssize_t (*)(int, const void*, size_t)>("write");
  return Fails(fd, kFull, ENOSPC) ? -1 : next(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  static auto next = Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  return Fails(fd, kFull, ENOSPC) ? -1 : next(fd, buf, n, at);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t at) {
  static auto next = Next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  return Fails(fd, kFull, ENOSPC) ? -1 : next(fd, buf, n, at);
}
ssize_t writev(int fd, const iovec* iov, int count) {
  static auto next = Next<ssize_t (*)(int, const iovec*, int)>("writev");
  return Fails(fd, kFull, ENOSPC) ? -1 : next(fd, iov, count);
}
int fallocate(int fd, int how, off_t at, off_t len) {
  static auto next = Next<int (*)(int, int, off_t, off_t)>("fallocate");
  return Fails(fd, kFull, ENOSPC) ? -1 : next(fd, how, at, len);
}
int ftruncate(int fd, off_t len) {
  static auto next = Next<int (*)(int, off_t)>("ftruncate");
  return Fails(fd, kFull, ENOSPC) ? -1 : next(fd, len);
}
int fsync(int fd) {
  static auto next = Next<int (*)(int)>("fsync");
  return Fails(fd, kFailingSync, EIO) ? -1 : next(fd);
}
int fdatasync(int fd) {
  static auto next = Next<int (*)(int)>("fdatasync");
  return Fails(fd, kFailingSync, EIO) ? -1 : next(fd);
}

}  // extern "C"
