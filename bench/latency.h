// Latency samples of the benchmark tools, kept per second so the suite can plot percentiles over
// time as well as report them for the whole run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

class LatencyRecorder {
 public:
  void Add(size_t second, uint32_t us) {
    if (second >= by_second_.size()) by_second_.resize(second + 1);
    by_second_[second].push_back(us);
    all_.push_back(us);
  }
  void Clear() {
    by_second_.clear();
    all_.clear();
  }
  size_t count() const { return all_.size(); }
  // The p-quantile (0..1) of the whole run, in milliseconds; 0 without samples.
  double Percentile(double p) { return Quantile(all_, p); }
  // {"p50":[...],"p99":[...],"p999":[...]}: one value per second in ms (0 for a second without
  // samples).
  std::string PerSecondJson() {
    std::string out = "{";
    for (auto [name, p] : {std::pair{"p50", 0.5}, {"p99", 0.99}, {"p999", 0.999}}) {
      out += std::string(out.size() > 1 ? "," : "") + "\"" + name + "\":[";
      for (size_t s = 0; s < by_second_.size(); ++s) {
        char v[32];
        std::snprintf(v, sizeof v, "%s%.3f", s ? "," : "", Quantile(by_second_[s], p));
        out += v;
      }
      out += "]";
    }
    return out + "}";
  }

 private:
  static double Quantile(std::vector<uint32_t>& v, double p) {
    if (v.empty()) return 0;
    size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + i, v.end());
    return v[i] / 1000.0;
  }
  std::vector<std::vector<uint32_t>> by_second_;
  std::vector<uint32_t> all_;
};
