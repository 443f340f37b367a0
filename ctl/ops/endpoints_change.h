// Changing the endpoints on a set of servers, all or nothing at the planning stage: plan
// the change on every server first; when any server refuses it, nothing changes anywhere;
// otherwise Set on each server with the revision it was planned against, so that a file
// changed in between is never overwritten (compare-and-set). `endpoints set` runs this.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ctl/ops/lease_keeper.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct EndpointsChange {
  std::vector<v1::EndpointChange> changes;
  std::string reason;  // recorded with each server's backup
  bool restart_services = false;
  std::optional<absl::Duration> confirm_within;  // reverts by itself unless confirmed
  std::optional<absl::Duration> lease;           // with confirm_within: held by a lease
  // For agents with a Configuration Tool: its credentials (and /InstallServiceCenter).
  v1::ConfigurationToolOptions tool;
  // Adds /InstallServiceCenter on the Deployment Controller (by its inventory role) only.
  bool install_service_center_on_dc = false;
  // Set one server at a time (agents that run the Configuration Tool: the database model
  // is the farm's, upgraded by one server at a time).
  bool one_at_a_time = false;
  // What plan and set do with an advanced-settings address naming the old host.
  v1::AdvancedSettingsChoice advanced_settings = v1::ADVANCED_SETTINGS_REFUSE;
  // When set: called with the plan once every server accepted it, before any Set; a
  // non-OK status (the operator declined) stops there and becomes the result's status.
  std::function<absl::Status(const std::vector<HostReply<v1::PlanEndpointsResponse>>&)> approve;
};

// The request field for --advanced-settings (and a journal's advanced_settings):
// "rewrite", "keep"; REFUSE for anything else.
v1::AdvancedSettingsChoice AdvancedSettingsChoiceFor(const std::string& choice);

// The Set request for one server planned at `expected_revision`.
v1::SetEndpointsRequest SetRequestFor(const EndpointsChange& change,
                                      const std::string& expected_revision);

// Each request's credentials cut to those its target's tool names (needed_credentials.h):
// requests[k] goes to targets[k].
void KeepNeededBySet(const std::vector<Target>& targets, const FanOutOptions& fanout,
                     std::vector<v1::SetEndpointsRequest>* requests);

struct EndpointsChangeResult {
  // OK, or refused (IsRefused, FAILED_PRECONDITION "refused: N server(s) cannot take this
  // change; nothing was changed on any server") when a server failed the plan.
  absl::Status status;
  std::vector<HostReply<v1::PlanEndpointsResponse>> plan;
  std::vector<HostReply<v1::SetEndpointsResponse>> set;  // empty when refused
};

// Plans with plan_fanout, then sets with set_fanout (a longer deadline when restarting).
// leases (with change.lease): every server's change is held from its answer on.
EndpointsChangeResult ChangeEndpoints(const std::vector<Target>& targets,
                                      const FanOutOptions& plan_fanout,
                                      const FanOutOptions& set_fanout,
                                      const EndpointsChange& change, LeaseKeeper* leases = nullptr);

}  // namespace osfleet::ctl
