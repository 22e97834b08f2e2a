using System.Net;
using System.Text.RegularExpressions;
using Forum.Web.Tests.Infrastructure;

namespace Forum.Web.Tests.Security;

/// <summary>Several web processes behind one balancer: a form one of them showed must post to any other.</summary>
[Collection(WebCollection.Name)]
public sealed partial class SharedKeysTests(WebFixture web)
{
    [Fact]
    public async Task A_form_shown_by_one_web_process_posts_to_another_that_shares_its_keys_folder_and_not_to_one_that_does_not()
    {
        var keys = Directory.CreateTempSubdirectory("forum-web-keys-").FullName;
        try
        {
            await using var first = new WebServer(web.Api.Address, keys);
            await using var second = new WebServer(web.Api.Address, keys);
            await using var alone = new WebServer(web.Api.Address);
            first.Start();
            second.Start();
            alone.Start();

            // The form and its antiforgery cookie from the first process (cookies do not tell ports apart).
            var cookies = new CookieContainer();
            using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = first.Address };
            var form = await browser.GetStringAsync($"/conferences/{web.Slug}/register");
            var token = TokenField().Match(form).Groups[1].Value;
            Assert.NotEmpty(token);
            Assert.NotEmpty(Directory.GetFiles(keys, "*.xml"));

            async Task<bool> TokenTakenAsync(WebServer server)
            {
                // An empty registration: refused by its validation (the form again, with its error summary), unless the
                // antiforgery check refuses it first (a bare 400).
                using var response = await browser.PostAsync(new Uri(server.Address, $"/conferences/{web.Slug}/register"), new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                    ["Form.IdempotencyKey"] = Guid.NewGuid().ToString(),
                }));
                return (await response.Content.ReadAsStringAsync()).Contains("error-summary", StringComparison.Ordinal);
            }

            Assert.True(await TokenTakenAsync(first));
            Assert.True(await TokenTakenAsync(second));
            Assert.False(await TokenTakenAsync(alone));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
