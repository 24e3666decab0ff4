#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
Installs the Portwarden agent as the Windows service PortwardenAgent, without the MSI.

.DESCRIPTION
Copies portwarden-agent.exe into -InstallDir (unless the same file is already there), registers the
service (portwarden-agent.exe service install), writes the agent's settings and locks the state
directory (service configure), and starts the service (service start). Safe to run again: an
installed service is stopped before its exe is replaced, an existing registration is kept, and
settings not given keep the values agent.env already has. Downloads nothing.

.EXAMPLE
.\install.ps1 -Exe .\portwarden-agent.exe -Controller ctl.example:7443 -EnrollToken pwt1...

.EXAMPLE
.\install.ps1    # again later, with a newer portwarden-agent.exe beside the script: upgrades in place
#>
[CmdletBinding()]
param(
    # The agent executable to install; by default the one beside this script.
    [string]$Exe = (Join-Path $PSScriptRoot 'portwarden-agent.exe'),
    # The controller's agent address, HOST:PORT.
    [string]$Controller = '',
    # A one-time enrollment token (portwarden token create).
    [string]$EnrollToken = '',
    # The agent's name; the controller's default is the host name.
    [string]$Name = '',
    # Labels as key=value,key=value.
    [string]$Labels = '',
    [string]$InstallDir = "$env:ProgramFiles\Portwarden",
    [string]$StateDir = "$env:ProgramData\Portwarden"
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ServiceName = 'PortwardenAgent'

# Runs the installed agent with the given arguments and stops the script if it fails: native
# programs do not raise PowerShell errors, so the exit code is checked here.
function Invoke-Agent {
    param([string[]]$Arguments)
    & $script:Target @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "portwarden-agent.exe $($Arguments[0..1] -join ' ') failed with exit code $LASTEXITCODE"
    }
}

if (-not (Test-Path -LiteralPath $Exe -PathType Leaf)) {
    throw "No agent executable at '$Exe': pass -Exe with the path of portwarden-agent.exe"
}
$Source = (Resolve-Path -LiteralPath $Exe).ProviderPath
$script:Target = Join-Path $InstallDir 'portwarden-agent.exe'
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null

$sameFile = (Test-Path -LiteralPath $Target -PathType Leaf) -and
    ((Get-FileHash -LiteralPath $Source).Hash -eq (Get-FileHash -LiteralPath $Target).Hash)
$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue

if (-not $sameFile) {
    # A running service holds the exe open: stop it first (it drains and exits within its wait hint).
    if ($null -ne $service -and $service.Status -ne 'Stopped') {
        Write-Host "Stopping $ServiceName to replace $Target"
        Stop-Service -Name $ServiceName
    }
    Write-Host "Copying $Source to $Target"
    Copy-Item -LiteralPath $Source -Destination $Target -Force
}

if ($null -eq $service) {
    Write-Host "Registering the service $ServiceName"
    Invoke-Agent @('service', 'install', "--state-dir=$StateDir")
}

# Always, so the state directory's ACL and the service's recovery settings are (re)applied; each
# flag is passed as --flag=value so an empty value still reaches the agent (and means "keep").
Write-Host "Configuring the agent (state in $StateDir)"
Invoke-Agent @(
    'service', 'configure',
    "--state-dir=$StateDir",
    "--controller=$Controller",
    "--enroll-token=$EnrollToken",
    "--name=$Name",
    "--labels=$Labels"
)

Write-Host "Starting $ServiceName"
if ((Get-Service -Name $ServiceName).Status -eq 'Running') {
    # Already running the same exe: a restart picks up the new settings.
    Restart-Service -Name $ServiceName
} else {
    Invoke-Agent @('service', 'start')
}

Write-Host "Installed. Logs: $StateDir\logs; status: & '$Target' service status"
