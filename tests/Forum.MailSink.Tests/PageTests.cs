using System.Net;
using System.Text.Json;

namespace Forum.MailSink.Tests;

[Collection(SinkCollection.Name)]
public sealed class PageTests(SinkFixture sink) : IAsyncLifetime
{
    public Task InitializeAsync() => sink.ResetFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_page_lists_the_mails_with_everything_HTML_encoded()
    {
        var id = SinkFixture.NewId();
        var mail = SinkFixture.ValidMail(id, $"{id}@example.org");
        mail["subject"] = "<script>alert('subject')</script> & more";
        var messageId = await sink.AcceptedAsync(mail);

        using var response = await sink.Client.GetAsync($"/?to={id}@example.org");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Contains($"/messages/{messageId}", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;subject&#x27;)&lt;/script&gt; &amp; more", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains($"{id}@example.org", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mail_s_page_shows_its_HTML_sandboxed_its_text_and_its_attachments_as_downloads()
    {
        var id = SinkFixture.NewId();
        var mail = SinkFixture.ValidMail(id);
        mail["content"]![1]!["value"] = "<p onclick=\"x()\">Hi</p><script>steal()</script>";
        var messageId = await sink.AcceptedAsync(mail);

        var page = await sink.Client.GetStringAsync($"/messages/{messageId}");
        Assert.Contains($"<iframe sandbox=\"\" referrerpolicy=\"no-referrer\" title=\"The mail's HTML\" src=\"/messages/{messageId}/html\"></iframe>", page, StringComparison.Ordinal);
        Assert.Contains("<pre>Hello, here is your badge.</pre>", page, StringComparison.Ordinal);
        Assert.Contains($"/messages/{messageId}/attachments/0", page, StringComparison.Ordinal);
        Assert.DoesNotContain("steal()", page, StringComparison.Ordinal);

        using var body = await sink.Client.GetAsync($"/messages/{messageId}/html");
        var csp = Assert.Single(body.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("sandbox;", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("<p onclick=\"x()\">Hi</p><script>steal()</script>", await body.Content.ReadAsStringAsync());

        using var attachment = await sink.Client.GetAsync($"/messages/{messageId}/attachments/0");
        Assert.Equal(HttpStatusCode.OK, attachment.StatusCode);
        Assert.Equal("attachment", attachment.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("badge.svg", attachment.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", await attachment.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await sink.Client.GetAsync($"/messages/{messageId}/attachments/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sink.Client.GetAsync("/messages/nope")).StatusCode);
    }

    [Fact]
    public async Task Clearing_forgets_every_mail()
    {
        await sink.AcceptedAsync(SinkFixture.ValidMail(SinkFixture.NewId()));
        Assert.True((await sink.MessagesAsync()).GetProperty("total").GetInt32() > 0);

        Assert.Equal(HttpStatusCode.NoContent, (await sink.Client.DeleteAsync("/control/messages")).StatusCode);

        Assert.Equal(0, (await sink.MessagesAsync()).GetProperty("total").GetInt32());
        var stats = JsonDocument.Parse(await sink.Client.GetStringAsync("/api/stats")).RootElement;
        Assert.Equal(0, stats.GetProperty("messages").GetInt32());
    }
}
