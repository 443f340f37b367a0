#include "common/model/advanced_settings.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace osfleet {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

absl::Status ColumnError(size_t offset, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("column ", offset + 1, ": ", what));
}

// Reads a key from `*pos` up to its '=' ("==" is a literal '='); leaves *pos on the '='.
absl::StatusOr<std::string> ReadKey(absl::string_view text, size_t* pos) {
  const size_t begin = *pos;
  std::string key;
  while (*pos < text.size()) {
    const char c = text[*pos];
    if (c == '=' && *pos + 1 < text.size() && text[*pos + 1] == '=') {
      key += '=';
      *pos += 2;
      continue;
    }
    if (c == '=') break;
    if (c == ';') break;
    key += c;
    ++*pos;
  }
  const std::string trimmed(absl::StripAsciiWhitespace(key));
  if (*pos >= text.size() || text[*pos] != '=') {
    return ColumnError(begin,
                       absl::StrCat("the pair starting here (key '", trimmed, "') has no '='"));
  }
  if (trimmed.empty()) return ColumnError(begin, "a pair has an empty key");
  return trimmed;
}

// Reads a quoted value; *pos is on the opening quote, left just after the closing one.
absl::Status ReadQuoted(absl::string_view text, size_t* pos, ConnectionPair* pair) {
  const size_t open = *pos;
  pair->quote = text[open];
  pair->value_begin = open + 1;
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] != pair->quote) {
      pair->value += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == pair->quote) {
      pair->value += pair->quote;
      ++i;
      continue;
    }
    pair->value_end = i;
    *pos = i + 1;
    return absl::OkStatus();
  }
  return ColumnError(open,
                     absl::StrCat("unterminated quote: the value of '", pair->key, "' opens with ",
                                  std::string(1, pair->quote), " and never closes"));
}

// Reads one value after "key=": quoted or up to the next ';'. Leaves *pos on the ';' or end.
absl::Status ReadValue(absl::string_view text, size_t* pos, ConnectionPair* pair) {
  while (*pos < text.size() && IsSpace(text[*pos])) ++*pos;
  if (*pos < text.size() && (text[*pos] == '"' || text[*pos] == '\'')) {
    if (absl::Status s = ReadQuoted(text, pos, pair); !s.ok()) return s;
    while (*pos < text.size() && IsSpace(text[*pos])) ++*pos;
    if (*pos < text.size() && text[*pos] != ';') {
      return ColumnError(*pos, absl::StrCat("text after the closing quote of '", pair->key,
                                            "' (a value is either quoted or not)"));
    }
    return absl::OkStatus();
  }
  size_t end = text.find(';', *pos);
  if (end == absl::string_view::npos) end = text.size();
  size_t last = end;
  while (last > *pos && IsSpace(text[last - 1])) --last;
  pair->value_begin = *pos;
  pair->value_end = last;
  pair->value = std::string(text.substr(*pos, last - *pos));
  *pos = end;
  return absl::OkStatus();
}

enum class Group { kNone, kServer, kFailover };

Group GroupOf(absl::string_view key) {
  for (absl::string_view k : {"Server", "Data Source", "Addr", "Address", "Network Address"}) {
    if (SameKey(key, k)) return Group::kServer;
  }
  return SameKey(key, "Failover Partner") ? Group::kFailover : Group::kNone;
}

struct Range {
  size_t begin = 0;
  size_t end = 0;
};

Range Trimmed(absl::string_view value, Range r) {
  while (r.begin < r.end && IsSpace(value[r.begin])) ++r.begin;
  while (r.end > r.begin && IsSpace(value[r.end - 1])) --r.end;
  return r;
}

size_t FindOr(absl::string_view value, char c, size_t from, size_t otherwise) {
  const size_t at = value.find(c, from);
  return at == absl::string_view::npos ? otherwise : at;
}

// [tcp:|np:|lpc:|admin:|via:]host[\instance][,port], np:\\host\pipe\..., [v6]
Range SqlServerHost(absl::string_view value) {
  Range r = Trimmed(value, {0, value.size()});
  bool pipe = false;
  for (absl::string_view prefix : {"tcp:", "np:", "lpc:", "admin:", "via:"}) {
    if (absl::StartsWithIgnoreCase(value.substr(r.begin), prefix)) {
      pipe = prefix == "np:";
      r.begin += prefix.size();
      break;
    }
  }
  if (pipe && value.substr(r.begin, 2) == "\\\\") {
    r.begin += 2;
    return Trimmed(value, {r.begin, FindOr(value, '\\', r.begin, r.end)});
  }
  if (r.begin < r.end && value[r.begin] == '[') {
    return {r.begin + 1, FindOr(value, ']', r.begin, r.begin + 1)};
  }
  const size_t end =
      std::min(FindOr(value, '\\', r.begin, r.end), FindOr(value, ',', r.begin, r.end));
  return Trimmed(value, {r.begin, end});
}

// EZConnect [//]host[:port][/service...], [v6]:port/service, or a bare name.
Range OracleEasyConnectHost(absl::string_view value) {
  Range r = Trimmed(value, {0, value.size()});
  if (value.substr(r.begin, 2) == "//") r.begin += 2;
  if (r.begin < r.end && value[r.begin] == '[') {
    return {r.begin + 1, FindOr(value, ']', r.begin, r.begin + 1)};
  }
  const size_t end =
      std::min(FindOr(value, ':', r.begin, r.end), FindOr(value, '/', r.begin, r.end));
  return Trimmed(value, {r.begin, end});
}

