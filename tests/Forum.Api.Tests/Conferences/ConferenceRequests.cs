namespace Forum.Api.Tests.Conferences;

public static class ConferenceRequests
{
    public static object NewConference(string slug, string? seriesSlug = null, string firstDay = "2012-12-05", string lastDay = "2012-12-05", string timeZone = "Europe/Brussels", int capacity = 300, int delegationQuota = 4) => new
    {
        slug,
        title = "Launch of the Global Alliance against Child Sexual Abuse Online",
        seriesSlug,
        venue = new { name = "Conference centre", city = "Brussels", country = "BE" },
        timeZone,
        firstDay,
        lastDay,
        languages = new[] { "en", "fr" },
        capacity,
        delegationQuota,
    };
}
