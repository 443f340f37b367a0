// The MSI's one DLL custom action (Binary osfleet_msi_actions.dll, entry RunLogged): runs
// the program of the action's CustomActionData and copies every line it prints into the
// MSI log, so that `msiexec /l*v` shows why `osagent setup`, `osagent service install` or
// `osagent firewall add` refused (an EXE custom action's output reaches no log).
//
// CustomActionData: the program and its arguments separated by tabs (&#9; in the .wxs),
// one argument per field. An option whose property is empty (`--name=`) is left out: the
// property was not given, and osagent keeps its default. Exit code 0: ERROR_SUCCESS; anything else:
// ERROR_INSTALL_FAILURE after an error message with the program's output (logged under /qn, a
// dialog otherwise).
//
// Sources: Windows Installer SDK, "Custom Action Type 1" (a DLL in the Binary table),
// "Obtaining Context Information for Deferred Execution Custom Actions"
// (CustomActionData), MsiProcessMessage/MsiCreateRecord (INSTALLMESSAGE_INFO is written
// to the log only; INSTALLMESSAGE_ERROR also to the user), "Formatted" (field 0 is a
// template: the text goes in field 1 behind "[1]" so brackets in it stay text);
// CreateProcessW with inherited pipe handles ("Creating a Child Process with Redirected
// Input and Output"); the quoting CommandLineToArgvW reads back.
//
// Packaging only: osagent's own OS calls stay behind common/platform.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
// clang-format off
#include <msi.h>
#include <msiquery.h>
// clang-format on

#include <string>
#include <vector>

namespace {

std::wstring Property(MSIHANDLE install, const wchar_t* name) {
  DWORD size = 0;
  wchar_t empty[1] = L"";
  if (MsiGetPropertyW(install, name, empty, &size) != ERROR_MORE_DATA) return L"";
  std::wstring value(size + 1, L'\0');
  size += 1;
  if (MsiGetPropertyW(install, name, value.data(), &size) != ERROR_SUCCESS) return L"";
  value.resize(size);
  return value;
}

// One message into the install's log (INFO) or to the user and the log (ERROR).
void Message(MSIHANDLE install, INSTALLMESSAGE kind, const std::wstring& text) {
  MSIHANDLE record = MsiCreateRecord(1);
  MsiRecordSetStringW(record, 0, L"osfleet: [1]");
  MsiRecordSetStringW(record, 1, text.c_str());
  MsiProcessMessage(install, kind, record);
  MsiCloseHandle(record);
}

bool EmptyOption(const std::wstring& field) {
  return field.size() > 3 && field.compare(0, 2, L"--") == 0 && field.back() == L'=';
}

std::vector<std::wstring> SplitTabs(const std::wstring& data) {
  std::vector<std::wstring> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = data.find(L'\t', start);
    std::wstring field = data.substr(start, tab == std::wstring::npos ? tab : tab - start);
    if (!EmptyOption(field)) fields.push_back(std::move(field));
    if (tab == std::wstring::npos) return fields;
    start = tab + 1;
  }
}

// One argument as CommandLineToArgvW reads it back: quoted, backslashes before a quote
// (and before the closing quote) doubled.
void AppendQuoted(std::wstring& line, const std::wstring& arg) {
  line += L'"';
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');
  line += L'"';
}

std::wstring CommandLine(const std::vector<std::wstring>& argv) {
  std::wstring line;
  for (const std::wstring& arg : argv) {
    if (!line.empty()) line += L' ';
    AppendQuoted(line, arg);
  }
  return line;
}

std::wstring Wide(const std::string& bytes) {
  if (bytes.empty()) return L"";
  // osagent prints UTF-8.
  const int n =
      MultiByteToWideChar(CP_UTF8, 0, bytes.data(), static_cast<int>(bytes.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, bytes.data(), static_cast<int>(bytes.size()), out.data(), n);
  return out;
}

// Reads the child's output to its end, logging each line as it comes; returns it all.
std::wstring LogOutput(MSIHANDLE install, HANDLE read) {
  std::string pending, all;
  char buffer[4096];
  DWORD got = 0;
  while (ReadFile(read, buffer, sizeof buffer, &got, nullptr) && got > 0) {
    pending.append(buffer, got);
    all.append(buffer, got);
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      std::string line = pending.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      Message(install, INSTALLMESSAGE_INFO, Wide(line));
    }
  }
  if (!pending.empty()) Message(install, INSTALLMESSAGE_INFO, Wide(pending));
  return Wide(all);
}

// Runs argv with stdout and stderr into one pipe; the exit code, or -1 (with a message)
// when it could not start.
long Run(MSIHANDLE install, const std::vector<std::wstring>& argv, std::wstring& output) {
  SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
  HANDLE read = nullptr, write = nullptr;
  if (!CreatePipe(&read, &write, &inherit, 0)) return -1;
  SetHandleInformation(read, HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = write;
  si.hStdError = write;
  PROCESS_INFORMATION pi{};
  std::wstring line = CommandLine(argv);
  const BOOL started = CreateProcessW(argv[0].c_str(), line.data(), nullptr, nullptr, TRUE,
                                      CREATE_NO_WINDOW, nullptr, nullptr, &si, &pi);
  const DWORD start_error = GetLastError();
  CloseHandle(write);  // ours: the pipe ends when the child's copies close
  if (!started) {
    CloseHandle(read);
    output = L"cannot run " + argv[0] + L": Windows error " + std::to_wstring(start_error);
    return -1;
  }
  output = LogOutput(install, read);
  CloseHandle(read);
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return static_cast<long>(code);
}

}  // namespace

extern "C" __declspec(dllexport) UINT __stdcall RunLogged(MSIHANDLE install) {
  const std::vector<std::wstring> argv = SplitTabs(Property(install, L"CustomActionData"));
  if (argv.empty() || argv[0].empty()) {
    Message(install, INSTALLMESSAGE_ERROR, L"RunLogged: no program in CustomActionData");
    return ERROR_INSTALL_FAILURE;
  }
  Message(install, INSTALLMESSAGE_INFO, L"running " + CommandLine(argv));
  std::wstring output;
  const long code = Run(install, argv, output);
  if (code == 0) return ERROR_SUCCESS;
  // "osagent setup failed (exit code 2): ..."
  std::wstring program = argv[0].substr(argv[0].find_last_of(L"\\/") + 1);
  if (program.size() > 4 && _wcsicmp(program.c_str() + program.size() - 4, L".exe") == 0) {
    program.resize(program.size() - 4);
  }
  const std::wstring what = argv.size() > 1 ? program + L" " + argv[1] : program;
  Message(install, INSTALLMESSAGE_ERROR,
          what + L" failed (exit code " + std::to_wstring(code) + L"): " + output);
  return ERROR_INSTALL_FAILURE;
}