// Every (HOST = h) of a TNS descriptor, keywords case-insensitive.
std::vector<Range> OracleDescriptorHosts(absl::string_view value) {
  std::vector<Range> out;
  for (size_t open = value.find('('); open != absl::string_view::npos;
       open = value.find('(', open + 1)) {
    size_t i = open + 1;
    while (i < value.size() && IsSpace(value[i])) ++i;
    if (!absl::StartsWithIgnoreCase(value.substr(i), "HOST")) continue;
    i += 4;
    while (i < value.size() && IsSpace(value[i])) ++i;
    if (i >= value.size() || value[i] != '=') continue;
    const size_t close = value.find(')', i);
    if (close == absl::string_view::npos) break;
    out.push_back(Trimmed(value, {i + 1, close}));
  }
  return out;
}

std::vector<Range> HostsIn(absl::string_view value, absl::string_view key,
                           ConnectionDialect dialect) {
  if (dialect == ConnectionDialect::kOracle && SameKey(key, "Data Source")) {
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(value), "(")) {
      return OracleDescriptorHosts(value);
    }
    return {OracleEasyConnectHost(value)};
  }
  return {SqlServerHost(value)};
}

// The offset in `text` of the value's character `index` (quoted values may hold doubled
// quotes, one character from two bytes).
size_t TextOffset(absl::string_view text, const ConnectionPair& pair, size_t index) {
  size_t at = pair.value_begin;
  for (size_t i = 0; i < index && at < pair.value_end; ++i) {
    at += (pair.quote != 0 && text[at] == pair.quote) ? 2 : 1;
  }
  return at;
}

bool OverriddenLater(const std::vector<ConnectionPair>& pairs, size_t i, Group group) {
  for (size_t j = i + 1; j < pairs.size(); ++j) {
    if (GroupOf(pairs[j].key) == group) return true;
  }
  return false;
}

std::string NormalHost(absl::string_view host) {
  host = absl::StripAsciiWhitespace(host);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  absl::ConsumeSuffix(&host, ".");
  return absl::AsciiStrToLower(host);
}

bool IsIpLiteral(absl::string_view host) {
  if (absl::StrContains(host, ':')) return true;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return absl::ascii_isdigit(c) || c == '.'; });
}

}  // namespace

absl::StatusOr<std::vector<ConnectionPair>> ParseConnectionString(absl::string_view text) {
  std::vector<ConnectionPair> pairs;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && (IsSpace(text[pos]) || text[pos] == ';')) ++pos;
    if (pos >= text.size()) break;
    ConnectionPair pair;
    pair.key_begin = pos;
    absl::StatusOr<std::string> key = ReadKey(text, &pos);
    if (!key.ok()) return key.status();
    pair.key = *std::move(key);
    ++pos;  // the '='
    if (absl::Status s = ReadValue(text, &pos, &pair); !s.ok()) return s;
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

bool SameKey(absl::string_view a, absl::string_view b) { return absl::EqualsIgnoreCase(a, b); }

const ConnectionPair* LastPair(const std::vector<ConnectionPair>& pairs, absl::string_view key) {
  for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
    if (SameKey(it->key, key)) return &*it;
  }
  return nullptr;
}

bool IsSecretKey(absl::string_view key) { return SameKey(key, "Password") || SameKey(key, "Pwd"); }

std::vector<AddressKeyword> FindAddressKeywords(absl::string_view text,
                                                const std::vector<ConnectionPair>& pairs,
                                                ConnectionDialect dialect) {
  std::vector<AddressKeyword> out;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const ConnectionPair& pair = pairs[i];
    const Group group = GroupOf(pair.key);
    if (group == Group::kNone) continue;
    const bool overridden = OverriddenLater(pairs, i, group);
    const std::vector<Range> hosts = HostsIn(pair.value, pair.key, dialect);
    for (const Range& r : hosts) {
      AddressKeyword k;
      k.keyword = pair.key;
      k.failover_partner = group == Group::kFailover;
      k.overridden = overridden;
      k.value = pair.value;
      if (r.end > r.begin) {
        k.host = pair.value.substr(r.begin, r.end - r.begin);
        k.host_in_value = r.begin;
        k.host_begin = TextOffset(text, pair, r.begin);
        k.host_end = TextOffset(text, pair, r.end);
      }
      out.push_back(std::move(k));
    }
    if (hosts.empty()) {  // a descriptor without HOST: still an address keyword
      AddressKeyword k;
      k.keyword = pair.key;
      k.failover_partner = group == Group::kFailover;
      k.overridden = overridden;
      k.value = pair.value;
      out.push_back(std::move(k));
    }
  }
  return out;
}

bool SameHost(absl::string_view a, absl::string_view b) {
  const std::string x = NormalHost(a);
  const std::string y = NormalHost(b);
  if (x.empty() || y.empty()) return false;
  if (x == y) return true;
  if (IsIpLiteral(x) || IsIpLiteral(y)) return false;
  const bool x_short = !absl::StrContains(x, '.');
  const bool y_short = !absl::StrContains(y, '.');
  if (x_short == y_short) return false;
  const std::string& longer = x_short ? y : x;
  return longer.substr(0, longer.find('.')) == (x_short ? x : y);
}

}  // namespace osfleet
