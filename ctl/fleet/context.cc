#include "ctl/fleet/context.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/time/duration.h"
#include "ctl/fleet/limit.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

absl::Status ParseCommon(const GlobalOptions& o, FanOutOptions& fanout, OutputFormat& format) {
  if (o.concurrency < 1 || o.concurrency > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("--concurrency: ", o.concurrency, " is not in 1..4096"));
  }
  fanout.concurrency = o.concurrency;
  absl::StatusOr<absl::Duration> timeout = ParseDuration(o.timeout, "--timeout");
  if (!timeout.ok()) return timeout.status();
  if (*timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout: must be more than zero");
  }
  fanout.timeout = *timeout;
  absl::StatusOr<OutputFormat> output = ParseOutputFormat(o.output);
  if (!output.ok()) return output.status();
  format = *output;
  return absl::OkStatus();
}

}  // namespace

std::string InventoryPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("OSFLEET_INVENTORY");
  if (env != nullptr && *env != '\0') return env;
  return "inventory.yaml";
}

bool ColorWanted(const GlobalOptions& options) { return !options.no_color && StdoutWantsColor(); }

absl::StatusOr<std::unique_ptr<FleetContext>> FleetContext::Open(const GlobalOptions& o) {
  std::unique_ptr<FleetContext> ctx(new FleetContext());
  if (absl::Status s = ParseCommon(o, ctx->fanout_, ctx->format_); !s.ok()) return s;
  ctx->color_ = ColorWanted(o);
  absl::StatusOr<Inventory> inventory = LoadInventory(InventoryPath(o.inventory));
  if (!inventory.ok()) return inventory.status();
  absl::StatusOr<std::vector<Server>> selected = SelectServers(inventory->servers, o.limit);
  if (!selected.ok()) return selected.status();
  ctx->servers_ = *std::move(selected);
  ConnectionOptions conn{o.insecure, inventory->tls};
  if (!o.tls.ca.empty()) conn.tls.ca = o.tls.ca;
  if (!o.tls.cert.empty()) conn.tls.cert = o.tls.cert;
  if (!o.tls.key.empty()) conn.tls.key = o.tls.key;
  ctx->connection_ = conn;
  absl::StatusOr<ChannelFactory> factory = ChannelFactory::Create(conn, ctx->servers_);
  if (!factory.ok()) return factory.status();
  for (const Server& s : ctx->servers_) {
    ctx->targets_.push_back({&s, factory->ChannelFor(s), factory->diagnosis()});
  }
  return ctx;
}

std::vector<Target> FleetContext::Subset(const std::vector<size_t>& indexes) const {
  std::vector<Target> out;
  for (size_t i : indexes) out.push_back(targets_[i]);
  return out;
}

}  // namespace osfleet::ctl
