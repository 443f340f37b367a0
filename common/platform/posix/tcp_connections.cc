// Linux: the kernel's socket tables in /proc/net/tcp{,6} and the owners from /proc/[pid]/fd.
// Lines of /proc/net/tcp (Documentation/networking/proc_net_tcp.rst):
//   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
//   0: 0100007F:0CEA 0100007F:D2F4 01 00000000:00000000 00:00000000 00000000 1000 0 26578 ...
// An address is the kernel's 32-bit words printed with %08X in host order (four of them
// for IPv6), a port %04X; st 01 is TCP_ESTABLISHED.
#include "common/platform/tcp_connections.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "common/platform/ip_address.h"
#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {
namespace {

constexpr const char* kEstablished = "01";

// One row of /proc/net/tcp{,6} before its owner is known.
struct SocketRow {
  TcpConnectionInfo info;
  unsigned long inode = 0;
};

// "0100007F" (IPv4) or 32 hex digits (IPv6): words in host order, as the kernel keeps them.
std::optional<IpAddress> ParseProcAddress(const std::string& hex) {
  if (hex.size() != 8 && hex.size() != 32) return std::nullopt;
  IpAddress address;
  address.v6 = hex.size() == 32;
  for (std::size_t word = 0; word < hex.size() / 8; ++word) {
    char* end = nullptr;
    const std::string digits = hex.substr(word * 8, 8);
    const std::uint32_t value = static_cast<std::uint32_t>(std::strtoul(digits.c_str(), &end, 16));
    if (end != digits.c_str() + digits.size()) return std::nullopt;
    std::memcpy(address.bytes.data() + word * 4, &value, sizeof(value));
  }
  return address;
}

// ::ffff:a.b.c.d as a.b.c.d.
IpAddress Unmapped(IpAddress address) {
  static constexpr unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!address.v6 || std::memcmp(address.bytes.data(), kPrefix, sizeof(kPrefix)) != 0) {
    return address;
  }
  IpAddress v4;
  std::memcpy(v4.bytes.data(), address.bytes.data() + 12, 4);
  return v4;
}

// "0100007F:0CEA" -> ip text and port.
bool ParseProcEndpoint(const std::string& text, std::string* ip, unsigned* port) {
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  const std::optional<IpAddress> address = ParseProcAddress(text.substr(0, colon));
  if (!address) return false;
  char* end = nullptr;
  const std::string digits = text.substr(colon + 1);
  const unsigned long value = std::strtoul(digits.c_str(), &end, 16);
  if (digits.empty() || end != digits.c_str() + digits.size() || value > 0xFFFF) return false;
  *ip = FormatIpAddress(Unmapped(*address));
  *port = static_cast<unsigned>(value);
  return true;
}

// One line of the table; nullopt for the header, another state, or a line not understood.
std::optional<SocketRow> ParseProcLine(const std::string& line) {
  std::istringstream in(line);
  std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
  SocketRow row;
  if (!(in >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> row.inode)) {
    return std::nullopt;
  }
  if (state != kEstablished) return std::nullopt;
  if (!ParseProcEndpoint(local, &row.info.local_ip, &row.info.local_port) ||
      !ParseProcEndpoint(remote, &row.info.remote_ip, &row.info.remote_port)) {
    return std::nullopt;
  }
  return row;
}

// The established rows of one table; a table that does not exist (IPv6 disabled) has none.
Result<void> ReadTable(const char* path, std::vector<SocketRow>* rows) {
  std::ifstream in(path);
  if (!in) {
    const int error = errno;
    if (error == ENOENT) return {};
    return posix::ErrnoError(error, std::string("reading ") + path);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (std::optional<SocketRow> row = ParseProcLine(line)) rows->push_back(*std::move(row));
  }
  if (in.bad()) return posix::ErrnoError(errno, std::string("reading ") + path);
  return {};
}

// The numeric entries of a /proc folder, in the order readdir gives them.
std::vector<long> ProcessIds() {
  std::vector<long> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid > 0 && *end == '\0') pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

// The socket inodes among a process's descriptors; none when it cannot be inspected (another
// user's process, or one that just ended).
std::vector<unsigned long> SocketInodes(long pid) {
  std::vector<unsigned long> inodes;
  const std::string folder = "/proc/" + std::to_string(pid) + "/fd";
  DIR* fds = opendir(folder.c_str());
  if (fds == nullptr) return inodes;
  char target[64];
  while (const dirent* entry = readdir(fds)) {
    if (entry->d_name[0] == '.') continue;
    const std::string link = folder + "/" + entry->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    unsigned long inode = 0;
    if (std::sscanf(target, "socket:[%lu]", &inode) == 1) inodes.push_back(inode);
  }
  closedir(fds);
  return inodes;
}

std::string ProcessName(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Fills each row's owner: the lowest pid holding its inode.
void FindOwners(std::vector<SocketRow>* rows) {
  std::map<unsigned long, long> owner;
  for (const SocketRow& row : *rows) owner.emplace(row.inode, 0);
  for (const long pid : ProcessIds()) {
    for (const unsigned long inode : SocketInodes(pid)) {
      auto it = owner.find(inode);
      if (it != owner.end() && (it->second == 0 || pid < it->second)) it->second = pid;
    }
  }
  std::map<long, std::string> names;
  for (SocketRow& row : *rows) {
    const long pid = row.inode == 0 ? 0 : owner[row.inode];
    if (pid == 0) continue;
    auto name = names.find(pid);
    if (name == names.end()) name = names.emplace(pid, ProcessName(pid)).first;
    row.info.pid = pid;
    row.info.process = name->second;
  }
}

}  // namespace

Result<std::vector<TcpConnectionInfo>> ListTcpConnections() {
  std::vector<SocketRow> rows;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    if (Result<void> read = ReadTable(table, &rows); !read.ok()) return read.error();
  }
  FindOwners(&rows);
  std::vector<TcpConnectionInfo> out;
  out.reserve(rows.size());
  for (SocketRow& row : rows) out.push_back(std::move(row.info));
  return out;
}

}  // namespace osfleet::platform
