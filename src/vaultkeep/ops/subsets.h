// k-subsets of the escrowed keys, for the two places that search for a
// set of unseal keys that works together: the offline key check
// (key_check.cc) and unsealing a node (unseal.cc).
#ifndef VAULTKEEP_OPS_SUBSETS_H_
#define VAULTKEEP_OPS_SUBSETS_H_

#include <vector>

namespace vk::ops {

// Calls `fn` with every `k`-subset of 0..n-1 in lexicographic order (the
// first one is 0..k-1) until it returns true or `*budget` subsets were
// tried; returns whether fn did. `*budget` goes below zero when the search
// was cut short, so a caller can tell "none works" from "gave up".
template <typename Fn>
bool ForEachSubset(int n, int k, long* budget, Fn fn) {
  if (k > n || k < 1) return false;
  std::vector<int> idx(k);
  for (int i = 0; i < k; ++i) idx[i] = i;
  for (;;) {
    if ((*budget)-- <= 0) return false;
    if (fn(idx)) return true;
    int i = k - 1;
    while (i >= 0 && idx[i] == n - k + i) --i;
    if (i < 0) return false;
    ++idx[i];
    for (int j = i + 1; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
}

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_SUBSETS_H_
