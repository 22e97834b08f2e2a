using Microsoft.Extensions.FileProviders;

namespace Forum.Design;

public static class DesignAssets
{
    /// <summary>The shared stylesheet (and whatever else is in Assets/), at /static/, served from this assembly.</summary>
    public static IApplicationBuilder UseForumDesign(this IApplicationBuilder app) => app.UseStaticFiles(new StaticFileOptions
    {
        FileProvider = new EmbeddedFileProvider(typeof(DesignAssets).Assembly, "Forum.Design.Assets"),
        RequestPath = "/static",
    });
}
