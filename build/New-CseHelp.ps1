<#
.SYNOPSIS
    Builds the module's MAML help (en-US/CseAirgap.dll-Help.xml) from docs/help/*.md and the cmdlets' own metadata.
.DESCRIPTION
    Each docs/help/<Cmdlet>.md has: # name, ## SYNOPSIS, ## DESCRIPTION, ## PARAMETERS (### -Name), ## INPUTS and
    ## OUTPUTS (### type), ## EXAMPLES (### title, a ```powershell block, remarks), ## NOTES. A parameter a file does
    not describe takes its text from _common-parameters.md. Syntax, types, positions and pipeline input come from the
    built module, so the help cannot drift from the code. Run in its own pwsh by build.ps1.
#>
param([Parameter(Mandatory)][string] $ModulePath, [Parameter(Mandatory)][string] $Source)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Read-Sections([string] $Text, [string] $Level) {
    # Splits markdown into heading -> body for headings of exactly this level ('##' or '###').
    $sections = [ordered]@{}
    $current = $null
    $inCode = $false
    foreach ($line in $Text -split "`r?`n") {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match "^$Level (.+)$") { $current = $Matches[1].Trim(); $sections[$current] = [Collections.Generic.List[string]]::new(); continue }
        if (-not $inCode -and $line -match '^#{1,' + ($Level.Length - 1) + '} ') { $current = $null; continue }
        if ($null -ne $current) { $sections[$current].Add($line) }
    }
    $result = [ordered]@{}
    foreach ($k in $sections.Keys) { $result[$k] = ($sections[$k] -join "`n").Trim() }
    $result
}

function ConvertTo-PlainText([string] $Text) {
    # Get-Help shows text as it is: markdown's `code`, **strong** and [text](link) would reach the console verbatim.
    $Text = $Text -replace '\[([^\]]+)\]\(([^)]+)\)', '$1 ($2)'
    $Text = $Text -replace '\*\*([^*]+)\*\*', '$1'
    $Text -replace '`([^`]+)`', '$1'
}

function Get-Paragraphs([string] $Text) {
    @(($Text -split "`n\s*`n") | ForEach-Object { ConvertTo-PlainText (($_ -replace "\s*`n\s*", ' ').Trim()) } | Where-Object { $_ })
}

$common = Read-Sections (Get-Content -Raw (Join-Path $Source '_common-parameters.md')) '###'
Import-Module (Join-Path $ModulePath 'CseAirgap.psd1')
$commonNames = [Management.Automation.PSCmdlet]::CommonParameters

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
$target = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Force $target | Out-Null
$writer = [Xml.XmlWriter]::Create((Join-Path $target 'CseAirgap.dll-Help.xml'), $settings)

function Write-Paras([string] $Text) {
    $writer.WriteStartElement('maml', 'description', $maml)
    foreach ($p in Get-Paragraphs $Text) { $writer.WriteElementString('maml', 'para', $maml, $p) }
    $writer.WriteEndElement()
}

