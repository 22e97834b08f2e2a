using System.Xml.Linq;
using Forum.Web.Tests.Infrastructure;
using Forum.Design.Localisation;

namespace Forum.Web.Tests.Pages;

public sealed class LocalisationTests
{
    private static Dictionary<string, string> Read(string file, string app = "Forum.Web") =>
        XDocument.Load(Path.Combine(WebFixture.RepositoryRoot, "web", app, "Resources", file)).Root!.Elements("data")
            .ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value, StringComparer.Ordinal);

    [Theory]
    [InlineData("Forum.Web", "Text")]
    [InlineData("Forum.Design", "Design")]
    [InlineData("Forum.Staff", "Text")]
    public void Every_English_text_has_its_French_one_with_the_same_placeholders(string app, string file)
    {
        var en = Read(file + ".resx", app);
        var fr = Read(file + ".fr.resx", app);
        Assert.Equal(en.Keys.Order(StringComparer.Ordinal), fr.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in en)
        {
            var placeholders = System.Text.RegularExpressions.Regex.Matches(value, @"\{\d\}").Select(m => m.Value).Order(StringComparer.Ordinal);
            Assert.True(placeholders.SequenceEqual(System.Text.RegularExpressions.Regex.Matches(fr[key], @"\{\d\}").Select(m => m.Value).Order(StringComparer.Ordinal)), key);
        }
    }

    [Fact]
    public void Dates_and_times_are_written_in_each_language_in_the_conference_zone()
    {
        var start = Dates.ParseLocal("2012-12-05T09:30");
        var end = Dates.ParseLocal("2012-12-05T10:15");
        Assert.Equal("Wednesday 5 December 2012", Dates.Day(start.Date, Lang.English));
        Assert.Equal("mercredi 5 décembre 2012", Dates.Day(start.Date, Lang.French));
        Assert.Equal("samedi 1er juin 2013", Dates.Day(Dates.ParseDate("2013-06-01"), Lang.French));
        Assert.Equal("09:30–10:15 CET", Dates.Span(start, end, "Europe/Brussels", Lang.English));
        Assert.Equal("9 h 30–10 h 15 CET", Dates.Span(start, end, "Europe/Brussels", Lang.French));
        Assert.Equal("09:30–10:15 EST", Dates.Span(start, end, "America/New_York", Lang.English));
        Assert.Equal("Europe/Brussels (UTC+02:00)", Dates.ZoneName("Europe/Brussels", Dates.ParseDate("2013-06-01")));
    }
}
