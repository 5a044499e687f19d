# vaultkeep-restore: what `vaultkeep restore` needs from the target Vault.
#
# Give it only to a short-lived token created for the restore: a forced
# restore replaces the whole cluster's data. Unsealing (sys/unseal) is
# unauthenticated, and the checks after the restore use the restored root
# token from the backup.

# Restore onto the same cluster (the snapshot must match its unseal keys).
path "sys/storage/raft/snapshot" {
  capabilities = ["update"]
}

# Restore with --force, onto a cluster initialised with other keys.
path "sys/storage/raft/snapshot-force" {
  capabilities = ["update"]
}

# Pre-flight: the peer list, so the restore can check afterwards that every
# peer came back (without it the peer check is skipped with a warning).
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
