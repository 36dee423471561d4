// Injected randomness for jitter, so retry schedules are testable.
#pragma once

#include <mutex>
#include <random>

namespace hookd::core {

class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, 1).
  virtual double Uniform() = 0;
};

class SystemRandom final : public Random {
 public:
  double Uniform() override {
    std::lock_guard lock(mu_);
    return dist_(gen_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 gen_{std::random_device{}()};
  std::uniform_real_distribution<double> dist_{0.0, 1.0};
};

// Always returns the same value (0.5 means no jitter).
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double v) : v_(v) {}
  double Uniform() override { return v_; }

 private:
  double v_;
};

}  // namespace hookd::core
