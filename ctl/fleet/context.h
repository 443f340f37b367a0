// What every fleet command starts from: global options, the selected servers and a
// channel to each, and how to print.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ctl/fleet/inventory.h"
#include "ctl/output/output_format.h"
#include "ctl/rpc/connection.h"
#include "ctl/rpc/fanout.h"

namespace osfleet::ctl {

struct GlobalOptions {
  std::string inventory;
  std::string limit;
  int concurrency = 64;
  std::string timeout = "10s";
  std::string output = "table";
  bool insecure = false;
  TlsFiles tls;  // flags; each overrides the inventory's defaults.tls
  bool no_color = false;
  bool verbose = false;  // debug logging, gRPC's own lines among it
  // Hidden --heartbeat-interval: how often a rollout's long steps report (tests shorten it).
  std::string heartbeat_interval = "10s";
};

class FleetContext {
 public:
  // Loads the inventory, applies --limit, checks the options, makes the channels.
  // INVALID_ARGUMENT (exit 2) for every bad input.
  static absl::StatusOr<std::unique_ptr<FleetContext>> Open(const GlobalOptions& options);

  const std::vector<Server>& servers() const { return servers_; }
  const std::vector<Target>& targets() const { return targets_; }
  const FanOutOptions& fanout() const { return fanout_; }
  OutputFormat format() const { return format_; }
  bool color() const { return color_; }
  // The TLS files (or plaintext) osctl dials with: the flags over the inventory's defaults.
  const ConnectionOptions& connection() const { return connection_; }
  // Targets restricted to the given indexes (for a second phase on a subset).
  std::vector<Target> Subset(const std::vector<size_t>& indexes) const;

 private:
  FleetContext() = default;
  std::vector<Server> servers_;
  std::vector<Target> targets_;
  FanOutOptions fanout_;
  OutputFormat format_ = OutputFormat::kTable;
  bool color_ = false;
  ConnectionOptions connection_;
};

// The inventory path: --inventory, else $OSFLEET_INVENTORY, else ./inventory.yaml.
std::string InventoryPath(const std::string& flag);

// Colour on: stdout is a terminal, NO_COLOR is unset and --no-color was not given.
bool ColorWanted(const GlobalOptions& options);

}  // namespace osfleet::ctl
