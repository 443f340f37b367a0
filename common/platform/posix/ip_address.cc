#include "common/platform/ip_address.h"

#include <arpa/inet.h>

namespace osfleet::platform {

std::optional<IpAddress> ParseIpv4(const std::string& text) {
  IpAddress address;
  if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) != 1) return std::nullopt;
  return address;
}

std::optional<IpAddress> ParseIpv6(const std::string& text) {
  IpAddress address;
  address.v6 = true;
  if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) != 1) return std::nullopt;
  return address;
}

std::optional<IpAddress> ParseIpAddress(const std::string& text) {
  if (std::optional<IpAddress> v4 = ParseIpv4(text)) return v4;
  return ParseIpv6(text);
}

std::string FormatIpAddress(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof(text)) ==
      nullptr) {
    return "";
  }
  return text;
}

}  // namespace osfleet::platform
