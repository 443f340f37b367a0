#!/usr/bin/env bash
# Puts the folder of osctl.exe (INSTALLDIR) on PATH in an MSI wixl made from
# osfleet-osctl.wxs: wixl 0.101 (Debian 12) has no <Environment> element, so msibuild adds
# what WiX's <Environment Name="PATH" Part="last" Action="set" Permanent="no"/> makes: an
# Environment table row and the two standard actions that apply it.
#   osctl-msi-path.sh MSI perMachine|perUser
# Environment.Name (Windows Installer's Environment table): '=' sets the variable on
# install, '-' takes our part out again on uninstall, '*' the system's variable (else the
# user's); Value "[~];[INSTALLDIR]" appends to what is there ([~] the current value).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 MSI perMachine|perUser" >&2; exit 2; }
msi=$1
case $2 in
  perMachine) name='=-*PATH' ;;
  perUser) name='=-PATH' ;;
  *) echo "$0: the scope is perMachine or perUser, not '$2'" >&2; exit 2 ;;
esac
msibuild "$msi" -q 'CREATE TABLE `Environment` (`Environment` CHAR(72) NOT NULL, `Name` CHAR(255) NOT NULL LOCALIZABLE, `Value` CHAR(255) LOCALIZABLE, `Component_` CHAR(72) NOT NULL PRIMARY KEY `Environment`)'
msibuild "$msi" -q "INSERT INTO \`Environment\` (\`Environment\`, \`Name\`, \`Value\`, \`Component_\`) VALUES ('OsctlPath', '$name', '[~];[INSTALLDIR]', 'Osctl')"
# The standard places (WiX's): RemoveEnvironmentStrings before RemoveFiles (3500),
# WriteEnvironmentStrings after InstallFiles (4000).
msibuild "$msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)"
msibuild "$msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)"
