// IP address literals as the OS reads and writes them (inet_pton / inet_ntop rules):
// strict IPv4 dotted quads, IPv6 without brackets or scope.
#pragma once

#include <array>
#include <optional>
#include <string>

namespace osfleet::platform {

struct IpAddress {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  // network order; IPv4 uses the first 4
};

std::optional<IpAddress> ParseIpv4(const std::string& text);
std::optional<IpAddress> ParseIpv6(const std::string& text);
// IPv4 first, then IPv6.
std::optional<IpAddress> ParseIpAddress(const std::string& text);

// The canonical text: "10.0.0.5", "2001:db8::5".
std::string FormatIpAddress(const IpAddress& address);

}  // namespace osfleet::platform
