using System.Diagnostics;
using System.Text.Json;
using Forum.Api.Infrastructure;
using Forum.Api.Notifications;
using Forum.Api.Tests.Delegations;
using Forum.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forum.Api.Tests.Notifications;

/// <summary>A conference with a room, delegations, seats and agendas, and the mails they cause, read where they arrive.</summary>
public sealed class MailKit
{
    private readonly ApiFixture api;
    private readonly LocalSendGrid sink;

    private MailKit(ApiFixture api, LocalSendGrid sink, string slug)
    {
        this.api = api;
        this.sink = sink;
        Slug = slug;
        Organiser = api.Organiser();
        Protocol = api.As(Roles.Protocol);
    }

    public string Slug { get; }

    public HttpClient Organiser { get; }

    public HttpClient Protocol { get; }

    public Guid RoomId { get; private set; }

    public string Url(string path = "") => $"/api/conferences/{Slug}{path}";

    public static async Task<MailKit> CreateAsync(
        ApiFixture api, LocalSendGrid sink, string firstDay = "2012-12-05", string? lastDay = null, string[]? languages = null, int capacity = 300, int roomCapacity = 100)
    {
        var kit = new MailKit(api, sink, ApiFixture.NewSlug("mail"));
        await (await kit.Organiser.PostJsonAsync("/api/conferences", new
        {
            slug = kit.Slug,
            title = "Ministerial conference on child protection online",
            venue = new { name = "Egmont Palace", city = "Brussels", country = "BE" },
            timeZone = "Europe/Brussels",
            firstDay,
            lastDay = lastDay ?? firstDay,
            languages = languages ?? ["en", "fr"],
            capacity,
            delegationQuota = 4,
        })).OkJsonAsync(201);
        await (await kit.Organiser.PostJsonAsync(kit.Url("/publish"), null)).OkJsonAsync();
        await (await kit.Organiser.PostJsonAsync(kit.Url("/registration/open"), null)).OkJsonAsync();
        var room = await (await kit.Organiser.PostJsonAsync(kit.Url("/rooms"), new { name = "Salle Spaak", capacity = roomCapacity, interpretation = new[] { "en", "fr" } })).OkJsonAsync(201);
        kit.RoomId = room.GetProperty("id").GetGuid();
        return kit;
    }

    public async Task<Registered> RegisterAsync(object body) =>
        await DelegationKit.ParseRegisteredAsync(await api.Anonymous().PostJsonAsync(Url("/delegations"), body));

    public async Task AccreditAsync(Registered delegation, Guid memberId, string decision = "approve", string? reason = null) =>
        await (await Protocol.PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, $"/members/{memberId}/accreditation"), new { decision, reason })).OkJsonAsync();

    public async Task<Guid> SessionAsync(string title, string day, string start, string end)
    {
        var session = await (await Organiser.PostJsonAsync(Url("/sessions"), new
        {
            kind = "Plenary", title, roomId = RoomId, start = $"{day}T{start}", end = $"{day}T{end}", speakers = Array.Empty<string>(), isPublic = true,
        })).OkJsonAsync(201);
        return session.GetProperty("id").GetGuid();
    }

    public async Task MoveAsync(Guid sessionId, string title, string day, string start, string end)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, Url($"/sessions/{sessionId}"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { kind = "Plenary", title, roomId = RoomId, start = $"{day}T{start}", end = $"{day}T{end}", speakers = Array.Empty<string>(), isPublic = true }),
        };
        await (await Organiser.SendAsync(request)).OkJsonAsync();
    }

    public async Task SeatAsync(Registered delegation, Guid sessionId, params Guid[] memberIds) =>
        await (await FocalPoint(delegation).PostJsonAsync(DelegationKit.DelegationUrl(delegation.Id, "/seats"), new { sessionId, memberIds })).OkJsonAsync();

    public async Task<int> PublishAsync() =>
        (await (await Organiser.PostJsonAsync(Url("/agenda/publish"), null)).OkJsonAsync()).GetProperty("version").GetInt32();

    public HttpClient FocalPoint(Registered delegation)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", delegation.Token);
        return client;
    }

    /// <summary>The conference's mails (the organisers' list), of one kind.</summary>
    public async Task<List<JsonElement>> MailsAsync(string kind) =>
        (await (await Organiser.GetAsync(Url("/mail"))).OkJsonAsync()).EnumerateArray().Where(m => m.GetProperty("kind").GetString() == kind).ToList();

    /// <summary>Waits (up to a deadline) until the conference has at least <paramref name="count"/> mails of the kind.</summary>
    public async Task<List<JsonElement>> AwaitMailsAsync(string kind, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var mails = await MailsAsync(kind);
            if (mails.Count >= count)
            {
                return mails;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"expected {count} {kind} mails in the outbox, found {mails.Count}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends the conference's due mails to the local SendGrid, then reads the one with this id as it arrived there.</summary>
    public async Task<JsonElement> DeliveredAsync(JsonElement outboxMail)
    {
        await using var dispatcher = new MailDispatcher(
            api.Services.GetRequiredService<MailOutbox>(), sink.Client(), api.Services.GetRequiredService<SendGridWebhook>(), api.Services.GetRequiredService<PersonalDataVault>(),
            TimeProvider.System, NullLogger<MailDispatcher>.Instance);
        while (await dispatcher.DispatchAsync(50, CancellationToken.None, Slug) > 0)
        {
        }

        return Assert.Single(await sink.ArrivedAsync(outboxMail.GetProperty("id").GetString()!));
    }

    public async Task<string> AttachmentAsync(JsonElement arrived, int index) =>
        await sink.Control.GetStringAsync(arrived.GetProperty("attachments")[index].GetProperty("url").GetString());
}
