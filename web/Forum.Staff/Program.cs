using Forum.Staff.Api;
using Forum.Staff.CheckIn;
using Forum.Staff.Localisation;
using Forum.Staff.SignIn;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddRazorPages(o =>
{
    // Every page is for signed-in staff (the fallback policy); each role's pages for that role only.
    o.Conventions.AuthorizeFolder("/Conferences", StaffRoles.Organiser);
    o.Conventions.AuthorizeFolder("/Agenda", StaffRoles.Organiser);
    o.Conventions.AuthorizeFolder("/Declarations", StaffRoles.Organiser);
    // The protocol officers' pages, for the role protocol only (an organiser without it gets the Forbidden page).
    o.Conventions.AuthorizeFolder("/Protocol", StaffRoles.Protocol);
    o.Conventions.AuthorizeFolder("/CheckIn", StaffRoles.Protocol);
    o.Conventions.AllowAnonymousToPage("/SignedOut");
    o.Conventions.AllowAnonymousToPage("/Error");
    o.Conventions.AllowAnonymousToPage("/Accessibility");
});
builder.Services.AddAntiforgery(o =>
{
    o.Cookie.Name = "forum-staff-antiforgery";
    o.Cookie.SameSite = SameSiteMode.Strict;
    o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    o.HeaderName = "X-CSRF-TOKEN";
});
// Sessions and forms are encrypted with data-protection keys: with DataProtection:KeysPath every replica shares the
// folder's keys, so a person signed in through one replica stays signed in through the others and across restarts.
if (builder.Configuration["DataProtection:KeysPath"] is { Length: > 0 } keysPath)
{
    builder.Services.AddDataProtection().SetApplicationName("forum-staff").PersistKeysToFileSystem(new DirectoryInfo(keysPath));
}

builder.Services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
builder.Services.AddStaffSignIn(builder.Configuration, builder.Environment);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<Forum.Staff.Pages.Agenda.BoardLayouts>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<Text>();
builder.Services.AddScoped<IText>(sp => sp.GetRequiredService<Text>());
builder.Services.AddForumTracing(builder.Configuration, "forum-staff");
builder.Services.AddHttpClient<StaffApi>(http =>
{
    http.BaseAddress = new Uri((builder.Configuration["ForumApi:BaseUrl"] ?? "http://127.0.0.1:5080").TrimEnd('/') + "/");
    http.Timeout = TimeSpan.FromSeconds(15);
});

var app = builder.Build();

app.UseForwardedHeaders();
app.UseExceptionHandler("/error");
// A form's answer may continue at the identity provider (signing out, or in again): its origin is a form target.
app.UseSecurityHeaders(new Uri(app.Configuration["StaffAuth:Authority"]!).GetLeftPart(UriPartial.Authority));
app.UseLanguageFromPath();
app.UseStatusCodePagesWithReExecute("/error", "?status={0}");
app.UseForumDesign();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.MapRazorPages();
app.MapCheckInEndpoints();
app.MapGet("/health", () => Results.Text("ok")).AllowAnonymous();

app.Run();

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
