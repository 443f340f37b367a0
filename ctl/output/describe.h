// Words for the API's enums as osctl prints them.
#pragma once

#include <string>
#include <vector>

#include "ctl/output/table.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"
#include "osfleet/v1/service_center.pb.h"
#include "osfleet/v1/services.pb.h"

namespace osfleet::ctl {

std::string DatabaseName(v1::Database database);  // "platform", "log", "session"
std::string ProviderName(v1::Provider provider);  // "SqlServer", "Oracle"

// Lines saying where servers disagree on a database's address ("drift"), e.g.
// "platform: SQLA (dc01, fe01) | SQLB (fe02)". Empty when they all agree.
std::vector<std::string> DriftLines(
    const std::vector<HostReply<v1::GetEndpointsResponse>>& replies);

// One line for a Service Center phase event ("publish 42 started", "warning: ...").
std::string DescribePhaseEvent(const v1::PhaseEvent& event);
// An abort, or an error message of the publish.
bool IsBadPhaseEvent(const v1::PhaseEvent& event);
// Red when bad, yellow for a warning or a wire guessed by convention, else none.
Color PhaseEventColor(const v1::PhaseEvent& event);

// "stopped", "starting", "running", "stopping", "failed", "unknown".
std::string ServiceStateName(v1::ServiceState state);
// Green when running, red when failed, else yellow.
Color ServiceStateColor(v1::ServiceState state);

}  // namespace osfleet::ctl
