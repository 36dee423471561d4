#include "store/columns.h"

namespace hookd::store {

std::string Prefixed(std::string_view alias, std::string_view cols) {
  std::string out;
  size_t i = 0;
  while (i < cols.size()) {
    size_t j = cols.find(',', i);
    if (j == std::string_view::npos) j = cols.size();
    auto col = cols.substr(i, j - i);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += std::string(alias) + "." + std::string(col);
    i = j + 1;
  }
  return out;
}

}  // namespace hookd::store