function Write-Parameter($Parameter, $SetData, [string] $Description) {
    $pipeline = @()
    if ($SetData.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($SetData.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $writer.WriteStartElement('command', 'parameter', $command)
    $writer.WriteAttributeString('required', "$($SetData.IsMandatory)".ToLowerInvariant())
    $writer.WriteAttributeString('variableLength', 'true')
    $writer.WriteAttributeString('globbing', 'false')
    $writer.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $writer.WriteAttributeString('position', $(if ($SetData.Position -ge 0) { "$($SetData.Position)" } else { 'named' }))
    $writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $writer.WriteElementString('maml', 'name', $maml, $Parameter.Name)
    Write-Paras $Description
    $typeName = $Parameter.ParameterType.Name
    if ($Parameter.ParameterType -ne [Management.Automation.SwitchParameter]) {
        $writer.WriteStartElement('command', 'parameterValue', $command)
        $writer.WriteAttributeString('required', 'true')
        $writer.WriteAttributeString('variableLength', 'false')
        $writer.WriteString($typeName)
        $writer.WriteEndElement()
    }
    $writer.WriteStartElement('dev', 'type', $dev)
    $writer.WriteElementString('maml', 'name', $maml, $Parameter.ParameterType.FullName)
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}

$writer.WriteStartDocument()
$writer.WriteStartElement('helpItems', 'http://msh')
$writer.WriteAttributeString('schema', 'maml')
foreach ($cmdlet in Get-Command -Module CseAirgap -CommandType Cmdlet | Sort-Object Name) {
    $file = Join-Path $Source "$($cmdlet.Name).md"
    if (-not (Test-Path $file)) { throw "No help source for $($cmdlet.Name): write $file." }
    $doc = Read-Sections (Get-Content -Raw $file) '##'
    $own = if ($doc.Contains('PARAMETERS')) { Read-Sections ("## x`n" + $doc['PARAMETERS']) '###' } else { @{} }
    $described = { param($name) if ($own.Contains("-$name")) { $own["-$name"] } elseif ($common.Contains("-$name")) { $common["-$name"] } else { throw "$($cmdlet.Name) -$name has no help text: describe it in $file." } }
    $parameters = @($cmdlet.Parameters.Values | Where-Object { $_.Name -notin $commonNames })

    $writer.WriteStartElement('command', 'command', $command)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $writer.WriteStartElement('command', 'details', $command)
    $writer.WriteElementString('command', 'name', $command, $cmdlet.Name)
    $writer.WriteElementString('command', 'verb', $command, $cmdlet.Verb)
    $writer.WriteElementString('command', 'noun', $command, $cmdlet.Noun)
    Write-Paras $doc['SYNOPSIS']
    $writer.WriteEndElement()
    Write-Paras $doc['DESCRIPTION']

    $writer.WriteStartElement('command', 'syntax', $command)
    foreach ($set in $cmdlet.ParameterSets) {
        $writer.WriteStartElement('command', 'syntaxItem', $command)
        $writer.WriteElementString('maml', 'name', $maml, $cmdlet.Name)
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $commonNames }) {
            $full = $cmdlet.Parameters[$p.Name]
            Write-Parameter $full $p (& $described $p.Name)
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'parameters', $command)
    foreach ($p in $parameters) {
        $setData = $p.ParameterSets.Values | Select-Object -First 1
        Write-Parameter $p $setData (& $described $p.Name)
    }
    $writer.WriteEndElement()

    foreach ($kind in @(@{ Section = 'INPUTS'; List = 'inputTypes'; Item = 'inputType' }, @{ Section = 'OUTPUTS'; List = 'returnValues'; Item = 'returnValue' })) {
        $writer.WriteStartElement('command', $kind.List, $command)
        if ($doc.Contains($kind.Section)) {
            $types = Read-Sections ("## x`n" + $doc[$kind.Section]) '###'
            foreach ($t in $types.Keys) {
                $writer.WriteStartElement('command', $kind.Item, $command)
                $writer.WriteStartElement('dev', 'type', $dev)
                $writer.WriteElementString('maml', 'name', $maml, $t)
                $writer.WriteEndElement()
                Write-Paras $types[$t]
                $writer.WriteEndElement()
            }
        }
        $writer.WriteEndElement()
    }

    if ($doc.Contains('NOTES')) {
        $writer.WriteStartElement('maml', 'alertSet', $maml)
        $writer.WriteStartElement('maml', 'alert', $maml)
        foreach ($p in Get-Paragraphs $doc['NOTES']) { $writer.WriteElementString('maml', 'para', $maml, $p) }
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }

    $writer.WriteStartElement('command', 'examples', $command)
    $examples = if ($doc.Contains('EXAMPLES')) { Read-Sections ("## x`n" + $doc['EXAMPLES']) '###' } else { @{} }
    if ($examples.Count -eq 0) { throw "$($cmdlet.Name) has no example: add one to $file." }
    foreach ($title in $examples.Keys) {
        $body = $examples[$title]
        if ($body -notmatch '(?s)```powershell\s*\n(.*?)\n```(.*)$') { throw "Example '$title' of $($cmdlet.Name) has no powershell code block." }
        $writer.WriteStartElement('command', 'example', $command)
        $writer.WriteElementString('maml', 'title', $maml, "-------------------------- $title --------------------------")
        $writer.WriteElementString('dev', 'code', $dev, $Matches[1])
        $writer.WriteStartElement('dev', 'remarks', $dev)
        foreach ($p in Get-Paragraphs $Matches[2]) { $writer.WriteElementString('maml', 'para', $maml, $p) }
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'relatedLinks', $command)
    $writer.WriteStartElement('maml', 'navigationLink', $maml)
    $writer.WriteElementString('maml', 'linkText', $maml, 'about_CseAirgap')
    $writer.WriteEndElement()
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}
$writer.WriteEndElement()
$writer.WriteEndDocument()
$writer.Dispose()
Copy-Item (Join-Path $Source 'about_CseAirgap.help.txt') $target
