using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

public class SmokeTests(RpmCorpus corpus) : IClassFixture<RpmCorpus>
{
    [Fact]
    public void CorpusBuilds() => Assert.Equal(8, corpus.Packages.Count);
}
