#include "core/ids.h"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>

namespace hookd::core {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";  // ASCII order
constexpr size_t kRawLen = 20;
constexpr size_t kEncodedLen = 27;

std::string Encode(std::array<uint8_t, kRawLen> bytes) {
  std::string out(kEncodedLen, '0');
  for (size_t pos = kEncodedLen; pos-- > 0;) {
    uint32_t rem = 0;
    for (auto& b : bytes) {  // bytes /= 62, rem = bytes % 62
      uint32_t cur = (rem << 8) | b;
      b = static_cast<uint8_t>(cur / 62);
      rem = cur % 62;
    }
    out[pos] = kAlphabet[rem];
  }
  return out;
}

std::optional<std::array<uint8_t, kRawLen>> Decode(std::string_view s) {
  if (s.size() != kEncodedLen) return std::nullopt;
  std::array<uint8_t, kRawLen> bytes{};
  for (char c : s) {
    auto digit = kAlphabet.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    uint32_t carry = static_cast<uint32_t>(digit);
    for (size_t i = kRawLen; i-- > 0;) {  // bytes = bytes * 62 + digit
      uint32_t cur = bytes[i] * 62u + carry;
      bytes[i] = static_cast<uint8_t>(cur & 0xff);
      carry = cur >> 8;
    }
    if (carry) return std::nullopt;
  }
  return bytes;
}

std::atomic<int64_t> last_micros{0};

int64_t NextMicros(int64_t now) {
  int64_t prev = last_micros.load();
  int64_t next;
  do {
    next = now > prev ? now : prev + 1;
  } while (!last_micros.compare_exchange_weak(prev, next));
  return next;
}

std::string Build(std::string_view prefix, int64_t micros, bool random_tail) {
  std::array<uint8_t, kRawLen> raw{};
  for (int i = 0; i < 8; ++i) raw[i] = static_cast<uint8_t>(uint64_t(micros) >> (56 - 8 * i));
  if (random_tail && RAND_bytes(raw.data() + 8, kRawLen - 8) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string id(prefix);
  id += '_';
  id += Encode(raw);
  return id;
}

int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
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
         s[prefix.size()] == '_' && Decode(s.substr(prefix.size() + 1)).has_value();
}

std::optional<TimePoint> IdTime(std::string_view id) {
  auto us = id.find('_');
  if (us == std::string_view::npos) return std::nullopt;
  auto raw = Decode(id.substr(us + 1));
  if (!raw) return std::nullopt;
  uint64_t micros = 0;
  for (int i = 0; i < 8; ++i) micros = (micros << 8) | (*raw)[i];
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
