using System.Security.Claims;
using Forum.Api.Conferences;
using Forum.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Agenda;

public static class AgendaEndpoints
{
    public static IEndpointRouteBuilder MapAgendaEndpoints(this IEndpointRouteBuilder app)
    {
        var conference = app.MapGroup("/api/conferences/{slug}")
            .WithTag("Agenda", "Rooms and sessions of the working agenda, its published versions and what changed between them, and the frab schedule exports.");
        var organiser = conference.MapGroup("").RequireAuthorization(Roles.Organiser);
        // Every change of the working agenda: refused once the conference is concluded or cancelled, or when another writer got there first.
        var changes = organiser.MapGroup("").Refuses(409, "conference_closed", "version_conflict");

        changes.MapPost("/rooms", async (string slug, RoomRequest request, ClaimsPrincipal user, AgendaService agenda, CancellationToken ct) =>
        {
            var room = await agenda.AddRoomAsync(slug, request, user.Actor(), ct);
            return TypedResults.Created($"/api/conferences/{slug}/agenda", room);
        }).WithSummary("Add a room (capacity, interpretation languages)").WithName("addRoom")
            .Refuses(400, "validation_failed").Refuses(409, "room_exists")
            .WithRequestExample("""{"name": "Room 4", "capacity": 40, "interpretation": ["en", "fr"]}""");

        changes.MapPost("/sessions", async (string slug, SessionRequest request, HttpContext http, AgendaService agenda, CancellationToken ct) =>
        {
            var session = await agenda.ScheduleAsync(slug, request, http.User.Actor(), ct);
            ETags.Set(http, session.Revision);
            return TypedResults.Created($"/api/conferences/{slug}/sessions/{session.Id}", session);
        }).WithSummary("Schedule a session (ETag: its revision)").WithName("scheduleSession")
            .Refuses(400, "validation_failed")
            .Refuses(409, "room_double_booked", "person_double_booked").Refuses(422, "outside_conference", "nonexistent_local_time", "unknown_room", "room_too_small")
            .WithRequestExample("""
                {"kind": "SideEvent", "title": "Hotlines: how the public reports abuse material", "description": "Hotline services on working with the police across borders.",
                 "roomId": "{{demo-room}}", "start": "2012-12-05T16:30", "end": "2012-12-05T17:15",
                 "chair": "Chair of the side event (illustrative)", "speakers": ["Hotline representative (illustrative)"], "isPublic": true, "expectedAttendance": 60}
                """);

        organiser.MapGet("/sessions/{id:guid}", async (string slug, Guid id, HttpContext http, AgendaService agenda, Delegations.DelegationService delegations, CancellationToken ct) =>
        {
            var session = await agenda.GetSessionAsync(slug, id, ct);
            if (session.Kind == SessionKind.Ministerial)
            {
                session = session with { TourDeTable = await delegations.SpeakingOrderAsync(slug, id, ct) };
            }

            ETags.Set(http, session.Revision);
            return TypedResults.Ok(session);
        }).WithSummary("One session as it stands in the working agenda, with its ETag").WithName("getSession")
            .WithParameterExample("id", "{{demo-press-conference}}");

        changes.MapPut("/sessions/{id:guid}", async (string slug, Guid id, SessionRequest request, HttpContext http, AgendaService agenda, CancellationToken ct) =>
        {
            var session = await agenda.ChangeAsync(slug, id, request, ETags.IfMatch(http.Request), http.User.Actor(), ct);
            ETags.Set(http, session.Revision);
            return TypedResults.Ok(session);
        }).WithSummary("Move, re-room, rename or otherwise change a session (If-Match: its ETag)").WithName("changeSession")
            .TakesIfMatch("the session").Refuses(409, "session_cancelled").Refuses(400, "validation_failed")
            .Refuses(409, "room_double_booked", "person_double_booked").Refuses(422, "outside_conference", "nonexistent_local_time", "unknown_room", "room_too_small")
            .WithParameterExample("id", "{{demo-press-conference}}")
            .WithRequestExample("""
                {"kind": "PressConference", "title": "Press conference", "description": "Moved by a quarter of an hour, after the signing.",
                 "roomId": "{{demo-press-room}}", "start": "2012-12-05T17:30", "end": "2012-12-05T18:00",
                 "chair": null, "speakers": ["Cecilia Malmström", "Eric Holder"], "isPublic": true, "expectedAttendance": null}
                """);

        changes.MapPost("/sessions/{id:guid}/cancel", async (string slug, Guid id, CancelSessionRequest request, HttpContext http, AgendaService agenda, CancellationToken ct) =>
        {
            var session = await agenda.CancelAsync(slug, id, request.Reason, ETags.IfMatch(http.Request), http.User.Actor(), ct);
            ETags.Set(http, session.Revision);
            return TypedResults.Ok(session);
        }).WithSummary("Cancel a session, with a reason").WithName("cancelSession")
            .TakesIfMatch("the session").Refuses(400, "validation_failed").Refuses(409, "session_cancelled")
            .WithParameterExample("id", "{{demo-press-conference}}")
            .WithRequestExample("""{"reason": "The hosts speak to the press in the plenary hall instead"}""");

        changes.MapPost("/sessions/{id:guid}/reinstate", async (string slug, Guid id, HttpContext http, AgendaService agenda, CancellationToken ct) =>
        {
            var session = await agenda.ReinstateAsync(slug, id, ETags.IfMatch(http.Request), http.User.Actor(), ct);
            ETags.Set(http, session.Revision);
            return TypedResults.Ok(session);
        }).WithSummary("Take a cancellation back: the session is held again as planned, if its room and people are still free (If-Match: its ETag)")
            .WithName("reinstateSession").TakesIfMatch("the session").Refuses(409, "session_not_cancelled", "room_double_booked", "person_double_booked")
            .WithParameterExample("id", "{{demo-press-conference}}");

        changes.MapPost("/agenda/publish", async (string slug, ClaimsPrincipal user, AgendaService agenda, CancellationToken ct) =>
            TypedResults.Ok(await agenda.PublishAsync(slug, user.Actor(), ct)))
            .WithSummary("Publish the next agenda version").WithName("publishAgenda").Refuses(409, "agenda_unchanged")
            .WithDescription("The working agenda becomes the next published version, with each ministerial session's tour de table as it stands now; " +
                "delegations holding seats in changed sessions are told by mail. Refused (409 `agenda_unchanged`) when nothing changed since the latest version.");

        organiser.MapGet("/agenda/pending", async (string slug, AgendaService agenda, CancellationToken ct) => TypedResults.Ok(await agenda.PendingAsync(slug, ct)))
            .WithName("getPendingAgenda").WithSummary("What publishing now would change against the latest published version, and how many delegations and members hold seats in the sessions it changes");

        organiser.MapGet("/agenda/board", GetBoard).WithName("getAgendaBoard").Refuses(400, "validation_failed")
            .WithSummary("One day of the working agenda for the organisers' board (?day=, the first day by default): each session with its revision, what changed since the latest published version and who changed it last; its ETag is the agenda's version, and If-None-Match answers 304 while nothing changed");

        conference.MapGet("/agenda", GetAgenda).WithName("getAgenda").Refuses(400, "validation_failed")
            .WithDescription("Without parameters, the latest published version, served from stored bytes with an ETag per version (If-None-Match answers 304) " +
                "and `Cache-Control: public, max-age=60`: the route calendar apps and attendees poll. 404 `not_found` until a first version is published. " +
                "Organisers see speakers' names (never cached).")
            .WithSummary("Sessions by day and room: the latest published version; ?version=N, ?asOf=<instant>; organisers: ?draft=true for the working agenda");
        conference.MapGet("/agenda/changes", GetChanges).WithName("getAgendaChanges").Refuses(400, "validation_failed").WithSummary("What changed between two published versions: added, moved, re-roomed, renamed, cancelled");
        conference.MapGet("/schedule.xml", (string slug, HttpContext http, AgendaService agenda, ConferenceService conferences, CancellationToken ct) =>
            Export(slug, AgendaProjection.FrabXml, "application/xml; charset=utf-8", http, agenda, conferences, ct)).WithSummary("frab schedule XML of the published agenda").WithName("getScheduleXml");
        conference.MapGet("/schedule.json", (string slug, HttpContext http, AgendaService agenda, ConferenceService conferences, CancellationToken ct) =>
            Export(slug, AgendaProjection.FrabJson, "application/json; charset=utf-8", http, agenda, conferences, ct)).WithSummary("frab schedule JSON of the published agenda").WithName("getScheduleJson");
        return app;
    }

