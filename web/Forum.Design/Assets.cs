using Microsoft.Extensions.FileProviders;

namespace Forum.Design;

public static class DesignAssets
{
    /// <summary>
    /// The shared stylesheet and icon (and whatever else is in Assets/), at /static/, served from this assembly; and
    /// /favicon.ico, which some clients ask for whatever the page names, sent to the icon instead of a 404.
    /// </summary>
    public static IApplicationBuilder UseForumDesign(this IApplicationBuilder app)
    {
        app.Use((http, next) =>
        {
            if (http.Request.Path == "/favicon.ico")
            {
                http.Response.Redirect("/static/favicon.svg", permanent: true);
                return Task.CompletedTask;
            }

            return next(http);
        });
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(DesignAssets).Assembly, "Forum.Design.Assets"),
            RequestPath = "/static",
        });
    }
}
