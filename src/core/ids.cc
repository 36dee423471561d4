#include "core/ids.h"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>

namespace hookd::core {
namespace {

// Layout of the 27 characters after "<prefix>_": 11 base62 digits of the microsecond timestamp
// (fixed width, so ids sort by time as strings) and 16 random base62 digits (~95 bits).
constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";  // ASCII order
constexpr size_t kTimeLen = 11;
constexpr size_t kRandomLen = 16;
constexpr size_t kEncodedLen = kTimeLen + kRandomLen;

std::atomic<int64_t> last_micros{0};

int64_t NextMicros(int64_t now) {
  int64_t prev = last_micros.load();
  int64_t next;
  do {
    next = now > prev ? now : prev + 1;
  } while (!last_micros.compare_exchange_weak(prev, next));
  return next;
}

// Random bytes from the OS CSPRNG, drawn in blocks: one RAND_bytes call per 256 ids.
uint8_t RandomByte() {
  thread_local std::array<uint8_t, 4096> pool;
  thread_local size_t used = pool.size();
  if (used == pool.size()) {
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1)
      throw std::runtime_error("RAND_bytes failed");
    used = 0;
  }
  return pool[used++];
}

std::string Build(std::string_view prefix, int64_t micros, bool random_tail) {
  std::string id(prefix.size() + 1 + kEncodedLen, '0');
  char* out = id.data() + prefix.size() + 1;
  id.replace(0, prefix.size(), prefix);
  id[prefix.size()] = '_';
  uint64_t t = static_cast<uint64_t>(micros);
  for (size_t i = kTimeLen; i-- > 0;) {
    out[i] = kAlphabet[t % 62];
    t /= 62;
  }
  if (random_tail) {
    for (size_t i = 0; i < kRandomLen; ++i) {
      uint8_t b;
      do b = RandomByte();
      while (b >= 248);  // 248 = 4 * 62: no modulo bias
      out[kTimeLen + i] = kAlphabet[b % 62];
    }
  }
  return id;
}

int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

bool AllBase62(std::string_view s) {
  for (char c : s)
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace

std::string NewId(std::string_view prefix, const Clock& clock) {
  return Build(prefix, NextMicros(Micros(clock.Now())), true);
}

std::string IdLowerBound(std::string_view prefix, TimePoint t) {
  return Build(prefix, Micros(t), false);
}

bool HasIdPrefix(std::string_view s, std::string_view prefix) {
  return s.size() == prefix.size() + 1 + kEncodedLen && s.starts_with(prefix) &&
         s[prefix.size()] == '_' && AllBase62(s.substr(prefix.size() + 1));
}

std::optional<TimePoint> IdTime(std::string_view id) {
  auto us = id.find('_');
  if (us == std::string_view::npos || id.size() != us + 1 + kEncodedLen) return std::nullopt;
  uint64_t micros = 0;
  for (char c : id.substr(us + 1, kTimeLen)) {
    auto digit = kAlphabet.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    micros = micros * 62 + digit;
  }
  return TimePoint(std::chrono::microseconds(micros));
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

}  // namespace hookd::core
