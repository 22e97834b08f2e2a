using Forum.Api.Infrastructure;

namespace Forum.Api.Conferences;

public sealed record Series(string Slug, string Name, string Description)
{
    public static string StreamId(string slug) => $"series-{slug}";
}

public sealed record CreateSeries(string Slug, string Name, string Description);

public sealed class SeriesDecider : IDecider<Series?, CreateSeries>
{
    public static SeriesDecider Instance { get; } = new();

    public string StreamType => "series";

    public Series? Initial => null;

    public IReadOnlyList<object> Decide(CreateSeries command, Series? state) => state is null
        ? [new SeriesCreated(command.Slug, command.Name, command.Description)]
        : throw ProblemException.Conflict("series_exists", $"A series with the slug '{command.Slug}' already exists.");

    public Series? Evolve(Series? state, object change) => change switch
    {
        SeriesCreated c => new Series(c.Slug, c.Name, c.Description),
        _ => state,
    };
}
