// `minivault dev-cluster up|down|status`: a local raft cluster of 1 to 7
// minivault servers on 127.0.0.1, started as daemons, initialized,
// unsealed and joined by one command, for demos and end-to-end tests.
//
// Layout of --dir (all private to the user):
//   cluster.json   nodes (node_id, api_addr, cluster_addr, pid, data_dir,
//                  log), shares, threshold; no secrets
//   unseal-keys    the base64 unseal keys, one per line (0600)
//   root-token     the initial root token, without a newline (0600)
//   node<i>/       each node's data directory, port files and server.log
//
// Unseal keys and the root token are only ever written to those two files:
// never to argv, cluster.json, stdout or stderr. Failures print one line
// "minivault dev-cluster: <error>" to stderr and exit 1 (2 for bad flag
// values found after parsing).
#ifndef MINIVAULT_DEV_DEV_CLUSTER_H_
#define MINIVAULT_DEV_DEV_CLUSTER_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace vk::minivault {

// Registers the `dev-cluster` subcommand (with `up`, `down` and `status`)
// on `app`. When the command line selects one of them, parsing sets *run
// to the command; main then returns (*run)(). *run stays empty otherwise.
// `run` must outlive the parse. The flag storage lives in the callbacks
// registered on `app` and in *run, so nothing else needs keeping.
//
//   std::function<int()> dev_cluster;
//   vk::minivault::AddDevClusterCommands(app, &dev_cluster);
//   CLI11_PARSE(app, argc, argv);
//   if (dev_cluster) return dev_cluster();
void AddDevClusterCommands(CLI::App& app, std::function<int()>* run);

}  // namespace vk::minivault

#endif  // MINIVAULT_DEV_DEV_CLUSTER_H_
