#include "ctl/completion/powershell_script.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "ctl/completion/shell_words.h"

namespace osfleet::ctl {
namespace {

std::string Quoted(absl::string_view text) { return SingleQuoted(text, "''"); }

std::string QuotedList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& item : items) quoted.push_back(Quoted(item));
  return absl::StrCat("@(", absl::StrJoin(quoted, ", "), ")");
}

// $TABLE[KEY] = VALUE
std::string Set(absl::string_view table, absl::string_view key, absl::string_view value) {
  return absl::StrCat("    $", table, "[", Quoted(key), "] = ", value, "\n");
}

// One node's rows: its subcommands, flags, what each option takes, its positional, and the
// help text shown beside each (PowerShell's tooltips).
std::string Rows(const CommandNode& node) {
  std::string out;
  std::vector<std::string> subs, names;
  for (const CommandNode& sub : node.subcommands) subs.push_back(sub.name);
  if (!subs.empty()) out += Set("subcommands", node.path, QuotedList(subs));
  if (!node.description.empty()) out += Set("tips", node.path, Quoted(node.description));
  for (const OptionSpec& option : node.options) {
    names.insert(names.end(), option.names.begin(), option.names.end());
    for (const std::string& n : option.names) {
      const std::string key = node.path + "|" + n;
      if (!option.description.empty()) out += Set("tips", key, Quoted(option.description));
      if (option.kind != ValueKind::kNone) out += Set("values", key, Quoted(KindWords(option)));
    }
  }
  if (!names.empty()) out += Set("flags", node.path, QuotedList(names));
  if (node.positional != ValueKind::kNone) {
    out += Set("positionals", node.path, Quoted(KindWords(node.positional)));
  }
  return out;
}

std::string Tables(const CommandNode& root) {
  std::string out;
  for (const CommandNode* node : AllNodes(root)) out += Rows(*node);
  return out;
}

std::string InventoryList(const CommandNode& root) {
  std::vector<std::string> flags = absl::StrSplit(InventoryFlags(root), ' ', absl::SkipEmpty());
  return QuotedList(flags);
}

std::string CallbackWords() {
  std::vector<std::string> words = absl::StrSplit(LimitCallbackWords(), ' ', absl::SkipEmpty());
  return QuotedList(words);
}

// Everything but the tables: the same walk as the bash script's.
constexpr char kCompleter[] =
    R"PS(Register-ArgumentCompleter -Native -CommandName osctl, osctl.exe -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $ordinal = [System.StringComparer]::Ordinal
    $subcommands = [System.Collections.Generic.Dictionary[string, object]]::new($ordinal)
    $flags = [System.Collections.Generic.Dictionary[string, object]]::new($ordinal)
    $values = [System.Collections.Generic.Dictionary[string, string]]::new($ordinal)
    $positionals = [System.Collections.Generic.Dictionary[string, string]]::new($ordinal)
    $tips = [System.Collections.Generic.Dictionary[string, string]]::new($ordinal)