    private static async Task<IResult> GetAgenda(string slug, int? version, string? asOf, bool? draft, HttpContext http, AgendaService agenda, ConferenceService conferences, CancellationToken ct)
    {
        if (version is null && asOf is null && draft is null && !http.User.IsOrganiser())
        {
            // The hot path (calendar apps and attendees polling): no database work once the head is known.
            var (visible, latest) = await agenda.PublicHeadAsync(slug, ct);
            return visible && latest is not null
                ? await Rendered(slug, latest.Version, AgendaProjection.AgendaRendering(AgendaVariant.Public), "application/json; charset=utf-8", http, agenda, ct)
                : throw ProblemException.NotFound(visible ? "published agenda yet" : $"conference '{slug}'");
        }

        await VisibleConferenceAsync(slug, http.User, conferences, ct);
        var variant = http.User.IsOrganiser() ? AgendaVariant.Full : AgendaVariant.Public;
        Instant? instant = null;
        if (asOf is not null)
        {
            var parsed = InstantPattern.ExtendedIso.Parse(asOf);
            if (!parsed.Success)
            {
                throw new ValidationException(new Dictionary<string, string[]> { ["asOf"] = ["An instant is written in UTC, such as 2012-12-05T09:30:00Z."] });
            }

            instant = parsed.Value;
        }

        if (draft == true)
        {
            if (!http.User.IsOrganiser())
            {
                throw ProblemException.NotFound("working agenda for you");
            }

            return TypedResults.Ok(await agenda.WorkingViewAsync(slug, instant, ct));
        }

        var wanted = version ?? (instant is { } at ? await agenda.VersionAtAsync(slug, at, ct) : (await agenda.LatestAsync(slug, ct))?.Version ?? 0);
        if (wanted == 0)
        {
            throw ProblemException.NotFound(instant is null ? "published agenda yet" : "agenda published at that instant");
        }

        if (variant == AgendaVariant.Full)
        {
            // Organisers see the speakers' names, opened at each read (and so never served from a cache after an erasure).
            var published = await agenda.PublishedViewAsync(slug, wanted, AgendaVariant.Full, ct) ?? throw ProblemException.NotFound($"published version {wanted}");
            http.Response.Headers.CacheControl = "private, no-store";
            return TypedResults.Ok(await agenda.WithOpenedToursAsync(published, ct));
        }

        return await Rendered(slug, wanted, AgendaProjection.AgendaRendering(variant), "application/json; charset=utf-8", http, agenda, ct);
    }

