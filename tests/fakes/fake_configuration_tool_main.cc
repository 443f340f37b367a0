// A stand-in for the OutSystems Configuration Tool's command line (ConfigurationTool.com),
// run by osagent after every change of server.hsconf. Its own options come first as
// --name=value; every other argument is a switch or a switch's argument, as the real tool
// gets them:
//
//   osfleet-fake-configuration-tool --hsconf=PATH --record=FILE [--log=FILE]
//       [--fail-on-address=ADDRESS] [--fail-file=FILE] [--settings-applied-file=FILE]
//       [--delay-ms=N] [--progress-ms=N] [--echo=json|utf16|cut] SWITCHES...
//
// Each run appends one JSON line to --record: {"switches": [...], "platform": "<the
// Platform database address server.hsconf holds now>", "exit": N}; the switches as
// received, credentials included (the tool is the one program meant to get them).
// It appends a few lines to --log (like the real tool's verbose log) and prints a line.
// With --progress-ms, while it waits --delay-ms it appends a line to --log every N ms
// ("[fake ConfigurationTool] upgrading: step K"), as the real tool's log grows line by line
// through a run of many minutes (what osagent's Agent.GetActivity reads back while it
// runs); without it the log is written at the end only, the least a reader may assume.
// Its record has start_ms and end_ms (wall clock) so a test can tell runs did not overlap.
// It fails (exit 1, an error and its switches on stdout, the error in the log) when the Platform
// address is
// --fail-on-address, or while --fail-file exists. /ApplySettingsFactory alone, or with
// /WithWindowsAuthentication and its password (integrated authentication), touches
// --settings-applied-file (the fake Service Center flags modules once it exists).
// --echo makes a failing run echo its switches (credentials included) the careless ways a
// real tool might, for the agent's masking: `json` a JSON line ("\"" and "\\" escaped) in
// its log and on stdout; `utf16` its whole log as UTF-16LE (a byte order mark first);
// `cut` one line per switch in its log and on stdout, the switch starting 4 bytes before
// byte 512, where the agent cuts long lines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "common/model/hsconf.h"

namespace {

struct Options {
  std::map<std::string, std::string> named;
  std::vector<std::string> switches;
  std::string Get(const std::string& name) const {
    auto it = named.find(name);
    return it == named.end() ? "" : it->second;
  }
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    size_t eq = a.find('=');
    if (absl::StartsWith(a, "--") && eq != std::string::npos) {
      o.named[a.substr(2, eq - 2)] = a.substr(eq + 1);
    } else {
      o.switches.push_back(a);
    }
  }
  return o;
}

std::string PlatformAddress(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) {
    *error = "cannot read " + path;
    return "";
  }
  auto doc = osfleet::ParseHsconf(bytes.str());
  if (!doc.ok()) {
    *error = std::string(doc.status().message());
    return "";
  }
  return doc->section(osfleet::DatabaseId::kPlatform).address;
}

bool Exists(const std::string& path) { return !path.empty() && std::ifstream(path).good(); }

void Append(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

// UTF-8 text as UTF-16LE (the test's texts: code points below U+10000).
std::string Utf16Le(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    unsigned cp = b;
    size_t n = 1;
    if (b >= 0xE0) {
      cp = ((b & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
      n = 3;
    } else if (b >= 0xC0) {
      cp = ((b & 0x1F) << 6) | (text[i + 1] & 0x3F);
      n = 2;
    }
    out.push_back(static_cast<char>(cp & 0xFF));
    out.push_back(static_cast<char>(cp >> 8));
    i += n;
  }
  return out;
}

// The log's lines as the tool writes them: UTF-16LE from the start with --echo=utf16.
void AppendLog(const std::string& path, const std::string& echo, const std::string& text) {
  if (echo != "utf16") return Append(path, text);
  const bool empty = !std::ifstream(path).good() || std::ifstream(path).peek() == EOF;
  Append(path, (empty ? std::string("\xFF\xFE") : std::string()) + Utf16Le(text));
}

// What a failing run echoes, per --echo ("" when it echoes nothing special).
std::string Echo(const std::string& echo, const std::vector<std::string>& switches) {
  if (echo == "json") {
    return nlohmann::json({{"error", "failed"}, {"switches", switches}}).dump() + "\n";
  }
  std::string text;
  for (size_t i = 0; i < switches.size(); ++i) {
    std::string line = "[fake ConfigurationTool] switch " + std::to_string(i) + ": ";
    if (echo == "cut") line.resize(508, '.');
    text += line + switches[i] + (echo == "cut" ? " (the end of a long line)" : "") + "\n";
  }
  return text;
}

}  // namespace

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char** argv) {
  const long long start_ms = NowMs();
  const Options o = Parse(argc, argv);
  if (!o.Get("delay-ms").empty()) {
    const long long until = start_ms + std::stoi(o.Get("delay-ms"));
    const int every = o.Get("progress-ms").empty() ? 0 : std::stoi(o.Get("progress-ms"));
    for (int step = 1; NowMs() < until; ++step) {
      if (every > 0) {
        AppendLog(o.Get("log"), o.Get("echo"),
                  "[fake ConfigurationTool] upgrading: step " + std::to_string(step) + "\n");
      }
      const long long left = until - NowMs();
      std::this_thread::sleep_for(
          std::chrono::milliseconds(every > 0 ? std::min<long long>(every, left) : left));
    }
  }
  std::string error;
  const std::string platform = PlatformAddress(o.Get("hsconf"), &error);
  if (error.empty() && platform == o.Get("fail-on-address")) {
    error = "Error upgrading the platform database model: cannot connect to " + platform;
  }
  if (error.empty() && Exists(o.Get("fail-file"))) {
    error = "Error: " + o.Get("fail-file") + " says so";
  }
  const int exit_code = error.empty() ? 0 : 1;
  std::string joined;
  for (const std::string& s : o.switches) joined += (joined.empty() ? "" : " ") + s;
  const std::string echo = o.Get("echo");
  AppendLog(o.Get("log"), echo,
            "[fake ConfigurationTool] switches: " + std::to_string(o.switches.size()) +
                "\n[fake ConfigurationTool] platform database: " + platform + "\n" +
                (error.empty() ? "[fake ConfigurationTool] finished\n"
                               : "[fake ConfigurationTool] " + error + "\n"));
  if (!error.empty() && !echo.empty()) AppendLog(o.Get("log"), echo, Echo(echo, o.switches));
  const bool apply_settings =
      (o.switches.size() == 1 && o.switches[0] == "/ApplySettingsFactory") ||
      (o.switches.size() == 3 && o.switches[0] == "/ApplySettingsFactory" &&
       o.switches[1] == "/WithWindowsAuthentication" && !o.switches[2].empty());
  if (apply_settings && exit_code == 0) {
    Append(o.Get("settings-applied-file"), "applied\n");
  }
  nlohmann::json record = {{"switches", o.switches},
                           {"platform", platform},
                           {"exit", exit_code},
                           {"start_ms", start_ms},
                           {"end_ms", NowMs()}};
  Append(o.Get("record"), record.dump() + "\n");
  // A failure echoes its switches, as a careless tool might: the agent must mask secrets.
  if (!error.empty() && (echo == "json" || echo == "cut")) {
    std::cout << error << "\n" << Echo(echo, o.switches) << std::flush;
  } else {
    std::cout << (error.empty() ? "Configuration applied." : error + " (switches: " + joined + ")")
              << std::endl;
  }
  return exit_code;
}
