// Voter-set helpers shared by the raft core and its hosts. Voter sets are
// kept sorted and free of duplicates and of the "none" id 0.
#ifndef MINIVAULT_RAFT_MEMBERSHIP_H_
#define MINIVAULT_RAFT_MEMBERSHIP_H_

#include <vector>

#include "minivault/raft/types.h"

namespace vk::raft {

// Sorts `v` and drops duplicates and zeros.
void NormalizeVoters(std::vector<NodeId>& v);

// Applies `cc` to the normalized voter set `v`. Returns false if that
// changes nothing (adding a voter twice or removing a non-member, as a
// replay does), which is not an error.
bool ApplyConfChangeTo(std::vector<NodeId>& v, const ConfChange& cc);

}  // namespace vk::raft

#endif  // MINIVAULT_RAFT_MEMBERSHIP_H_
