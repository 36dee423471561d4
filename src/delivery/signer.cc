#include "delivery/signer.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <charconv>
#include <optional>

#include "core/crypto.h"

namespace hookd::delivery {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace

Signer::Signer() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {}

Signer::~Signer() {
  for (Slot& slot : slots_) {
    Wipe(slot.secret);
    EVP_MAC_CTX_free(slot.ctx);
  }
  EVP_MAC_free(mac_);
}

EVP_MAC_CTX* Signer::Ready(std::string_view secret) {
  if (mac_ == nullptr) return nullptr;
  ++tick_;
  for (Slot& slot : slots_) {
    if (slot.ctx == nullptr || slot.secret.empty() || slot.secret != secret) continue;
    // A null key restarts the MAC with the key already loaded.
    if (EVP_MAC_init(slot.ctx, nullptr, 0, nullptr) == 1) {
      slot.last_used = tick_;
      return slot.ctx;
    }
    Wipe(slot.secret);  // fall back to keying a slot afresh
    break;
  }

  if (!secret.starts_with(kSecretPrefix)) return nullptr;
  std::optional<std::string> key = core::Base64Decode(secret.substr(kSecretPrefix.size()));
  if (!key || key->empty()) return nullptr;

  Slot* victim = &slots_[0];
  for (Slot& slot : slots_) {
    if (slot.secret.empty()) {
      victim = &slot;
      break;
    }
    if (slot.last_used < victim->last_used) victim = &slot;
  }
  Wipe(victim->secret);
  if (victim->ctx == nullptr) victim->ctx = EVP_MAC_CTX_new(mac_);
  bool ok = false;
  if (victim->ctx != nullptr) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    ok = EVP_MAC_init(victim->ctx, reinterpret_cast<const unsigned char*>(key->data()), key->size(),
                      params) == 1;
  }
  Wipe(*key);
  if (!ok) return nullptr;
  victim->secret.assign(secret);
  victim->last_used = tick_;
  return victim->ctx;
}

std::string Signer::Sign(std::string_view msg_id, int64_t timestamp, std::string_view body,
                         const std::vector<std::string>& secrets) {
  char ts[24];
  auto [ts_end, ec] = std::to_chars(ts, ts + sizeof ts, timestamp);
  (void)ec;  // 24 chars always fit an int64_t
  auto update = [](EVP_MAC_CTX* ctx, std::string_view part) {
    const auto* data = reinterpret_cast<const unsigned char*>(part.data());
    return EVP_MAC_update(ctx, data, part.size()) == 1;
  };

  std::string out;
  out.reserve(secrets.size() * 48);
  for (const std::string& secret : secrets) {
    EVP_MAC_CTX* ctx = Ready(secret);
    if (ctx == nullptr) continue;
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    bool ok = update(ctx, msg_id) && update(ctx, ".") &&
              update(ctx, std::string_view(ts, ts_end - ts)) && update(ctx, ".") &&
              update(ctx, body) && EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) == 1;
    if (!ok) continue;
    char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int b64_len =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64), mac, static_cast<int>(mac_len));
    if (!out.empty()) out += ' ';
    out += "v1,";
    out.append(b64, static_cast<size_t>(b64_len));
  }
  return out;
}

}  // namespace hookd::delivery
