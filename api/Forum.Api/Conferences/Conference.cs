using Forum.Api.Infrastructure;
using System.Text.Json.Serialization;
using NodaTime;

namespace Forum.Api.Conferences;

public enum ConferenceStatus
{
    Draft,
    Published,
    RegistrationOpen,
    RegistrationClosed,
    Concluded,
    Cancelled,
}

/// <summary>A conference as its decisions need it: what was scheduled, and where it stands in its lifecycle.</summary>
public sealed record Conference(ConferenceScheduled Details, ConferenceStatus Status, string? CancellationReason = null)
{
    [JsonIgnore]
    public string Slug => Details.Slug;

    [JsonIgnore]
    public LocalDate FirstDay => Details.FirstDay;

    [JsonIgnore]
    public LocalDate LastDay => Details.LastDay;

    [JsonIgnore]
    public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[Details.TimeZone];

    /// <summary>Sessions may still be planned and changed.</summary>
    [JsonIgnore]
    public bool AcceptsAgendaChanges => Status is not (ConferenceStatus.Cancelled or ConferenceStatus.Concluded);

    public static string StreamId(string slug) => $"conference-{slug}";
}

public abstract record ConferenceCommand
{
    private ConferenceCommand()
    {
    }

    public sealed record Schedule(ConferenceScheduled Details) : ConferenceCommand;

    public sealed record Publish : ConferenceCommand;

    public sealed record OpenRegistration : ConferenceCommand;

    public sealed record CloseRegistration : ConferenceCommand;

    public sealed record Cancel(string Reason) : ConferenceCommand;

    public sealed record Conclude : ConferenceCommand;
}

/// <summary>The conference lifecycle: Draft → Published → RegistrationOpen → RegistrationClosed → Concluded; Cancelled from any state before Concluded.</summary>
public sealed class ConferenceDecider : IDecider<Conference?, ConferenceCommand>
{
    public static ConferenceDecider Instance { get; } = new();

    public string StreamType => "conference";

    public Conference? Initial => null;

    public IReadOnlyList<object> Decide(ConferenceCommand command, Conference? state) => (command, state) switch
    {
        (ConferenceCommand.Schedule s, null) => [s.Details],
        (ConferenceCommand.Schedule s, not null) => throw ProblemException.Conflict("conference_exists", $"A conference with the slug '{s.Details.Slug}' already exists."),
        (_, null) => throw ProblemException.NotFound("such conference"),
        (ConferenceCommand.Publish, { Status: ConferenceStatus.Draft }) => [new ConferencePublished(state.Slug)],
        (ConferenceCommand.OpenRegistration, { Status: ConferenceStatus.Published }) => [new RegistrationOpened(state.Slug)],
        (ConferenceCommand.CloseRegistration, { Status: ConferenceStatus.RegistrationOpen }) => [new RegistrationClosed(state.Slug)],
        (ConferenceCommand.Conclude, { Status: ConferenceStatus.Published or ConferenceStatus.RegistrationClosed }) => [new ConferenceConcluded(state.Slug)],
        (ConferenceCommand.Cancel c, { Status: not (ConferenceStatus.Concluded or ConferenceStatus.Cancelled) }) => [new ConferenceCancelled(state.Slug, c.Reason)],
        _ => throw ProblemException.Conflict(
            "invalid_transition",
            $"A conference that is {state.Status} cannot {Describe(command)}.",
            new Dictionary<string, object?> { ["conferenceStatus"] = state.Status.ToString() }),
    };

    public Conference? Evolve(Conference? state, object change) => change switch
    {
        ConferenceScheduled s => new Conference(s, ConferenceStatus.Draft),
        ConferencePublished => state! with { Status = ConferenceStatus.Published },
        RegistrationOpened => state! with { Status = ConferenceStatus.RegistrationOpen },
        RegistrationClosed => state! with { Status = ConferenceStatus.RegistrationClosed },
        ConferenceConcluded => state! with { Status = ConferenceStatus.Concluded },
        ConferenceCancelled c => state! with { Status = ConferenceStatus.Cancelled, CancellationReason = c.Reason },
        _ => state,
    };

    private static string Describe(ConferenceCommand command) => command switch
    {
        ConferenceCommand.Publish => "be published",
        ConferenceCommand.OpenRegistration => "open registration",
        ConferenceCommand.CloseRegistration => "close registration",
        ConferenceCommand.Conclude => "be concluded",
        ConferenceCommand.Cancel => "be cancelled",
        _ => "do that",
    };
}
