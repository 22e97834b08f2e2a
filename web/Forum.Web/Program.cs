using Forum.Web.Api;
using Forum.Web.Localisation;
using Forum.Web.Pages.Conferences;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.ResponseCompression;
using NodaTime;

var builder = WebApplication.CreateBuilder(args);

// Razor Pages check the antiforgery token on every POST, and the form tag helper writes it into every form.
builder.Services.AddRazorPages();
builder.Services.AddAntiforgery(options =>
{
    options.Cookie.Name = "forum-antiforgery";
    options.Cookie.SameSite = SameSiteMode.Strict;
    options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
});
// The conference page of a 400-session agenda is about 190 KB of repetitive HTML, some 10 KB in Brotli at its fastest
// level (./forum bench --only web). Over HTTPS too, except on the pages that show a secret (SecurityHeaders.NoReferrer
// turns compression off there, against BREACH-style probes); antiforgery tokens are encrypted afresh for every response.
builder.Services.AddResponseCompression(options =>
{
    options.EnableForHttps = true;
    options.Providers.Add<BrotliCompressionProvider>();
    options.Providers.Add<GzipCompressionProvider>();
    options.MimeTypes = ResponseCompressionDefaults.MimeTypes.Append("image/svg+xml");
});
builder.Services.Configure<BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
builder.Services.Configure<GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
// Antiforgery tokens are encrypted with data-protection keys. Kept in memory by default (one process, forms shown before a
// restart are refused); with DataProtection:KeysPath every web process shares the folder's keys and a restart keeps them.
if (builder.Configuration["DataProtection:KeysPath"] is { Length: > 0 } keysPath)
{
    builder.Services.AddDataProtection().SetApplicationName("forum-web").PersistKeysToFileSystem(new DirectoryInfo(keysPath));
}

builder.Services.AddSingleton<ConferencePageCache>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<Text>();
builder.Services.AddScoped<IText>(sp => sp.GetRequiredService<Text>());
builder.Services.AddSingleton<IClock>(SystemClock.Instance);
builder.Services.AddSingleton(new ApiAddress(builder.Configuration["ForumApi:PublicUrl"] ?? builder.Configuration["ForumApi:BaseUrl"] ?? "http://127.0.0.1:5080"));
builder.Services.AddForumTracing(builder.Configuration, "forum-web");
builder.Services.AddHttpClient<ForumApi>(http =>
{
    var baseUrl = builder.Configuration["ForumApi:BaseUrl"] ?? "http://127.0.0.1:5080";
    http.BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/");
    http.Timeout = TimeSpan.FromSeconds(15);
});

var app = builder.Build();

// First, so that it keeps, and sends again, the conference page as sent: compressed and with every header.
app.Use((http, next) => http.RequestServices.GetRequiredService<ConferencePageCache>().InvokeAsync(http, next));
app.UseResponseCompression();
app.UseExceptionHandler("/error");
app.UseSecurityHeaders();
app.UseLanguageFromPath();
app.UseStatusCodePagesWithReExecute("/error", "?status={0}");
app.UseForumDesign();
app.UseStaticFiles();
app.UseRouting();
app.MapRazorPages();
app.MapGet("/health", () => Results.Text("ok"));

app.Run();

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