    private static async Task<IResult> GetBoard(string slug, string? day, HttpContext http, AgendaService agenda, CancellationToken ct)
    {
        LocalDate? date = null;
        if (day is not null)
        {
            var parsed = LocalDatePattern.Iso.Parse(day);
            date = parsed.Success ? parsed.Value : throw new ValidationException(new Dictionary<string, string[]> { ["day"] = ["A day is written as 2012-12-05."] });
        }

        // The board is read at every view and changes only with the agenda: one small read answers an unchanged one.
        var version = await agenda.BoardVersionAsync(slug, ct) ?? 0;
        http.Response.Headers.CacheControl = "private, no-cache";
        if (version > 0 && http.Request.Headers.IfNoneMatch.Contains(ETags.Format(version)))
        {
            ETags.Set(http, version);
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var board = await agenda.BoardAsync(slug, date, version, ct);
        ETags.Set(http, version);
        return TypedResults.Ok(board);
    }

    private static async Task<Ok<AgendaChanges>> GetChanges(string slug, int? from, int? to, HttpContext http, AgendaService agenda, ConferenceService conferences, CancellationToken ct)
    {
        await VisibleConferenceAsync(slug, http.User, conferences, ct);
        var v = new Validator();
        v.Require(from is >= 1, "from", "from is a published version (1, 2, ...).");
        v.Require(to is >= 1, "to", "to is a published version (1, 2, ...).");
        v.Require(from is null || to is null || from < to, "to", "to comes after from.");
        v.ThrowIfInvalid();
        var variant = http.User.IsOrganiser() ? AgendaVariant.Full : AgendaVariant.Public;
        var before = await agenda.PublishedViewAsync(slug, from!.Value, variant, ct) ?? throw ProblemException.NotFound($"published version {from}");
        var after = await agenda.PublishedViewAsync(slug, to!.Value, variant, ct) ?? throw ProblemException.NotFound($"published version {to}");
        // The changes compare sessions, not who speaks in them.
        return TypedResults.Ok(AgendaDiff.Between(before.MapSessions(s => s with { TourDeTable = null }), after.MapSessions(s => s with { TourDeTable = null })));
    }

    private static async Task<IResult> Export(string slug, string rendering, string contentType, HttpContext http, AgendaService agenda, ConferenceService conferences, CancellationToken ct)
    {
        PublishedVersion? latest;
        if (http.User.IsOrganiser())
        {
            await VisibleConferenceAsync(slug, http.User, conferences, ct);
            latest = await agenda.LatestAsync(slug, ct);
        }
        else
        {
            (var visible, latest) = await agenda.PublicHeadAsync(slug, ct);
            if (!visible)
            {
                throw ProblemException.NotFound($"conference '{slug}'");
            }
        }

        return await Rendered(slug, (latest ?? throw ProblemException.NotFound("published agenda yet")).Version, rendering, contentType, http, agenda, ct);
    }

    /// <summary>Serves stored bytes of a published version; a published version never changes, so its ETag is its number.</summary>
    private static async Task<IResult> Rendered(string slug, int version, string rendering, string contentType, HttpContext http, AgendaService agenda, CancellationToken ct)
    {
        var etag = $"\"v{version}-{rendering}\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "public, max-age=60";
        if (http.Request.Headers.IfNoneMatch.Contains(etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var bytes = await agenda.RenderingAsync(slug, version, rendering, ct) ?? throw ProblemException.NotFound($"published version {version}");
        return TypedResults.Bytes(bytes, contentType);
    }

    private static async Task VisibleConferenceAsync(string slug, ClaimsPrincipal user, ConferenceService conferences, CancellationToken ct)
    {
        var conference = await conferences.GetAsync(slug, ct);
        if (conference is null || !(conference.IsPublic || user.IsOrganiser()))
        {
            throw ProblemException.NotFound($"conference '{slug}'");
        }
    }
}
