using System.Net;
using Forum.Web.Tests.Infrastructure;

namespace Forum.Web.Tests.Security;

[Collection(WebCollection.Name)]
public sealed class SecurityTests(WebFixture web)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/fr/conferences/{slug}")]
    [InlineData("/conferences/{slug}/register")]
    [InlineData("/conferences/no-such-conference")]
    public async Task Every_answer_forbids_inline_scripts_framing_and_sniffing(string path)
    {
        using var client = new HttpClient { BaseAddress = web.Web.Address };
        using var response = await client.GetAsync(path.Replace("{slug}", web.Slug, StringComparison.Ordinal));
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused_and_registers_nothing()
    {
        using var client = new HttpClient { BaseAddress = web.Web.Address };
        using var response = await client.PostAsync($"/conferences/{web.Slug}/register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.IdempotencyKey"] = "forged",
            ["Form.PartyKind"] = "State",
            ["Form.StateCode"] = "SE",
            ["Form.FocalPointName"] = "Mallory",
            ["Form.FocalPointEmail"] = "mallory@example.org",
            ["Form.Members[0].Name"] = "Mallory",
            ["Form.Members[0].Function"] = "Intruder",
            ["Form.Members[0].Rank"] = "Other",
            ["Form.Members[0].Email"] = "mallory@example.org",
            ["Form.Head"] = "0",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await web.DelegationsAsync("SE"));
    }
}
