#include "ctl/commands/address_flags.h"

namespace osfleet::ctl {

void AddAddressFlags(CLI::App* command, EndpointAddresses& addresses, AddressHelp help) {
  command->add_option("--platform", addresses.platform,
                      help == AddressHelp::kWithSyntax
                          ? "new Platform database address: SQL Server "
                            "[tcp:]host[\\instance][,port], Oracle host[:port]/service"
                          : "new Platform database address");
  command->add_option("--log", addresses.log, "new Log database address");
  command->add_option("--session", addresses.session, "new Session database address");
}

}  // namespace osfleet::ctl
