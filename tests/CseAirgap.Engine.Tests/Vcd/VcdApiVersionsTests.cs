using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Vcd;
using Xunit;

namespace CseAirgap.Engine.Tests.Vcd;

public sealed class VcdApiVersionsTests
{
    [Fact]
    public void TheHighestListedVersionFrom35OnIsChosen()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">
              <VersionInfo deprecated="true"><Version>33.0</Version></VersionInfo>
              <VersionInfo deprecated="false"><Version>38.0</Version></VersionInfo>
              <VersionInfo deprecated="false"><Version>37.2</Version></VersionInfo>
              <VersionInfo deprecated="false"><Version>39.0.0-alpha</Version></VersionInfo>
            </SupportedVersions>
            """;
        var listed = VcdApiVersions.Parse(Encoding.UTF8.GetBytes(xml), "application/vnd.vmware.vcloud.versions+xml");
        Assert.Equal(4, listed.Count);
        Assert.Equal("38.0", VcdApiVersions.Choose(listed));
    }

    [Fact]
    public void NoVersionFrom35OnIsNone() => Assert.Null(VcdApiVersions.Choose(["31.0", "34.0", "junk"]));

    [Fact]
    public void TheJsonFormIsReadToo()
    {
        var json = """{"versionInfo":[{"version":"36.0","deprecated":false},{"version":"35.0"}]}""";
        Assert.Equal("36.0", VcdApiVersions.Choose(VcdApiVersions.Parse(Encoding.UTF8.GetBytes(json), "application/json")));
    }

    [Fact]
    public void AnXmlVersionListWithADtdIsRefused()
    {
        var xml = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><SupportedVersions><VersionInfo><Version>&e;</Version></VersionInfo></SupportedVersions>""";
        Assert.Throws<System.Xml.XmlException>(() => VcdApiVersions.Parse(Encoding.UTF8.GetBytes(xml), "application/xml"));
    }
}
