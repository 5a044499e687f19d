# vaultkeep-backup: what `vaultkeep backup` needs from Vault.
#
# sys/leader, sys/health and sys/seal-status are unauthenticated, so finding
# the active node and recording the seal needs no grant here. This policy
# cannot restore: restoring is an update (POST) on the snapshot paths.

# Take a snapshot (GET) from the active node.
path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}

# Optional: lets the backup record the raft peers (node IDs) in its
# manifest. Without it the backup still succeeds; the peers are simply not
# recorded.
path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

# Pre-flight: vaultkeep asks which capabilities the token has on the
# snapshot path before anything moves (a wrong token fails at once).
# Vault's default policy grants this to every token; listed here for
# tokens created with no_default_policy.
path "sys/capabilities-self" {
  capabilities = ["update"]
}