@TABLES@    $inventoryFlags = @INVENTORY_FLAGS@

    function Get-Row($table, $key) { if ($table.ContainsKey($key)) { $table[$key] } }
    function Get-Parent($path) {
        if ($path.Contains(' ')) { $path.Substring(0, $path.LastIndexOf(' ')) } else { '' }
    }
    # What OPTION takes, from the nearest command declaring it (global flags work anywhere).
    function Get-Value($path, $option) {
        while ($true) {
            $kind = Get-Row $values "$path|$option"
            if ($kind -or $path -eq '') { return $kind }
            $path = Get-Parent $path
        }
    }
    function Get-Flags($path) {
        while ($true) {
            Get-Row $flags $path
            if ($path -eq '') { return }
            $path = Get-Parent $path
        }
    }
    function Get-Tip($key, $text) {
        $tip = Get-Row $tips $key
        if ($tip) { $tip } else { $text }
    }
    function Get-Words($element) {
        if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            return $element.Value
        }
        $element.Extent.Text
    }
    # Values of KIND that start with TYPED, each after BEFORE.
    function Get-Values($kind, $typed, $before, $inventory) {
        $parts = @("$kind".Split(' '))
        $found = switch ($parts[0]) {
            'choices' { $parts | Select-Object -Skip 1 | Where-Object { $_.StartsWith($typed) } }
            'file' {
                [System.Management.Automation.CompletionCompleters]::CompleteFilename($typed) |
                    ForEach-Object { $_.CompletionText }
            }
            'dir' {
                [System.Management.Automation.CompletionCompleters]::CompleteFilename($typed) |
                    Where-Object { $_.ResultType -eq 'ProviderContainer' } |
                    ForEach-Object { $_.CompletionText }
            }
            'limit' {
                $exe = Get-Words $commandAst.CommandElements[0]
                $callArgs = @()
                if ($inventory) { $callArgs += @('--inventory', $inventory) }
                $callArgs += @CALLBACK@ + @('--', $typed)
                try { & $exe @callArgs 2>$null } catch { }
            }
        }
        foreach ($value in @($found)) {
            if (-not $value) { continue }
            $text = "$before$value"
            # PowerShell would split an unquoted comma list into several arguments.
            if ($text -match '[,\s;]' -and $text -notmatch "^['`"]") { $text = "'" + $text + "'" }
            $text
        }
    }

    # The words before the cursor, and the one it is in (up to the cursor).
    $words = [System.Collections.Generic.List[string]]::new()
    $cur = ''
    foreach ($element in $commandAst.CommandElements) {
        if ($element.Extent.StartOffset -gt $cursorPosition) { break }
        if ($element.Extent.EndOffset -ge $cursorPosition -and $words.Count -gt 0) {
            $cur = $element.Extent.Text.Substring(0, $cursorPosition - $element.Extent.StartOffset)
            $cur = $cur.TrimStart([char]39, [char]34)
            break
        }
        $words.Add((Get-Words $element))
    }

    $path = ''
    $inventory = $null
    $pending = $null
    $positional = $false
    for ($i = 1; $i -lt $words.Count; $i++) {
        $w = $words[$i]
        if ($null -ne $pending) {
            if ($inventoryFlags -contains $pending) { $inventory = $w }
            $pending = $null
            continue
        }
        if ($positional) { continue }
        if ($w -eq '--') { $positional = $true; continue }
        if ($w.StartsWith('--') -and $w.Contains('=')) {
            $eq = $w.IndexOf('=')
            if ($inventoryFlags -contains $w.Substring(0, $eq)) { $inventory = $w.Substring($eq + 1) }
            continue
        }
        if ($w.StartsWith('-')) {
            if (Get-Value $path $w) { $pending = $w }
            continue
        }
        if (@(Get-Row $subcommands $path) -contains $w) {
            $path = if ($path) { "$path $w" } else { $w }
        }
    }

    function New-Result($type, $tipKey) {
        process {
            $tip = if ($null -ne $tipKey) { Get-Tip "$tipKey$_" $_ } else { $_ }
            [System.Management.Automation.CompletionResult]::new($_, $_, $type, $tip)
        }
    }
    if ($null -ne $pending) {
        Get-Values (Get-Value $path $pending) $cur '' $inventory | New-Result 'ParameterValue'
    } elseif (-not $positional -and $cur.StartsWith('--') -and $cur.Contains('=')) {
        $option = $cur.Substring(0, $cur.IndexOf('='))
        $typed = $cur.Substring($cur.IndexOf('=') + 1)
        Get-Values (Get-Value $path $option) $typed "$option=" $inventory | New-Result 'ParameterValue'
    } elseif (-not $positional -and $cur.StartsWith('-')) {
        @(Get-Flags $path) | Where-Object { $_.StartsWith($cur) } | New-Result 'ParameterName' "$path|"
    } else {
        $subs = @(Get-Row $subcommands $path)
        if (-not $positional -and $subs.Count -gt 0) {
            $prefix = if ($path) { "$path " } else { '' }
            $subs | Where-Object { $_.StartsWith($cur) } | New-Result 'ParameterValue' $prefix
        } else {
            Get-Values (Get-Row $positionals $path) $cur '' $inventory | New-Result 'ParameterValue'
        }
    }
}
)PS";

}  // namespace

std::string PowerShellCompletionScript(const CommandNode& root, const std::string& version) {
  return absl::StrCat("# PowerShell completion for osctl (", version,
                      "), generated by `osctl completion powershell`\n",
                      "# from osctl's command tree. Install: add to $PROFILE\n",
                      "#   osctl completion powershell | Out-String | Invoke-Expression\n\n",
                      absl::StrReplaceAll(kCompleter, {{"@TABLES@", Tables(root)},
                                                       {"@INVENTORY_FLAGS@", InventoryList(root)},
                                                       {"@CALLBACK@", CallbackWords()}}));
}

}  // namespace osfleet::ctl
